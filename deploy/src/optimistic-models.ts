// The optimistic tier's launch models (PP-OCRv4 text recognition, Silero VAD speech activity): registered with an
// OptimisticSettlement of their own as verifier, and given markets whose job window leaves room for a commit's
// challenge window and a whole dispute (contracts/README.md, "Optimistic tier").
import { DEFAULT_OPTIMISTIC_PARAMS, type MarketParams, modelIdOfName, multihashOfCid } from "@sovra/contracts";
import { OPTIMISTIC_MODELS, type OptimisticModel } from "@sovra/workers/optimistic";
import { keccak256, toHex } from "viem";
import type { ModelConfig } from "../ignition/modules/Sovra.ts";
import type { LocalModel } from "./models.ts";

/** `ModelRegistry.OPTIMISTIC_TIER_TAG`: what an OptimisticSettlement reports as its key hash. */
export const OPTIMISTIC_TIER_TAG = keccak256(toHex("sovra.optimistic.v1"));

/** Compute time a provider gets on top of the challenge window and the dispute time (fetch, run, commit). */
export const OPTIMISTIC_COMPUTE_SECONDS = 300;

/** The registered weights CID: the model's largest file (the others' CIDs are in the io spec). */
export function mainWeights(model: OptimisticModel): OptimisticModel["weights"][number] {
  const [first, ...rest] = model.weights;
  if (first === undefined) throw new Error(`optimistic model ${model.name} has no weights`);
  return rest.reduce((a, b) => (b.bytes > a.bytes ? b : a), first);
}

/**
 * The io spec stored on-chain for an optimistic model: tier, every weights file by CID, runtime, input and the
 * canonical output with its comparison rule. Clients (node, buyer CLI, dApp) read the tier from it.
 */
export function optimisticIoSpec(model: OptimisticModel): string {
  return JSON.stringify({
    tier: model.tier,
    task: model.name,
    title: model.title,
    weights: model.weights.map((w) => ({ role: w.role, cid: w.cid, bytes: w.bytes })),
    runtime: model.runtime,
    minMemoryMb: model.minMemoryMb,
    input: model.input,
    canonicalOutput: model.canonicalOutput,
  });
}

/** An optimistic market's params: the zk markets' money terms, with a job window that fits the tier's timing. */
export function optimisticMarketParams(
  base: MarketParams,
  params: { challengeWindow: number; disputeTime: number } = DEFAULT_OPTIMISTIC_PARAMS,
): MarketParams {
  const minJobWindow = params.challengeWindow + params.disputeTime + OPTIMISTIC_COMPUTE_SECONDS;
  return { ...base, minJobWindow, maxJobWindow: Math.max(base.maxJobWindow, minJobWindow) };
}

/** `ocr` and `vad`, after the zk models (their market ids stay as before). */
export function optimisticModels(baseMarket: MarketParams): LocalModel[] {
  return Object.values(OPTIMISTIC_MODELS).map((model) => {
    const main = mainWeights(model);
    const config: ModelConfig = {
      modelId: modelIdOfName(model.name),
      tier: "optimistic",
      verifierContract: "OptimisticSettlement",
      weightsCid: main.cid,
      weightsMultihash: multihashOfCid(main.cid),
      vkeyHash: OPTIMISTIC_TIER_TAG,
      ioSpec: optimisticIoSpec(model),
      // The registry's minimum is VRAM; a CPU-only provider (0 MB declared) serves these on its main memory.
      minVramMb: 0,
      policyClasses: [0],
      marketParams: optimisticMarketParams(baseMarket),
    };
    return { name: model.name, config };
  });
}
