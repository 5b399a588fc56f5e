import type { Address, Hex } from "viem";
import { z } from "zod";
import type { Commitment, JobTerms } from "@sovra/contracts";
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

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected an address");

/** `JobTerms` as queue data (JSON: bigints as decimal strings). */
export const termsDataSchema = z.object({
  buyer: address,
  provider: address,
  marketId: z.number().int().nonnegative(),
  price: uint,
  collateral: uint,
  deadline: uint,
  inputHash: uint,
  callback: z.boolean(),
  feeBps: z.number().int().nonnegative(),
  callbackGasLimit: z.number().int().nonnegative(),
});
export type TermsData = z.infer<typeof termsDataSchema>;

export function termsToData(terms: JobTerms): TermsData {
  return {
    buyer: terms.buyer,
    provider: terms.provider,
    marketId: terms.marketId,
    price: terms.price.toString(),
    collateral: terms.collateral.toString(),
    deadline: terms.deadline.toString(),
    inputHash: terms.inputHash.toString(),
    callback: terms.callback,
    feeBps: terms.feeBps,
    callbackGasLimit: terms.callbackGasLimit,
  };
}

export function termsFromData(data: TermsData): JobTerms {
  return {
    buyer: data.buyer as Address,
    provider: data.provider as Address,
    marketId: data.marketId,
    price: BigInt(data.price),
    collateral: BigInt(data.collateral),
    deadline: BigInt(data.deadline),
    inputHash: BigInt(data.inputHash),
    callback: data.callback,
    feeBps: data.feeBps,
    callbackGasLimit: data.callbackGasLimit,
  };
}

/** What the watcher enqueues. */
export const inferDataSchema = z.object({
  jobId: uint,
  model: z.string(),
  weightsCid: z.string(),
  /** Bytes the inline inputRef must have: the model's input values x bytes per value (784 for MNIST). */
  inputBytes: z.number().int().positive(),
  /**
   * How the values are encoded (the io spec's bits and sign). Absent in jobs queued by a node before the field:
   * those served only uint8 models.
   */
  input: z.object({ bits: z.number().int().min(1).max(16), signed: z.boolean() }).optional(),
  terms: termsDataSchema,
  inputRef: hex,
  blockNumber: uint,
  /**
   * Set for a job of an optimistic model: the model's OptimisticSettlement, which takes the result's commit. The
   * input is then fetched by the CID the inputRef names; `inputBytes` is the largest input accepted.
   */
  optimistic: z.object({ settlement: address }).optional(),
});
export type InferData = z.infer<typeof inferDataSchema>;

export const proveDataSchema = inferDataSchema.extend({
  inference: z.object({ output: z.array(z.number()), device: z.string(), seconds: z.number() }),
});
export type ProveData = z.infer<typeof proveDataSchema>;

/** `IOptimisticSettlement.Commitment` as queue data. */
export const commitmentDataSchema = z.object({
  outputHash: hex,
  termsHash: hex,
  provider: address,
  marketId: z.number().int().nonnegative(),
  commitBlock: uint,
  committedAt: z.number().int().nonnegative(),
  finalAt: z.number().int().nonnegative(),
  auditBps: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
});
export type CommitmentData = z.infer<typeof commitmentDataSchema>;

export function commitmentToData(c: Commitment): CommitmentData {
  return { ...c, commitBlock: c.commitBlock.toString() };
}

export function commitmentFromData(data: CommitmentData): Commitment {
  return {
    ...data,
    outputHash: data.outputHash as Hex,
    termsHash: data.termsHash as Hex,
    provider: data.provider as Address,
    commitBlock: BigInt(data.commitBlock),
  };
}

/**
 * What the submit stage sends: a proven result, a decline of a job the node cannot do (bad input, unknown model),
 * or an optimistic job's steps: the result's commit, the audit draw one block later, and the finalization.
 */
export const submitDataSchema = z.discriminatedUnion("action", [
  z.object({
    action: z.literal("settle"),
    jobId: uint,
    model: z.string(),
    terms: termsDataSchema,
    output: z.array(uint),
    proof: hex,
    proofSeconds: z.number(),
  }),
  z.object({
    action: z.literal("decline"),
    jobId: uint,
    model: z.string(),
    terms: termsDataSchema,
    reason: z.string(),
  }),
  z.object({
    action: z.literal("commit"),
    jobId: uint,
    model: z.string(),
    terms: termsDataSchema,
    settlement: address,
    output: z.array(uint),
    /** The device that produced the result (the result's record). */
    device: z.string(),
  }),
  z.object({
    action: z.enum(["drawAudit", "finalize"]),
    jobId: uint,
    model: z.string(),
    terms: termsDataSchema,
    settlement: address,
    output: z.array(uint),
    commitment: commitmentDataSchema,
  }),
  z.object({
    action: z.literal("duty"),
    jobId: uint,
    model: z.string(),
    settlement: address,
    call: z.enum([
      "auditCommit",
      "voteCommit",
      "auditReveal",
      "voteReveal",
      "drawCommittee",
      "resolve",
      "penalizeAuditor",
    ]),
    voteHash: hex.optional(),
    agrees: z.boolean().optional(),
    outputHash: hex.optional(),
    salt: hex.optional(),
  }),
]);
export type SubmitData = z.infer<typeof submitDataSchema>;
export type DeclineData = Extract<SubmitData, { action: "decline" }>;

export function inferDataFromMatch(
  job: MatchedJob,
  model: {
    name: string;
    weightsCid: string;
    inputBytes: number;
    input?: { bits: number; signed: boolean };
    settlement?: Address;
  },
): InferData {
  return {
    jobId: job.jobId.toString(),
    model: model.name,
    weightsCid: model.weightsCid,
    inputBytes: model.inputBytes,
    ...(model.input !== undefined ? { input: { bits: model.input.bits, signed: model.input.signed } } : {}),
    terms: termsToData(job.terms),
    inputRef: job.inputRef,
    blockNumber: job.blockNumber.toString(),
    ...(model.settlement !== undefined ? { optimistic: { settlement: model.settlement } } : {}),
  };
}
