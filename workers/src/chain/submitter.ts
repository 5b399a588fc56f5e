import type { Redis } from "ioredis";
import { BaseError, encodeFunctionData, keccak256, type Address, type Hex, type PublicClient } from "viem";
import type { LocalAccount } from "viem/accounts";
import type { Logger } from "../logger.ts";
import { type Commitment, hashJobTerms, type JobTerms } from "@sovra/contracts";
import { crashPoint } from "../testing/crash.ts";
import { JobStatus, jobStatusName, optimisticSettlementAbi, spotMarketAbi } from "./abis.ts";

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

/** An auditor's or committee member's call, or a dispute step anyone may take (no job terms needed). */
export type DutyCall =
  | { call: "auditCommit" | "voteCommit"; voteHash: Hex }
  | { call: "auditReveal" | "voteReveal"; agrees: boolean; outputHash: Hex; salt: Hex }
  | { call: "drawCommittee" | "resolve" | "penalizeAuditor" };

export type SubmitRequest = { jobId: bigint } & (
  | ({
      /** The job's terms (rebuilt from BidPlaced + JobMatched); the market checks them against its commitment. */
      terms: JobTerms;
    } & (
      | { action: "settle"; output: bigint[]; proof: Hex }
      /** `decline(jobId, terms)`: the node cannot do the job (bad input, unknown model); refund, no slash. */
      | { action: "decline"; reason: string }
      /** Optimistic tier: `settlement.commit(jobId, terms, output)`. */
      | { action: "commit"; settlement: Address; output: bigint[] }
      /** Optimistic tier: `drawAudit(jobId, commitment)` one block after the commit, or `finalize` once final. */
      | { action: "drawAudit" | "finalize"; settlement: Address; output: bigint[]; commitment: Commitment }
    ))
  /** Optimistic tier, audit and committee duty on another provider's job (`--audit`). */
  | ({ action: "duty"; settlement: Address } & DutyCall)
);

type SentOutcome = "settled" | "declined" | "committed" | "audit_drawn" | "finalized" | "duty_done";

export type SubmitOutcome =
  | { outcome: SentOutcome; transactionHash: Hex; blockNumber: bigint; gasUsed: bigint; resumed: boolean }
  | { outcome: "already_final"; status: (typeof jobStatusName)[number] }
  | { outcome: "already_committed" | "already_drawn" }
  | { outcome: "expired"; deadline: bigint };

const sentOutcome: { [A in SubmitRequest["action"]]: SentOutcome } = {
  settle: "settled",
  decline: "declined",
  commit: "committed",
  drawAudit: "audit_drawn",
  finalize: "finalized",
  duty: "duty_done",
};

/** Raised for jobs the node must not submit (not ours, no such job): retrying cannot help. */
export class NotSubmittableError extends Error {
  override name = "NotSubmittableError";
}

type Record = { hash: Hex; raw: Hex };

export function submitRecordKey(
  chainId: number,
  market: Address,
  jobId: bigint,
  action: SubmitRequest["action"] | DutyCall["call"] = "settle",
): string {
  // A job's settle or decline share one record (only one of them can land); an optimistic job's steps have their own.
  const step = action === "settle" || action === "decline" ? "" : `:${action}`;
  return `sovra:submit:${chainId}:${market.toLowerCase()}:${jobId}${step}`;
}

/** Raised while an optimistic result is not final yet: the attempt fails and is retried later. */
export class NotFinalYetError extends Error {
  override name = "NotFinalYetError";
}

function message(error: unknown): string {
  return error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error);
}

/** The contract a request calls, the call's name and data, and its simulation (a revert becomes one clear line). */
function callOf(request: SubmitRequest, market: Address, publicClient: PublicClient, me: Address) {
  switch (request.action) {
    case "settle": {
      const call = {
        abi: spotMarketAbi,
        functionName: "submitResult",
        args: [request.jobId, request.terms, request.output, request.proof],
      } as const;
      return {
        to: market,
        functionName: call.functionName,
        data: encodeFunctionData(call),
        simulate: () => publicClient.simulateContract({ address: market, account: me, ...call }),
      };
    }
    case "decline": {
      const call = { abi: spotMarketAbi, functionName: "decline", args: [request.jobId, request.terms] } as const;
      return {
        to: market,
        functionName: call.functionName,
        data: encodeFunctionData(call),
        simulate: () => publicClient.simulateContract({ address: market, account: me, ...call }),
      };
    }
    case "commit": {
      const call = {
        abi: optimisticSettlementAbi,
        functionName: "commit",
        args: [request.jobId, request.terms, request.output],
      } as const;
      return {
        to: request.settlement,
        functionName: call.functionName,
        data: encodeFunctionData(call),
        simulate: () => publicClient.simulateContract({ address: request.settlement, account: me, ...call }),
      };
    }
    case "drawAudit": {
      const call = {
        abi: optimisticSettlementAbi,
        functionName: "drawAudit",
        args: [request.jobId, request.commitment],
      } as const;
      return {
        to: request.settlement,
        functionName: call.functionName,
        data: encodeFunctionData(call),
        simulate: () => publicClient.simulateContract({ address: request.settlement, account: me, ...call }),
      };
    }
    case "duty":
      return dutyCallOf(request, publicClient, me);
    case "finalize": {
      const call = {
        abi: optimisticSettlementAbi,
        functionName: "finalize",
        args: [request.jobId, request.terms, request.output, request.commitment],
      } as const;
      return {
        to: request.settlement,
        functionName: call.functionName,
        data: encodeFunctionData(call),
        simulate: () => publicClient.simulateContract({ address: request.settlement, account: me, ...call }),
      };
    }
  }
}

function dutyCallOf(request: Extract<SubmitRequest, { action: "duty" }>, publicClient: PublicClient, me: Address) {
  const address = request.settlement;
  const shape = (call: Parameters<typeof encodeFunctionData<typeof optimisticSettlementAbi>>[0]) => ({
    to: address,
    functionName: request.call,
    data: encodeFunctionData(call),
    simulate: () =>
      publicClient.call({ account: me, to: address, data: encodeFunctionData(call) }).catch((error: unknown) => {
        throw new Error(message(error));
      }),
  });
  switch (request.call) {
    case "auditCommit":
    case "voteCommit":
      return shape({
        abi: optimisticSettlementAbi,
        functionName: request.call,
        args: [request.jobId, request.voteHash],
      });
    case "auditReveal":
    case "voteReveal":
      return shape({
        abi: optimisticSettlementAbi,
        functionName: request.call,
        args: [request.jobId, request.agrees, request.outputHash, request.salt],
      });
    case "drawCommittee":
    case "resolve":
    case "penalizeAuditor":
      return shape({ abi: optimisticSettlementAbi, functionName: request.call, args: [request.jobId] });
  }
}

/** What is left to do for an optimistic step, read from the settlement contract (null: send it). */
async function optimisticCheck(
  publicClient: PublicClient,
  me: Address,
  request: Extract<SubmitRequest, { terms: JobTerms }>,
) {
  if (request.action !== "commit" && request.action !== "drawAudit" && request.action !== "finalize") return null;
  const seal = await publicClient.readContract({
    address: request.settlement,
    abi: optimisticSettlementAbi,
    functionName: "sealOf",
    args: [request.jobId, me],
  });
  if (request.action === "commit")
    return BigInt(seal) !== 0n ? ({ outcome: "already_committed" } as const satisfies SubmitOutcome) : null;
  // No seal: finalized (the market's status said Matched a moment ago only if another caller just finalized it).
  if (BigInt(seal) === 0n) return { outcome: "already_final", status: "Settled" } as const satisfies SubmitOutcome;
  if (request.action === "drawAudit") {
    const view = await publicClient.readContract({
      address: request.settlement,
      abi: optimisticSettlementAbi,
      functionName: "caseOf",
      args: [request.jobId],
    });
    // None: not drawn yet; Deferred (6): audited, its auditor drawn by a second call.
    return view.auditState === 0 || view.auditState === 6
      ? null
      : ({ outcome: "already_drawn" } as const satisfies SubmitOutcome);
  }
  const final = await publicClient.readContract({
    address: request.settlement,
    abi: optimisticSettlementAbi,
    functionName: "isFinal",
    args: [request.jobId, request.commitment],
  });
  if (!final) throw new NotFinalYetError(`job ${request.jobId}: result not final yet`);
  return null;
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
  const key = submitRecordKey(
    clients.chainId,
    request.action === "duty" ? request.settlement : market,
    request.jobId,
    request.action === "duty" ? request.call : request.action,
  );
  const call = callOf(request, market, publicClient, me);
  const timeout = clients.receiptTimeoutMs ?? 120_000;

  const check = async (): Promise<SubmitOutcome | null> => {
    // Duty calls are on other providers' jobs: whether one is due is the auditor's to judge (it reads the case).
    if (request.action === "duty") return null;
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
    return optimisticCheck(publicClient, me, request);
  };

  const awaitReceipt = async (hash: Hex, resumed: boolean): Promise<SubmitOutcome> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash, timeout, pollingInterval: 250 });
    if (receipt.status === "success") {
      const outcome = sentOutcome[request.action];
      logger?.info(
        { jobId: request.jobId.toString(), tx: hash, gasUsed: receipt.gasUsed.toString(), resumed, outcome },
        request.action === "settle" ? "result submitted" : request.action === "decline" ? "job declined" : outcome,
      );
      return { outcome, transactionHash: hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, resumed };
    }
    await redis.del(key);
    const after = await check();
    if (after !== null) return after;
    throw new Error(`${call.functionName} transaction ${hash} for job ${request.jobId} reverted`);
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

  const { data, to } = call;
  // Simulating first turns a bad proof into a clear error without spending gas.
  await call.simulate().catch((error: unknown) => {
    throw new Error(`${call.functionName} for job ${request.jobId} would revert: ${message(error)}`);
  });
  const [nonce, gas, fees] = await Promise.all([
    publicClient.getTransactionCount({ address: me, blockTag: "pending" }),
    publicClient.estimateGas({ account: me, to, data }),
    publicClient.estimateFeesPerGas(),
  ]);
  const raw = await account.signTransaction({
    type: "eip1559",
    chainId: clients.chainId,
    to,
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
