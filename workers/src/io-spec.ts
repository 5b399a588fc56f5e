import type { Address, PublicClient } from "viem";
import { z } from "zod";
import type { Deployment } from "@sovra/contracts";
import { bytesPerValue, type InputEncoding, quantizationOf } from "@sovra/circuits/io/input";
import { modelManifestSchema } from "@sovra/circuits/manifest";
import { modelRegistryAbi } from "./chain/abis.ts";

/**
 * A model's io spec as the market publishes it: the ModelRegistry's `ioSpec` string is the manifest's `io` section
 * plus the quantized model's held-out accuracy (deploy/src/models.ts). The manifest's own schema reads it, so the
 * buyer's side and the compiler never disagree on a field.
 */
export const ioSpecSchema = modelManifestSchema.shape.io.extend({ accuracy: z.number().optional() });
export type IoSpec = z.output<typeof ioSpecSchema>;
export type InputSpec = IoSpec["input"];
export type OutputSpec = IoSpec["output"];

/** The uint8 encoding the MNIST models use (and every job queued before the encoding travelled with it). */
export const UINT8: InputEncoding = { bits: 8, signed: false };

/** Values the model takes (the product of its input shape). */
export const inputCount = (input: Pick<InputSpec, "shape">): number => input.shape.reduce((a, b) => a * b, 1);

/** How each value travels: bits and sign. */
export const encodingOf = (input: Pick<InputSpec, "bits" | "signed">): InputEncoding => ({
  bits: input.bits,
  signed: input.signed,
});

/** The affine map to the model's real units, for `quantizeReal`/`dequantize` (shared with the dApp). */
export { quantizationOf };

/** Bytes of the inline `inputRef`: values x bytes per value. */
export const inputBytesOf = (input: InputSpec): number => inputCount(input) * bytesPerValue(input);

/** Parses an io spec (JSON text from the chain); throws one line naming the model and the first bad field. */
export function parseIoSpec(text: string, model: string): IoSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`model '${model}' has no readable io spec on chain (not JSON)`);
  }
  const result = ioSpecSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(
      `model '${model}' has an io spec on chain this CLI cannot read: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
    );
  }
  const spec = result.data;
  if (spec.input.features !== undefined && spec.input.features.length !== inputCount(spec.input))
    throw new Error(
      `model '${model}': the io spec names ${spec.input.features.length} features for ${inputCount(spec.input)} input values`,
    );
  return spec;
}

/** The market's model's io spec, read from the ModelRegistry (`modelOf(modelId).ioSpec`): no local model files. */
export async function readIoSpec(publicClient: PublicClient, deployment: Deployment, model: string): Promise<IoSpec> {
  const entry = deployment.models.find((m) => m.name === model);
  if (entry === undefined)
    throw new Error(
      `model '${model}' is not in the deployment (known: ${deployment.models.map((m) => m.name).join(", ") || "none"})`,
    );
  const onChain = await publicClient.readContract({
    address: deployment.contracts.modelRegistry as Address,
    abi: modelRegistryAbi,
    functionName: "modelOf",
    args: [entry.modelId as `0x${string}`],
  });
  if (onChain.ioSpec === "") throw new Error(`model '${model}' is not registered in the ModelRegistry`);
  return parseIoSpec(onChain.ioSpec, model);
}
