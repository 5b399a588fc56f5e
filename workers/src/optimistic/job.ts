// The infer stage of an optimistic job: fetch the input the bid commits to (by CID, verified), run the model,
// and hand the submit stage the result's commit. An input that cannot be had, or that the model refuses, is
// declined (refund, no slash), as the zk tier declines a bad inline input.
import type { Address } from "viem";
import { checkCidInputRef, decodeCidInputRef } from "../inputs/ref.ts";
import { fetchInput } from "../inputs/client.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { InferData, SubmitData } from "../pipeline/jobs.ts";
import { RefusedJobError } from "../pipeline/processors.ts";
import { crashPoint } from "../testing/crash.ts";
import { OPTIMISTIC_MODELS, type OptimisticModelName, optimisticModelNames } from "./models.ts";
import { outputWords } from "./output-words.ts";
import type { OptimisticRunner } from "./runner.ts";

export type OptimisticStageDeps = {
  runners: ReadonlyMap<string, OptimisticRunner>;
  /** Chain time now and the latest time a commit of this job may land (deadline less window and dispute time). */
  commitWindow: (settlement: Address, deadline: bigint) => Promise<{ now: bigint; latest: bigint }>;
  /** Longest wait for one gateway (default 30 s); never past the latest commit time. */
  fetchTimeoutMs?: number;
  /** Tests only: commit a wrong result (what a lazy or dishonest provider does). */
  cheatOutput?: boolean;
  logger?: Logger;
  metrics?: Metrics;
};

export const isOptimisticModelName = (name: string): name is OptimisticModelName =>
  (optimisticModelNames as readonly string[]).includes(name);

/** A wrong result of the same form: a different text, or a different segment list. */
export function cheatingBytes(model: OptimisticModelName, honest: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(honest);
  const wrong =
    model === "ocr" ? (text === "lorem ipsum" ? "dolor sit" : "lorem ipsum") : text === "[]" ? "[[0,500]]" : "[]";
  return new TextEncoder().encode(wrong);
}

export async function optimisticStage(deps: OptimisticStageDeps, data: InferData): Promise<SubmitData> {
  const settlement = data.optimistic?.settlement as Address;
  const log = deps.logger?.child({ jobId: data.jobId, model: data.model });
  const decline = (reason: string, detail: string): never => {
    deps.metrics?.jobs.inc({ outcome: "input_mismatch" });
    log?.error({ reason: detail }, `${reason}: declining the job (the buyer is refunded, nobody is slashed)`);
    throw new RefusedJobError(`job ${data.jobId}: ${detail}`, {
      action: "decline",
      jobId: data.jobId,
      model: data.model,
      terms: data.terms,
      reason,
    });
  };
  const runner = deps.runners.get(data.model);
  if (runner === undefined || !isOptimisticModelName(data.model)) return decline("model not served", data.model);
  const model = OPTIMISTIC_MODELS[data.model];
  let ref: ReturnType<typeof decodeCidInputRef>;
  try {
    ref = decodeCidInputRef(data.inputRef as `0x${string}`);
    checkCidInputRef(ref, BigInt(data.terms.inputHash));
  } catch (error) {
    return decline("malformed input", (error as Error).message);
  }
  if (ref.mediaType !== model.input.mediaType)
    return decline("malformed input", `input is ${ref.mediaType}, ${data.model} takes ${model.input.mediaType}`);
  const { now, latest } = await deps.commitWindow(settlement, BigInt(data.terms.deadline));
  if (now >= latest) return decline("too late to commit", `the latest commit time ${latest} has passed (now ${now})`);
  const timeoutMs = Math.max(1000, Math.min(deps.fetchTimeoutMs ?? 30_000, Number(latest - now) * 1000));
  let input: Uint8Array;
  try {
    const fetched = await fetchInput(ref.urls, ref.cid, { maxBytes: model.input.maxBytes, timeoutMs });
    input = fetched.bytes;
    log?.info({ cid: ref.cid, from: fetched.url, bytes: input.length, skipped: fetched.skipped }, "input fetched");
  } catch (error) {
    return decline("input unavailable", (error as Error).message);
  }
  let run: Awaited<ReturnType<OptimisticRunner["run"]>>;
  try {
    const running = runner.run(input);
    crashPoint("inference", (message) => log?.warn(message));
    run = await running;
  } catch (error) {
    return decline("input refused by the model", (error as Error).message);
  }
  deps.metrics?.inferenceSeconds.observe({ model: data.model, device: run.device }, run.ms / 1000);
  const canonical = deps.cheatOutput === true ? cheatingBytes(data.model, run.canonical) : run.canonical;
  if (deps.cheatOutput === true) log?.warn("--cheat-output: committing a wrong result (tests only)");
  log?.info(
    {
      device: run.device,
      onnxruntime: run.onnxruntime,
      ms: Math.round(run.ms),
      bytes: canonical.length,
      outputHash: run.hash.commitment,
      preview: new TextDecoder().decode(canonical.subarray(0, 120)),
    },
    "inference done",
  );
  return {
    action: "commit",
    jobId: data.jobId,
    model: data.model,
    terms: data.terms,
    settlement,
    output: outputWords(canonical).map(String),
    device: run.device,
  };
}
