import { z } from "zod";
import type { MatchedJob } from "../chain/watcher.ts";

/** BullMQ queue names, one per stage. */
export const QUEUES = { infer: "sovra-infer", prove: "sovra-prove", submit: "sovra-submit" } as const;
export type StageName = keyof typeof QUEUES;

/** Queue job id for an on-chain job: the same in every stage, and free of ':' (which BullMQ rejects). */
export function queueJobId(jobId: bigint | number | string): string {
  return `job-${jobId}`;
}

const uint = z.string().regex(/^\d+$/, "expected a decimal integer");
const hex = z.string().regex(/^0x([0-9a-fA-F]{2})*$/, "expected 0x-prefixed bytes");

/** What the watcher enqueues (bigints as decimal strings: queue data is JSON). */
export const inferDataSchema = z.object({
  jobId: uint,
  marketId: z.number().int().nonnegative(),
  model: z.string(),
  weightsCid: z.string(),
  /** Size of the model's uint8 input (784 for MNIST), which the inline inputRef must have. */
  inputBytes: z.number().int().positive(),
  buyer: z.string(),
  inputHash: uint,
  inputRef: hex.nullable(),
  deadline: uint,
  price: uint,
  blockNumber: uint,
});
export type InferData = z.infer<typeof inferDataSchema>;

export const proveDataSchema = inferDataSchema.extend({
  inference: z.object({ output: z.array(z.number()), device: z.string(), seconds: z.number() }),
});
export type ProveData = z.infer<typeof proveDataSchema>;

export const submitDataSchema = z.object({
  jobId: uint,
  model: z.string(),
  output: z.array(uint),
  proof: hex,
  proofSeconds: z.number(),
});
export type SubmitData = z.infer<typeof submitDataSchema>;

export function inferDataFromMatch(job: MatchedJob, model: { name: string; weightsCid: string; inputBytes: number }): InferData {
  return {
    jobId: job.jobId.toString(),
    marketId: job.marketId,
    model: model.name,
    weightsCid: model.weightsCid,
    inputBytes: model.inputBytes,
    buyer: job.buyer,
    inputHash: job.inputHash.toString(),
    inputRef: job.inputRef,
    deadline: job.deadline.toString(),
    price: job.price.toString(),
    blockNumber: job.blockNumber.toString(),
  };
}
