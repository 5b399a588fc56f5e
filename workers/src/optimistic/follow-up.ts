// After an optimistic commit, the node sees its job through: it draws the audit one block later when the job is
// audited (or when the commit's block hash is about to leave the 256-block window), and finalizes once the result
// is final. Its state comes from the chain (ResultCommitted events by this provider, seals still standing), never
// from memory alone, so a node restarted between commit and finality finalizes what it committed. The steps are
// queued on the submit queue: one signer, one nonce order, the same exactly-once record as every other transaction.
import type { Address, PublicClient } from "viem";
import { type Commitment, type JobTerms, jobTermsFromEvents } from "@sovra/contracts";
import { createPoller } from "../chain/poller.ts";
import { JobStatus, optimisticSettlementAbi, spotMarketAbi } from "../chain/abis.ts";
import { findBidPlaced } from "../chain/watcher.ts";
import type { Logger } from "../logger.ts";
import { commitmentToData, type SubmitData, termsToData } from "../pipeline/jobs.ts";
import type { Queues } from "../pipeline/runtime.ts";

/** `IOptimisticSettlement.AuditState.Drawn`: an auditor was drawn and has not revealed. */
const AUDIT_DRAWN = 2;

/** Blocks after which a commit's audit draw is recorded even when not audited (blockhash keeps 256). */
const DRAW_BEFORE_BLOCKS = 200n;

type Pending = {
  jobId: bigint;
  model: string;
  settlement: Address;
  output: readonly bigint[];
  commitment: Commitment;
  terms?: JobTerms;
};

export type FollowUpOptions = {
  client: PublicClient;
  market: Address;
  provider: Address;
  settlements: readonly { model: string; settlement: Address }[];
  queues: Pick<Queues, "submit">;
  startBlock: bigint;
  logRange: number;
  logger?: Logger;
};

export type FollowUp = {
  /** One pass: new commits read, each pending one advanced. Resolves with the jobs still pending. */
  tick(): Promise<number>;
  start(intervalMs: number): void;
  stop(): Promise<void>;
};

export function createFollowUp(options: FollowUpOptions): FollowUp {
  const { client, market, provider, logger } = options;
  const pending = new Map<string, Pending>();
  let scanned = options.startBlock - 1n;

  async function readCommits(head: bigint): Promise<void> {
    const range = BigInt(options.logRange);
    for (let from = scanned + 1n; from <= head; from += range) {
      const to = from + range - 1n < head ? from + range - 1n : head;
      for (const { model, settlement } of options.settlements) {
        const logs = await client.getContractEvents({
          address: settlement,
          abi: optimisticSettlementAbi,
          eventName: "ResultCommitted",
          args: { provider },
          fromBlock: from,
          toBlock: to,
          strict: true,
        });
        for (const log of logs) {
          if (log.args.provider.toLowerCase() !== provider.toLowerCase()) continue;
          const c = log.args.commitment;
          pending.set(`${settlement}:${log.args.jobId}`, {
            jobId: log.args.jobId,
            model,
            settlement,
            output: log.args.output,
            commitment: {
              outputHash: c.outputHash,
              termsHash: c.termsHash,
              provider: c.provider,
              marketId: c.marketId,
              commitBlock: c.commitBlock,
              committedAt: c.committedAt,
              finalAt: c.finalAt,
              auditBps: c.auditBps,
              epoch: c.epoch,
            },
          });
        }
      }
      scanned = to;
    }
  }

  async function termsOf(job: Pending): Promise<JobTerms | undefined> {
    if (job.terms !== undefined) return job.terms;
    const matched = await client.getContractEvents({
      address: market,
      abi: spotMarketAbi,
      eventName: "JobMatched",
      args: { jobId: job.jobId },
      fromBlock: options.startBlock,
      toBlock: job.commitment.commitBlock,
      strict: true,
    });
    const log = matched.find((l) => l.args.jobId === job.jobId);
    if (log === undefined) return undefined;
    const bid = await findBidPlaced(client, {
      market,
      jobId: job.jobId,
      blockNumber: log.blockNumber,
      transactionHash: log.transactionHash,
      fromBlock: options.startBlock,
      logRange: BigInt(options.logRange),
    });
    if (bid === null) return undefined;
    job.terms = jobTermsFromEvents(bid, log.args);
    return job.terms;
  }

  /** Adds a step under its own queue id; a step whose attempts all failed is tried again. */
  async function enqueue(id: string, data: SubmitData): Promise<void> {
    const existing = await options.queues.submit.getJob(id);
    if (existing !== undefined) {
      if (await existing.isFailed()) await existing.retry();
      return;
    }
    await options.queues.submit.add("submit", data, { jobId: id });
  }

  async function advance(key: string, job: Pending, head: bigint): Promise<void> {
    const id = job.jobId.toString();
    const [seal, status] = await Promise.all([
      client.readContract({
        address: job.settlement,
        abi: optimisticSettlementAbi,
        functionName: "sealOf",
        args: [job.jobId, provider],
      }),
      client.readContract({ address: market, abi: spotMarketAbi, functionName: "jobStatus", args: [job.jobId] }),
    ]);
    if (BigInt(seal) === 0n || status !== JobStatus.Matched) {
      pending.delete(key);
      logger?.info({ jobId: id, model: job.model, status }, "optimistic job closed");
      return;
    }
    const terms = await termsOf(job);
    if (terms === undefined) {
      logger?.error({ jobId: id }, "committed job's terms not found in the market's events; cannot finalize it");
      pending.delete(key);
      return;
    }
    const step = {
      jobId: id,
      model: job.model,
      terms: termsToData(terms),
      settlement: job.settlement,
      output: job.output.map(String),
      commitment: commitmentToData(job.commitment),
    };
    const [final, [known, audited], view] = await Promise.all([
      client.readContract({
        address: job.settlement,
        abi: optimisticSettlementAbi,
        functionName: "isFinal",
        args: [job.jobId, job.commitment],
      }),
      client.readContract({
        address: job.settlement,
        abi: optimisticSettlementAbi,
        functionName: "auditDraw",
        args: [job.jobId, job.commitment],
      }),
      client.readContract({
        address: job.settlement,
        abi: optimisticSettlementAbi,
        functionName: "caseOf",
        args: [job.jobId],
      }),
    ]);
    // A drawn auditor that let its reveal window pass is penalised first (anyone may; the provider has
    // the most reason): the job counts as unaudited and is final, and once finalized the node stops following it.
    const now = (await client.getBlock({ blockTag: "latest" })).timestamp;
    if (view.auditState === AUDIT_DRAWN && now > BigInt(view.auditRevealBy))
      await enqueue(`duty-penalizeAuditor-${id}`, {
        action: "duty",
        jobId: id,
        model: job.model,
        settlement: job.settlement,
        call: "penalizeAuditor",
      });
    if (final) {
      await enqueue(`final-${id}`, { action: "finalize", ...step });
      return;
    }
    // None (0) or Deferred (6): the draw is still to be recorded (a deferred one needs a second call).
    const undrawn = view.auditState === 0 || view.auditState === 6;
    const hashLeaving = head - job.commitment.commitBlock > DRAW_BEFORE_BLOCKS;
    if (known && undrawn && (audited || hashLeaving))
      await enqueue(`draw-${id}-${view.auditState}`, { action: "drawAudit", ...step });
  }

  async function tick(): Promise<number> {
    const head = await client.getBlockNumber({ cacheTime: 0 });
    await readCommits(head);
    for (const [key, job] of [...pending]) {
      if (poller.stopped) break;
      await advance(key, job, head);
    }
    return pending.size;
  }

  const poller = createPoller(tick, (error) =>
    logger?.error({ err: (error as Error).message }, "optimistic follow-up pass failed; retrying"),
  );

  return {
    tick,
    start: poller.start,
    stop: poller.stop,
  };
}
