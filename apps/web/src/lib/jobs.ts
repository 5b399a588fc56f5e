// A job's terms are not stored on-chain (the market keeps only their hash): they are the join of the bid's
// `BidPlaced` (buyer, market, input hash, deadline, callback) and the job's `JobMatched` (provider, ask, price,
// collateral). A job takes the id of the bid it filled. Pure: the tests feed it plain values.
import type { Address, Hex } from "viem";

export type BidLog = {
  orderId: bigint;
  marketId: number;
  buyer: Address;
  maxTick: number;
  inputHash: bigint;
  deadline: bigint;
  callback: boolean;
};

export type MatchLog = {
  jobId: bigint;
  provider: Address;
  askId: bigint;
  price: bigint;
  collateral: bigint;
  txHash: Hex;
  blockNumber: bigint;
};

/** Field order of ISpotMarket.JobTerms (what `expire` and `submitResult` take back). */
export type JobTerms = {
  buyer: Address;
  provider: Address;
  marketId: number;
  price: bigint;
  collateral: bigint;
  deadline: bigint;
  inputHash: bigint;
  callback: boolean;
};

export type Job = { jobId: bigint; askId: bigint; terms: JobTerms; txHash: Hex; blockNumber: bigint };

/** Joins matches with the bids they filled; matches whose bid is not in `bids` are left out. */
export function joinJobs(bids: readonly BidLog[], matches: readonly MatchLog[]): Job[] {
  const byId = new Map(bids.map((bid) => [bid.orderId, bid]));
  const jobs: Job[] = [];
  for (const match of matches) {
    const bid = byId.get(match.jobId);
    if (!bid) continue;
    jobs.push({
      jobId: match.jobId,
      askId: match.askId,
      txHash: match.txHash,
      blockNumber: match.blockNumber,
      terms: {
        buyer: bid.buyer,
        provider: match.provider,
        marketId: bid.marketId,
        price: match.price,
        collateral: match.collateral,
        deadline: bid.deadline,
        inputHash: bid.inputHash,
        callback: bid.callback,
      },
    });
  }
  return jobs;
}
