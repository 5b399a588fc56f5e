import type { Redis } from "ioredis";
import { parseEventLogs, type Address, type Hex, type PublicClient } from "viem";
import { createPoller } from "./poller.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import { jobTermsFromEvents, type BidPlacedTermsArgs, type JobTerms } from "@sovra/contracts";
import { JobStatus, jobStatusName, spotMarketAbi } from "./abis.ts";

/** A job the market matched to this provider: its terms (rebuilt from BidPlaced + JobMatched) and the bid's input. */
export type MatchedJob = {
  jobId: bigint;
  askId: bigint;
  /** What `submitResult(jobId, terms, ...)` takes back; its hash is the market's commitment for the job. */
  terms: JobTerms;
  blockNumber: bigint;
  transactionHash: Hex;
  /** The bid's `inputRef` bytes. */
  inputRef: Hex;
};

type BidPlacedArgs = BidPlacedTermsArgs & { inputRef: Hex };

export type FindBidParameters = {
  market: Address;
  /** The job id, which is its bid's order id. */
  jobId: bigint;
  blockNumber: bigint;
  transactionHash: Hex;
  /** Oldest block to search back to (the deployment's start block). */
  fromBlock: bigint;
  logRange: bigint;
};

/**
 * Finds the `BidPlaced` event of a job's bid (same order id as the job). A bid that matched on arrival emitted it
 * in the same transaction as `JobMatched`; a resting bid filled by an arriving ask emitted it earlier, found by
 * its indexed order id, searching back from the match in `logRange` steps.
 */
export async function findBidPlaced(
  client: PublicClient,
  parameters: FindBidParameters,
): Promise<BidPlacedArgs | null> {
  const { market, jobId } = parameters;
  const receipt = await client.getTransactionReceipt({ hash: parameters.transactionHash });
  const sameTx = parseEventLogs({ abi: spotMarketAbi, eventName: "BidPlaced", logs: receipt.logs }).find(
    (l) => l.address.toLowerCase() === market.toLowerCase() && l.args.orderId === jobId,
  );
  if (sameTx !== undefined) return sameTx.args;
  for (let to = parameters.blockNumber; to >= parameters.fromBlock; to -= parameters.logRange) {
    const from =
      to - parameters.logRange + 1n > parameters.fromBlock ? to - parameters.logRange + 1n : parameters.fromBlock;
    const logs = await client.getContractEvents({
      address: market,
      abi: spotMarketAbi,
      eventName: "BidPlaced",
      args: { orderId: jobId },
      fromBlock: from,
      toBlock: to,
      strict: true,
    });
    const found = logs.find((l) => l.args.orderId === jobId);
    if (found !== undefined) return found.args;
  }
  return null;
}

export type ScanParameters = {
  market: Address;
  provider: Address;
  fromBlock: bigint;
  toBlock: bigint;
  searchFromBlock: bigint;
  logRange: bigint;
  logger?: Logger;
};

/**
 * `JobMatched(provider = me)` events in [fromBlock, toBlock], each joined with its bid's `BidPlaced` into the
 * job's terms. Jobs that already left `Matched` (settled or expired while the node was away, or re-read after
 * Redis lost the cursor) are skipped: there is nothing left to deliver for them.
 */
export async function scanMatchedJobs(client: PublicClient, parameters: ScanParameters): Promise<MatchedJob[]> {
  const logs = await client.getContractEvents({
    address: parameters.market,
    abi: spotMarketAbi,
    eventName: "JobMatched",
    args: { provider: parameters.provider },
    fromBlock: parameters.fromBlock,
    toBlock: parameters.toBlock,
    strict: true,
  });
  const jobs: MatchedJob[] = [];
  for (const log of logs) {
    const matched = log.args;
    // The provider is an indexed topic; re-check it so a misbehaving RPC filter cannot hand us others' jobs.
    if (matched.provider.toLowerCase() !== parameters.provider.toLowerCase()) continue;
    const status = await client.readContract({
      address: parameters.market,
      abi: spotMarketAbi,
      functionName: "jobStatus",
      args: [matched.jobId],
    });
    if (status !== JobStatus.Matched) {
      parameters.logger?.debug(
        { jobId: matched.jobId.toString(), status: jobStatusName[status] ?? status },
        "job no longer open; skipped",
      );
      continue;
    }
    const bid = await findBidPlaced(client, {
      market: parameters.market,
      jobId: matched.jobId,
      blockNumber: log.blockNumber,
      transactionHash: log.transactionHash,
      fromBlock: parameters.searchFromBlock,
      logRange: parameters.logRange,
    });
    if (bid === null) {
      // Cannot happen on a consistent node: every job id is a bid's order id. Without the terms the job cannot
      // be submitted, so say so loudly rather than enqueue something that can only fail.
      parameters.logger?.error(
        { jobId: matched.jobId.toString() },
        "no BidPlaced event for the job's bid: terms unknown, job skipped",
      );
      continue;
    }
    jobs.push({
      jobId: matched.jobId,
      askId: matched.askId,
      terms: jobTermsFromEvents(bid, matched),
      blockNumber: log.blockNumber,
      transactionHash: log.transactionHash,
      inputRef: bid.inputRef,
    });
  }
  return jobs;
}

/** Where the watcher's cursor lives in Redis: one per (chain, market, provider). */
export function cursorKey(chainId: number, market: Address, provider: Address): string {
  return `sovra:cursor:${chainId}:${market.toLowerCase()}:${provider.toLowerCase()}`;
}

/**
 * Raised when the cursor no longer holds the value a pass started from: Redis lost its data (restarted without
 * persistence, or flushed) while the pass ran, so the jobs the pass enqueued before the loss went with it (or,
 * rarer, a second watcher on the same Redis moved it). The pass stops without moving the cursor; the next pass
 * starts from what Redis holds now, which after a loss is nothing: the start block, re-enqueueing every open job.
 */
export class CursorLostError extends Error {
  constructor(key: string) {
    super(
      `watcher cursor ${key} changed or vanished during a pass (Redis restarted or flushed?): the next pass starts over from Redis's cursor`,
    );
    this.name = "CursorLostError";
  }
}

// Compare-and-set: moves the cursor from ARGV[1] to ARGV[2] only if it still holds ARGV[1]. A plain SET after
// a Redis restart would write a cursor past jobs that were enqueued into the Redis that is gone: lost for good.
const advanceCursorScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0`;

export type WatcherOptions = {
  client: PublicClient;
  redis: Redis;
  chainId: number;
  market: Address;
  provider: Address;
  /** First block to scan when there is no cursor yet (the market's deployment block). */
  startBlock: bigint;
  confirmations: number;
  logRange: number;
  /** Must persist the jobs (enqueue) before it resolves: the cursor moves past them afterwards. */
  onJobs: (jobs: MatchedJob[]) => Promise<void>;
  logger?: Logger;
  metrics?: Metrics;
};

export type TickResult =
  | { fromBlock: bigint; toBlock: bigint; jobs: number; head: bigint }
  | { idle: true; head: bigint };

export type Watcher = {
  /**
   * One catch-up pass: from the cursor to `head - confirmations`, in `logRange` steps. Throws `CursorLostError`
   * (cursor not moved) when Redis lost the cursor during the pass.
   */
  tick(): Promise<TickResult>;
  /** Calls `tick` every `intervalMs` until `stop`. */
  start(intervalMs: number): void;
  stop(): Promise<void>;
  cursor(): Promise<bigint | null>;
};

export function createWatcher(options: WatcherOptions): Watcher {
  const key = cursorKey(options.chainId, options.market, options.provider);
  const range = BigInt(options.logRange);

  async function cursor(): Promise<bigint | null> {
    const value = await options.redis.get(key);
    return value === null ? null : BigInt(value);
  }

  /**
   * The cursor this pass starts from. A missing one (first run, or Redis lost its data) is first written as
   * "just before the start block", so that every later move of it can check that it is still there.
   */
  async function anchoredCursor(): Promise<bigint> {
    const last = await cursor();
    if (last !== null) return last;
    options.logger?.info(
      { startBlock: options.startBlock.toString() },
      "no cursor in Redis: scanning from the start block",
    );
    await options.redis.set(key, (options.startBlock - 1n).toString(), "NX");
    const anchored = await cursor();
    if (anchored === null) throw new CursorLostError(key);
    return anchored;
  }

  async function advance(from: bigint, to: bigint): Promise<void> {
    const moved = await options.redis.eval(advanceCursorScript, 1, key, from.toString(), to.toString());
    if (moved !== 1) throw new CursorLostError(key);
  }

  async function tick(): Promise<TickResult> {
    const head = await options.client.getBlockNumber({ cacheTime: 0 });
    const target = head - BigInt(options.confirmations);
    let last = await anchoredCursor();
    let from = last + 1n;
    options.metrics?.chainLagBlocks.set(Number(head - last));
    if (from > target) return { idle: true, head };
    const first = from;
    let count = 0;
    while (from <= target && !poller.stopped) {
      const to = from + range - 1n < target ? from + range - 1n : target;
      const jobs = await scanMatchedJobs(options.client, {
        market: options.market,
        provider: options.provider,
        fromBlock: from,
        toBlock: to,
        searchFromBlock: options.startBlock,
        logRange: range,
        ...(options.logger !== undefined ? { logger: options.logger } : {}),
      });
      if (jobs.length > 0) await options.onJobs(jobs);
      await advance(last, to);
      last = to;
      options.metrics?.cursorBlock.set(Number(to));
      options.metrics?.chainLagBlocks.set(Number(head - to));
      options.logger?.debug({ from: from.toString(), to: to.toString(), jobs: jobs.length }, "scanned");
      count += jobs.length;
      from = to + 1n;
    }
    return { fromBlock: first, toBlock: from - 1n, jobs: count, head };
  }

  const poller = createPoller(tick, (error) => {
    if (error instanceof CursorLostError)
      options.logger?.warn(
        { key },
        "watcher cursor changed or vanished during a pass (Redis restarted?); starting over from Redis's cursor",
      );
    else options.logger?.error({ err: error }, "watcher pass failed; retrying");
  });

  return {
    tick,
    cursor,
    start: poller.start,
    stop: poller.stop,
  };
}
