// A job's terms are not stored on-chain (the market keeps only their hash): they are the join of the bid's
// `BidPlaced` (buyer, market, input hash, deadline, callback) and the job's `JobMatched` (provider, ask, price,
// collateral). A job takes the id of the bid it filled. Pure: the tests feed it plain values.
import type { Address, Hex } from "viem";
import { jobTermsFromEvents, type JobTerms } from "@sovra/contracts";

export type { JobTerms };

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
  feeBps: number;
  callbackGasLimit: number;
  txHash: Hex;
  blockNumber: bigint;
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
      terms: jobTermsFromEvents(bid, match),
    });
  }
  return jobs;
}
