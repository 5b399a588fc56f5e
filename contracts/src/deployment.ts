import { getAddress, type Address, type Hex } from "viem";
import { z } from "zod";

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/)
  .transform((value): Address => getAddress(value));
const hex32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/)
  .transform((value): Hex => value as Hex);

/** What a deployment of the whole system writes, and what the provider node and the dApp read. */
export const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  startBlock: z.number().int().nonnegative(),
  contracts: z.object({
    accessManager: address,
    sovraToken: address,
    paymentToken: address,
    providerRegistry: address,
    attestationRegistry: address,
    modelRegistry: address,
    spotMarket: address,
    timelock: address,
    governor: address,
    exampleConsumer: address.optional(),
  }),
  models: z.array(
    z.object({
      name: z.string(),
      modelId: hex32,
      weightsCid: z.string(),
      verifier: address,
    }),
  ),
  markets: z.array(
    z.object({
      marketId: z.number().int().nonnegative(),
      model: z.string(),
      modelId: hex32,
      policyClass: z.number().int().nonnegative(),
    }),
  ),
});

export type Deployment = z.output<typeof deploymentSchema>;

/** Parses a deployment document (from a file, an env variable or a fetch), with errors that name the bad field. */
export function parseDeployment(value: unknown): Deployment {
  return deploymentSchema.parse(value);
}
