import type { Redis } from "ioredis";
import { parseEventLogs, type Address, type Hex, type PublicClient } from "viem";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import { spotMarketAbi } from "./abis.ts";

/** A job the market matched to this provider, with the bid's inline input. */
export type MatchedJob = {
  jobId: bigint;
  marketId: number;
  provider: Address;
  buyer: Address;
  askId: bigint;
  bidId: bigint;
  price: bigint;
  inputHash: bigint;
  deadline: bigint;
  blockNumber: bigint;
  transactionHash: Hex;
  /** The bid's `inputRef` bytes; `null` when its BidPlaced event could not be found. */
  inputRef: Hex | null;
};

export type FindInputRefParameters = {
  market: Address;
  job: Pick<MatchedJob, "bidId" | "buyer" | "inputHash" | "blockNumber" | "transactionHash">;
  /** Oldest block to search back to (the deployment's start block). */
  fromBlock: bigint;
  logRange: bigint;
};

/**
 * Finds the `inputRef` of a job's bid. A bid that matched on arrival emitted its BidPlaced event in the same
 * transaction; a resting bid that an arriving ask matched emitted it earlier, found by its indexed order id,
 * searching back from the match in `logRange` steps.
 */
export async function findInputRef(client: PublicClient, parameters: FindInputRefParameters): Promise<Hex | null> {
  const { market, job } = parameters;
  const receipt = await client.getTransactionReceipt({ hash: job.transactionHash });
  const sameTx = parseEventLogs({ abi: spotMarketAbi, eventName: "BidPlaced", logs: receipt.logs }).filter(
    (l) => l.address.toLowerCase() === market.toLowerCase(),
  );
  const direct =
    sameTx.find((l) => l.args.orderId === job.bidId) ??
    sameTx.find((l) => l.args.buyer.toLowerCase() === job.buyer.toLowerCase() && l.args.inputHash === job.inputHash);
  if (direct !== undefined) return direct.args.inputRef;
  for (let to = job.blockNumber; to >= parameters.fromBlock; to -= parameters.logRange) {
    const from = to - parameters.logRange + 1n > parameters.fromBlock ? to - parameters.logRange + 1n : parameters.fromBlock;
    const logs = await client.getContractEvents({
      address: market,
      abi: spotMarketAbi,
      eventName: "BidPlaced",
      args: { orderId: job.bidId },
      fromBlock: from,
      toBlock: to,
      strict: true,
    });
    const found = logs.find((l) => l.args.orderId === job.bidId);
    if (found !== undefined) return found.args.inputRef;
  }
  return null;
}

export type ScanParameters = { market: Address; provider: Address; fromBlock: bigint; toBlock: bigint; searchFromBlock: bigint; logRange: bigint };

/** JobMatched events for `provider` in [fromBlock, toBlock], each with its bid's input. */
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
    const a = log.args;
    const base = {
      jobId: a.jobId,
      marketId: a.marketId,
      provider: a.provider,
      buyer: a.buyer,
      askId: a.askId,
      bidId: a.bidId,
      price: a.price,
      inputHash: a.inputHash,
      deadline: a.deadline,
      blockNumber: log.blockNumber,
      transactionHash: log.transactionHash,
    };
    const inputRef = await findInputRef(client, {
      market: parameters.market,
      job: base,
      fromBlock: parameters.searchFromBlock,
      logRange: parameters.logRange,
    });
    jobs.push({ ...base, inputRef });
  }
  return jobs;
}

/** Where the watcher's cursor lives in Redis: one per (chain, market, provider). */
export function cursorKey(chainId: number, market: Address, provider: Address): string {
  return `sovra:cursor:${chainId}:${market.toLowerCase()}:${provider.toLowerCase()}`;
}

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

export type TickResult = { fromBlock: bigint; toBlock: bigint; jobs: number; head: bigint } | { idle: true; head: bigint };

export type Watcher = {
  /** One catch-up pass: from the cursor to `head - confirmations`, in `logRange` steps. */
  tick(): Promise<TickResult>;
  /** Calls `tick` every `intervalMs` until `stop`. */
  start(intervalMs: number): void;
  stop(): Promise<void>;
  cursor(): Promise<bigint | null>;
};

export function createWatcher(options: WatcherOptions): Watcher {
  const key = cursorKey(options.chainId, options.market, options.provider);
  const range = BigInt(options.logRange);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  async function cursor(): Promise<bigint | null> {
    const value = await options.redis.get(key);
    return value === null ? null : BigInt(value);
  }

  async function tick(): Promise<TickResult> {
    const head = await options.client.getBlockNumber({ cacheTime: 0 });
    const target = head - BigInt(options.confirmations);
    const last = await cursor();
    let from = last === null ? options.startBlock : last + 1n;
    options.metrics?.chainLagBlocks.set(Number(head - (last ?? options.startBlock - 1n)));
    if (from > target) return { idle: true, head };
    const first = from;
    let count = 0;
    while (from <= target && !stopped) {
      const to = from + range - 1n < target ? from + range - 1n : target;
      const jobs = await scanMatchedJobs(options.client, {
        market: options.market,
        provider: options.provider,
        fromBlock: from,
        toBlock: to,
        searchFromBlock: options.startBlock,
        logRange: range,
      });
      if (jobs.length > 0) await options.onJobs(jobs);
      await options.redis.set(key, to.toString());
      options.metrics?.cursorBlock.set(Number(to));
      options.metrics?.chainLagBlocks.set(Number(head - to));
      options.logger?.debug({ from: from.toString(), to: to.toString(), jobs: jobs.length }, "scanned");
      count += jobs.length;
      from = to + 1n;
    }
    return { fromBlock: first, toBlock: from - 1n, jobs: count, head };
  }

  return {
    tick,
    cursor,
    start(intervalMs) {
      stopped = false;
      const loop = (): void => {
        running = tick()
          .catch((error: unknown) => options.logger?.error({ err: error }, "watcher pass failed; retrying"))
          .finally(() => {
            if (!stopped) timer = setTimeout(loop, intervalMs);
          });
      };
      loop();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}
