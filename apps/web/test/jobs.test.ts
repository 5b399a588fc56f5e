import { describe, expect, it } from "vitest";
import { joinJobs, type BidLog, type MatchLog } from "../src/lib/jobs";

const buyer = "0x00000000000000000000000000000000000000b0";
const provider = "0x00000000000000000000000000000000000000a0";
const bid = (orderId: bigint, marketId = 1): BidLog => ({
  orderId,
  marketId,
  buyer,
  maxTick: 100,
  inputHash: 42n + orderId,
  deadline: 1_000n,
  callback: false,
});
const match = (jobId: bigint, price = 50_000n): MatchLog => ({
  jobId,
  provider,
  askId: 9n,
  price,
  collateral: 10n,
  feeBps: 250,
  callbackGasLimit: 200_000,
  txHash: "0x01",
  blockNumber: 5n,
});

describe("joinJobs", () => {
  it("rebuilds the terms the market hashed, in ISpotMarket.JobTerms order", () => {
    const [job] = joinJobs([bid(3n)], [match(3n)]);
    expect(job?.jobId).toBe(3n);
    expect(Object.keys(job?.terms ?? {})).toEqual([
      "buyer",
      "provider",
      "marketId",
      "price",
      "collateral",
      "deadline",
      "inputHash",
      "callback",
      "feeBps",
      "callbackGasLimit",
    ]);
    expect(job?.terms).toEqual({
      buyer,
      provider,
      marketId: 1,
      price: 50_000n,
      collateral: 10n,
      deadline: 1_000n,
      inputHash: 45n,
      callback: false,
      feeBps: 250,
      callbackGasLimit: 200_000,
    });
  });
  it("takes the traded price from the match, not the bid's limit", () => {
    expect(joinJobs([bid(1n)], [match(1n, 7n)])[0]?.terms.price).toBe(7n);
  });
  it("leaves out matches of bids it was not given (another market) and resting bids", () => {
    expect(joinJobs([bid(1n), bid(2n)], [match(2n), match(5n)]).map((job) => job.jobId)).toEqual([2n]);
  });
});
