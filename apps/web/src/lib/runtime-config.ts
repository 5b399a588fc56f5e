// What the browser needs to talk to a Sovra deployment, as served by /api/config.
import { deploymentSchema, type Deployment } from "@sovra/contracts";
import { z } from "zod";

export const runtimeConfigSchema = z.object({
  chainId: z.number().int().positive(),
  /** JSON-RPC URL the browser reads through (the dApp's own proxy by default). */
  rpcUrl: z.string().min(1),
  /** URL handed to wallets when adding the chain; absolute. */
  walletRpcUrl: z.string().min(1),
  explorerUrl: z.string().url().optional(),
  deployment: deploymentSchema.nullable(),
  /** Why no deployment could be read, for the empty state. */
  deploymentError: z.string().optional(),
});

export type RuntimeConfig = z.output<typeof runtimeConfigSchema>;
export type { Deployment };

export const DEFAULT_CHAIN_ID = 31337;
export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";

/** Chains where the test stablecoin's faucet exists. */
export function isLocalChain(chainId: number): boolean {
  return chainId === 31337 || chainId === 1337;
}
