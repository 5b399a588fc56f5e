import type { Redis } from "ioredis";
import { BaseError, encodeFunctionData, keccak256, type Address, type Hex, type PublicClient } from "viem";
import type { LocalAccount } from "viem/accounts";
import type { Logger } from "../logger.ts";
import { hashJobTerms, type JobTerms } from "@sovra/contracts";
import { crashPoint } from "../testing/crash.ts";
import { JobStatus, jobStatusName, spotMarketAbi } from "./abis.ts";

export type SubmitterClients = {
  publicClient: PublicClient;
  /** The provider key: transactions are signed here, recorded, then broadcast. */
  account: LocalAccount;
  redis: Redis;
  chainId: number;
  market: Address;
  logger?: Logger;
  /** How long to wait for one receipt before the attempt fails (and is retried). */
  receiptTimeoutMs?: number;
};

export type SubmitRequest = {
  jobId: bigint;
  /** The job's terms (rebuilt from BidPlaced + JobMatched); the market checks them against its commitment. */
  terms: JobTerms;
} & (
  | { action: "settle"; output: bigint[]; proof: Hex }
  /** `decline(jobId, terms)`: the node cannot do the job (bad input, unknown model); refund, no slash. */
  | { action: "decline"; reason: string }
);

export type SubmitOutcome =
  | { outcome: "settled" | "declined"; transactionHash: Hex; blockNumber: bigint; gasUsed: bigint; resumed: boolean }
  | { outcome: "already_final"; status: (typeof jobStatusName)[number] }
  | { outcome: "expired"; deadline: bigint };

/** Raised for jobs the node must not submit (not ours, no such job): retrying cannot help. */
export class NotSubmittableError extends Error {
  override name = "NotSubmittableError";
}

type Record = { hash: Hex; raw: Hex };

export function submitRecordKey(chainId: number, market: Address, jobId: bigint): string {
  return `sovra:submit:${chainId}:${market.toLowerCase()}:${jobId}`;
}

function message(error: unknown): string {
  return error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error);
}

/** The market call a request makes. */
function callOf(request: SubmitRequest) {
  return request.action === "settle"
    ? ({
        abi: spotMarketAbi,
        functionName: "submitResult",
        args: [request.jobId, request.terms, request.output, request.proof],
      } as const)
    : ({ abi: spotMarketAbi, functionName: "decline", args: [request.jobId, request.terms] } as const);
}

/**
 * Submits one job's result (or its decline) exactly once.
 *
 * 1. Reads `jobOf(jobId)`: a job that already left `Matched` (`Closed`: settled by an earlier attempt, or
 *    expired) is never submitted again; terms that do not hash to the stored commitment, or a job past its
 *    deadline (`terms.deadline`), are not submitted (they would revert).
 * 2. A transaction recorded by an earlier attempt is resumed: its receipt is awaited, and its signed bytes
 *    re-broadcast if the node lost it. A new transaction is only signed when that one can no longer land
 *    (its nonce was used by something else) and the job is still `Matched`.
 * 3. A new transaction is simulated, signed locally, recorded in Redis (hash + raw bytes), and only then
 *    broadcast, so a crash at any point leaves a record to resume instead of a second submission.
 *
 * Callers must run one submitter per signer at a time (the submit queue has concurrency 1): nonces are
 * taken from the pending count.
 */
export async function submitResult(clients: SubmitterClients, request: SubmitRequest): Promise<SubmitOutcome> {
  const { publicClient, account, redis, market, logger } = clients;
  const me = account.address;
  const key = submitRecordKey(clients.chainId, market, request.jobId);
  const timeout = clients.receiptTimeoutMs ?? 120_000;

  const check = async (): Promise<SubmitOutcome | null> => {
    const { terms } = request;
    if (terms.provider.toLowerCase() !== me.toLowerCase())
      throw new NotSubmittableError(`job ${request.jobId} belongs to ${terms.provider}, not ${me}`);
    const [status, commitment] = await publicClient.readContract({
      address: market,
      abi: spotMarketAbi,
      functionName: "jobOf",
      args: [request.jobId],
    });
    if (status === JobStatus.None)
      throw new NotSubmittableError(`job ${request.jobId} does not exist on market ${market}`);
    if (status !== JobStatus.Matched) return { outcome: "already_final", status: jobStatusName[status] ?? "None" };
    // A Matched job stores hashJob(terms): terms that do not hash to it would revert with InvalidJobTerms.
    if (commitment !== hashJobTerms(terms))
      throw new NotSubmittableError(`job ${request.jobId}: terms do not match the market's commitment ${commitment}`);
    const block = await publicClient.getBlock({ blockTag: "latest" });
    // The next block is later than the latest one, so a deadline already reached cannot be met.
    if (block.timestamp >= terms.deadline) return { outcome: "expired", deadline: terms.deadline };
    return null;
  };

  const awaitReceipt = async (hash: Hex, resumed: boolean): Promise<SubmitOutcome> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash, timeout, pollingInterval: 250 });
    if (receipt.status === "success") {
      const outcome = request.action === "settle" ? "settled" : "declined";
      logger?.info(
        { jobId: request.jobId.toString(), tx: hash, gasUsed: receipt.gasUsed.toString(), resumed, outcome },
        request.action === "settle" ? "result submitted" : "job declined",
      );
      return { outcome, transactionHash: hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, resumed };
    }
    await redis.del(key);
    const after = await check();
    if (after !== null) return after;
    throw new Error(`${callOf(request).functionName} transaction ${hash} for job ${request.jobId} reverted`);
  };

  const early = await check();
  if (early !== null) {
    logger?.info({ jobId: request.jobId.toString(), ...early }, "job not submitted");
    return early;
  }

  const stored = await redis.get(key);
  if (stored !== null) {
    const record = JSON.parse(stored) as Record;
    const receipt = await publicClient.getTransactionReceipt({ hash: record.hash }).catch(() => null);
    if (receipt !== null) return awaitReceipt(record.hash, true);
    try {
      await publicClient.sendRawTransaction({ serializedTransaction: record.raw });
      logger?.warn({ jobId: request.jobId.toString(), tx: record.hash }, "re-broadcast recorded submission");
      return await awaitReceipt(record.hash, true);
    } catch (error) {
      const text = message(error).toLowerCase();
      if (text.includes("already known") || text.includes("already imported") || text.includes("known transaction")) {
        return awaitReceipt(record.hash, true);
      }
      if (!text.includes("nonce")) throw error;
      // The recorded transaction's nonce went to another transaction: it can never land. The job is still
      // Matched (checked above), so a fresh submission is safe.
      logger?.warn(
        { jobId: request.jobId.toString(), tx: record.hash, reason: message(error) },
        "recorded submission superseded",
      );
      await redis.del(key);
    }
  }

  const call = callOf(request);
  const data = encodeFunctionData(call);
  // Simulating first turns a bad proof into a clear error without spending gas.
  const simulation =
    request.action === "settle"
      ? publicClient.simulateContract({
          address: market,
          account: me,
          abi: spotMarketAbi,
          functionName: "submitResult",
          args: [request.jobId, request.terms, request.output, request.proof],
        })
      : publicClient.simulateContract({
          address: market,
          account: me,
          abi: spotMarketAbi,
          functionName: "decline",
          args: [request.jobId, request.terms],
        });
  await simulation.catch((error: unknown) => {
    throw new Error(`${call.functionName} for job ${request.jobId} would revert: ${message(error)}`);
  });
  const [nonce, gas, fees] = await Promise.all([
    publicClient.getTransactionCount({ address: me, blockTag: "pending" }),
    publicClient.estimateGas({ account: me, to: market, data }),
    publicClient.estimateFeesPerGas(),
  ]);
  const raw = await account.signTransaction({
    type: "eip1559",
    chainId: clients.chainId,
    to: market,
    data,
    nonce,
    // Verification gas depends only on the proof's shape; a fifth more covers estimation drift.
    gas: (gas * 6n) / 5n,
    maxFeePerGas: fees.maxFeePerGas,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
  });
  const hash = keccak256(raw);
  await redis.set(key, JSON.stringify({ hash, raw } satisfies Record), "EX", 30 * 24 * 3600);
  await publicClient.sendRawTransaction({ serializedTransaction: raw });
  crashPoint("after-send", (text) => logger?.warn({ jobId: request.jobId.toString(), tx: hash }, text));
  return awaitReceipt(hash, false);
}
