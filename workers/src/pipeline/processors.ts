import type { Address, Hex } from "viem";
import type { SubmitOutcome, SubmitRequest } from "../chain/submitter.ts";
import { argmax, decodeInputRef } from "../input.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { Prover } from "../prover.ts";
import { crashPoint } from "../testing/crash.ts";
import {
  commitmentFromData,
  termsFromData,
  type DeclineData,
  type InferData,
  type ProveData,
  type SubmitData,
} from "./jobs.ts";

/**
 * Stage processors: plain async functions of (dependencies, data) -> data for the next stage. They know
 * nothing about queues; `runtime.ts` wires them to BullMQ.
 */

/**
 * A job the node cannot do because of its input (malformed, oversized, or not hashing to the bid's inputHash):
 * no retry can help, and no proof could ever settle it. The runtime hands it to the submit stage as a decline,
 * which refunds the buyer and frees the collateral without a slash.
 */
export class RefusedJobError extends Error {
  override name = "RefusedJobError";
  readonly decline: DeclineData;
  constructor(message: string, decline: DeclineData) {
    super(message);
    this.decline = decline;
  }
}

function declineOf(data: InferData, reason: string): DeclineData {
  return { action: "decline", jobId: data.jobId, model: data.model, terms: data.terms, reason };
}

export type InferenceRunner = {
  /** Runs the model on its integer input values (fed to onnxruntime as float32 in the model's input shape). */
  run(weightsCid: string, input: ArrayLike<number>): Promise<{ output: number[]; device: string; seconds: number }>;
};

/** The job's input values, decoded from its inline inputRef in the model's encoding (uint8 when the job says none). */
export function jobInput(data: Pick<InferData, "inputRef" | "inputBytes" | "input">): number[] {
  return decodeInputRef(data.inputRef as Hex, data.inputBytes, data.input);
}

export type InferDeps = {
  prover: Pick<Prover, "inputHash">;
  inference: InferenceRunner;
  logger?: Logger;
  metrics?: Metrics;
};

/** Checks the bid's input against its on-chain hash, then runs the model on it. */
export async function inferStage(deps: InferDeps, data: InferData): Promise<ProveData> {
  const log = deps.logger?.child({ jobId: data.jobId, model: data.model });
  let input: number[];
  try {
    input = jobInput(data);
  } catch (error) {
    deps.metrics?.jobs.inc({ outcome: "input_mismatch" });
    log?.error(
      { reason: (error as Error).message },
      "input refused: malformed or oversized inputRef; declining the job (the buyer is refunded, nobody is slashed)",
    );
    throw new RefusedJobError(`job ${data.jobId}: ${(error as Error).message}`, declineOf(data, "malformed input"));
  }
  const actual = await deps.prover.inputHash(data.model, input);
  if (actual !== BigInt(data.terms.inputHash)) {
    deps.metrics?.jobs.inc({ outcome: "input_mismatch" });
    log?.error(
      { expected: data.terms.inputHash, actual: actual.toString() },
      "input hash mismatch: inputRef does not hash to the bid's inputHash; declining the job (the buyer is refunded, nobody is slashed)",
    );
    throw new RefusedJobError(`job ${data.jobId}: input hash mismatch`, declineOf(data, "input hash mismatch"));
  }
  const running = deps.inference.run(data.weightsCid, input);
  crashPoint("inference", (message) => log?.warn(message));
  const result = await running;
  deps.metrics?.inferenceSeconds.observe({ model: data.model, device: result.device }, result.seconds);
  log?.info(
    {
      device: result.device,
      seconds: result.seconds,
      argmax: argmax(result.output),
      output: result.output.slice(0, 16),
    },
    "inference done",
  );
  return { ...data, inference: result };
}

export type ProveDeps = { prover: Pick<Prover, "prove">; logger?: Logger; metrics?: Metrics };

/** Proves the model's output for the job's input. */
export async function proveStage(deps: ProveDeps, data: ProveData): Promise<SubmitData> {
  const input = jobInput(data);
  const proving = deps.prover.prove(data.model, input);
  crashPoint("proving", (message) => deps.logger?.warn({ jobId: data.jobId }, message));
  const proof = await proving;
  deps.metrics?.proofSeconds.observe({ model: data.model }, proof.seconds);
  deps.logger?.info({ jobId: data.jobId, seconds: proof.seconds, outputs: proof.output.length }, "proof done");
  return {
    action: "settle",
    jobId: data.jobId,
    model: data.model,
    terms: data.terms,
    output: proof.output.map(String),
    proof: proof.proof,
    proofSeconds: proof.seconds,
  };
}

export type SubmitDeps = {
  submit: (request: SubmitRequest) => Promise<SubmitOutcome>;
  logger?: Logger;
  metrics?: Metrics;
};

function submitRequestOf(data: SubmitData, jobId: bigint): SubmitRequest {
  if (data.action === "duty") {
    const settlement = data.settlement as Address;
    if (data.call === "auditCommit" || data.call === "voteCommit")
      return { action: "duty", jobId, settlement, call: data.call, voteHash: data.voteHash as Hex };
    if (data.call === "auditReveal" || data.call === "voteReveal")
      return {
        action: "duty",
        jobId,
        settlement,
        call: data.call,
        agrees: data.agrees === true,
        outputHash: data.outputHash as Hex,
        salt: data.salt as Hex,
      };
    return { action: "duty", jobId, settlement, call: data.call };
  }
  const terms = termsFromData(data.terms);
  switch (data.action) {
    case "settle":
      return { action: "settle", jobId, terms, output: data.output.map(BigInt), proof: data.proof as Hex };
    case "decline":
      return { action: "decline", jobId, terms, reason: data.reason };
    case "commit":
      return {
        action: "commit",
        jobId,
        terms,
        settlement: data.settlement as Address,
        output: data.output.map(BigInt),
      };
    default:
      return {
        action: data.action,
        jobId,
        terms,
        settlement: data.settlement as Address,
        output: data.output.map(BigInt),
        commitment: commitmentFromData(data.commitment),
      };
  }
}

/** Sends the result, or the decline, on-chain (the submitter makes this idempotent) and counts the outcome. */
export async function submitStage(deps: SubmitDeps, data: SubmitData): Promise<SubmitOutcome> {
  const jobId = BigInt(data.jobId);
  const outcome = await deps.submit(submitRequestOf(data, jobId));
  deps.metrics?.jobs.inc({ outcome: outcome.outcome });
  return outcome;
}
