// Follows one bid to its end: resting -> matched (the provider proves) -> settled (or expired, declined, voided),
// or the bid's deadline.
//
// Time is read from two clocks. The market judges deadlines by block time, but an idle chain (a local Hardhat
// node mines only when it receives a transaction) makes no blocks, so its latest block's time stands still while
// real time passes; the next block would be stamped with the real time. The wait therefore takes the later of the
// latest block's time and the wall clock, so it ends at the deadline on an idle chain too, and follows block time
// when a chain runs ahead of the wall clock (a test that moved it with evm_increaseTime).
import { zeroAddress, type Address, type Hex, type PublicClient } from "viem";
import { spotMarketAbi } from "../chain/abis.ts";

export type MatchInfo = { provider: Address; price: bigint; blockNumber: bigint; tx: Hex };

export type JobProgress =
  | { stage: "resting"; now: bigint; matchableUntil: bigint }
  | { stage: "matched"; now: bigint; match: MatchInfo; deadline: bigint };

export type SettledLog = {
  provider: Address;
  output: readonly bigint[];
  providerAmount: bigint;
  fee: bigint;
  tx: Hex;
  blockNumber: bigint;
};

export type JobOutcome =
  | { kind: "settled"; match: MatchInfo; settled: SettledLog }
  | { kind: "expired"; match: MatchInfo; tx: Hex; slashed: bigint }
  /** The provider refused the job (an input it could not obtain or prove): refunded, nobody slashed. */
  | { kind: "declined"; match: MatchInfo; tx: Hex }
  /** Governance retired the market's verifier before the job settled: refunded, nobody slashed. */
  | { kind: "voided"; match: MatchInfo; tx: Hex }
  /** No ask took the bid before `matchableUntil`; `resting`: it is still in the book (cancel it), else it was swept (its escrow is owed). */
  | { kind: "unmatched"; resting: boolean; matchableUntil: bigint }
  /** Matched, but no result by the deadline: the job can be expired. */
  | { kind: "unsettled"; match: MatchInfo };

export type WaitForJobParameters = {
  publicClient: PublicClient;
  market: Address;
  /** The bid's order id, which is also its job's id. */
  jobId: bigint;
  /** Block of the bid's transaction (events are searched from there). */
  fromBlock: bigint;
  deadline: bigint;
  /**
   * The market's minimum job window: an ask only takes a resting bid whose deadline leaves it at least this long,
   * so a bid cannot be matched after `deadline - minJobWindow`.
   */
  minJobWindow: bigint;
  /** Set when the bid matched on arrival. */
  matched?: MatchInfo;
  onProgress?: (progress: JobProgress) => void;
  /** Called on every poll, for a ticking display. */
  onTick?: (progress: JobProgress) => void;
  pollIntervalMs?: number;
  /** Seconds since the epoch (default: the wall clock). */
  wallClock?: () => bigint;
};

/** The later of two times (bigints: Math.max does not take them). */
function later(a: bigint, b: bigint): bigint {
  if (a > b) return a;
  return b;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for the job's end (see `JobOutcome`); returns, never throws for an outcome. */
export async function waitForJob(p: WaitForJobParameters): Promise<JobOutcome> {
  const { publicClient, market, jobId, fromBlock, deadline } = p;
  const matchableUntil = deadline - p.minJobWindow;
  const wallClock = p.wallClock ?? (() => BigInt(Math.floor(Date.now() / 1000)));
  let match = p.matched;
  let announced: JobProgress["stage"] | undefined;
  // Time is up only when two polls in a row say so: the second re-reads events up to a newer head, so a match
  // or a settlement mined just before the end is not missed.
  let timeUp = false;
  for (;;) {
    const block = await publicClient.getBlock();
    const head = block.number;
    if (match === undefined) {
      const matched = await publicClient.getContractEvents({
        address: market,
        abi: spotMarketAbi,
        eventName: "JobMatched",
        args: { jobId },
        fromBlock,
        toBlock: head,
        strict: true,
      });
      const first = matched[0];
      if (first !== undefined)
        match = {
          provider: first.args.provider,
          price: first.args.price,
          blockNumber: first.blockNumber,
          tx: first.transactionHash,
        };
    }
    if (match !== undefined) {
      const settled = await publicClient.getContractEvents({
        address: market,
        abi: spotMarketAbi,
        eventName: "JobSettled",
        args: { jobId },
        fromBlock,
        toBlock: head,
        strict: true,
      });
      const done = settled[0];
      if (done !== undefined) {
        return {
          kind: "settled",
          match,
          settled: {
            provider: done.args.provider,
            output: done.args.output,
            providerAmount: done.args.providerAmount,
            fee: done.args.fee,
            tx: done.transactionHash,
            blockNumber: done.blockNumber,
          },
        };
      }
      const expired = await publicClient.getContractEvents({
        address: market,
        abi: spotMarketAbi,
        eventName: "JobExpired",
        args: { jobId },
        fromBlock,
        toBlock: head,
        strict: true,
      });
      if (expired[0] !== undefined)
        return { kind: "expired", match, tx: expired[0].transactionHash, slashed: expired[0].args.slashed };
      const declined = await publicClient.getContractEvents({
        address: market,
        abi: spotMarketAbi,
        eventName: "JobDeclined",
        args: { jobId },
        fromBlock,
        toBlock: head,
        strict: true,
      });
      if (declined[0] !== undefined) return { kind: "declined", match, tx: declined[0].transactionHash };
      const voided = await publicClient.getContractEvents({
        address: market,
        abi: spotMarketAbi,
        eventName: "JobVoided",
        args: { jobId },
        fromBlock,
        toBlock: head,
        strict: true,
      });
      if (voided[0] !== undefined) return { kind: "voided", match, tx: voided[0].transactionHash };
    }
    const wall = wallClock();
    const now = later(block.timestamp, wall);
    const progress: JobProgress =
      match === undefined ? { stage: "resting", now, matchableUntil } : { stage: "matched", now, match, deadline };
    if (announced !== progress.stage) {
      announced = progress.stage;
      p.onProgress?.(progress);
    }
    p.onTick?.(progress);
    const over = match === undefined ? now > matchableUntil : now > deadline;
    if (over && timeUp) {
      if (match !== undefined) return { kind: "unsettled", match };
      const order = await publicClient.readContract({
        address: market,
        abi: spotMarketAbi,
        functionName: "orderOf",
        args: [jobId],
      });
      return { kind: "unmatched", resting: order.owner !== zeroAddress, matchableUntil };
    }
    timeUp = over;
    if (!over) await sleep(p.pollIntervalMs ?? 1000);
  }
}
