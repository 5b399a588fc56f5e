import { getAddress } from "viem";
import { describe, expect, it } from "vitest";
import { hashJobTerms } from "@sovra/contracts";
import {
  bidState,
  buildLedger,
  jobOutcomeParsers,
  jobState,
  jobsOfMarket,
  openAsksOf,
  ordersOf,
  providerStats,
  type LedgerLog,
} from "../src/lib/ledger";

const buyer = "0x00000000000000000000000000000000000000B0";
const other = "0x00000000000000000000000000000000000000B1";
const provider = "0x00000000000000000000000000000000000000A0";
const caller = "0x00000000000000000000000000000000000000C0";

let block = 10n;
let index = 0;
/** One log, in chain order (each call is a later log). */
function log(eventName: string, args: Record<string, unknown>): LedgerLog {
  index += 1;
  return {
    eventName,
    args,
    transactionHash: `0x${index.toString(16).padStart(64, "0")}`,
    blockNumber: block++,
    logIndex: 0,
  };
}
const bid = (
  orderId: bigint,
  options: { buyer?: string; marketId?: number; deadline?: bigint; maxTick?: number } = {},
) =>
  log("BidPlaced", {
    orderId,
    marketId: options.marketId ?? 1,
    buyer: options.buyer ?? buyer,
    maxTick: options.maxTick ?? 50,
    inputHash: 42n + orderId,
    inputRef: "0x00",
    deadline: options.deadline ?? 1_000n,
    callback: false,
  });
const ask = (orderId: bigint, capacity = 3) =>
  log("AskPlaced", { orderId, marketId: 1, provider, tick: 40, capacity, expiresAt: 5_000n });
const matched = (jobId: bigint, askId: bigint, price = 40_000n) =>
  log("JobMatched", { jobId, provider, askId, price, collateral: 10n, feeBps: 250, callbackGasLimit: 200_000 });
const settled = (jobId: bigint) =>
  log("JobSettled", { jobId, provider, output: [3n], providerAmount: 39_000n, fee: 1_000n });
const expired = (jobId: bigint) => log("JobExpired", { jobId, caller, slashed: 10n });

describe("buildLedger", () => {
  it("rebuilds a job's terms from BidPlaced and JobMatched, as the market hashed them", () => {
    const ledger = buildLedger([bid(1n), ask(2n), matched(1n, 2n)]);
    const job = ledger.jobs.get(1n);
    expect(job?.terms).toEqual({
      buyer: getAddress(buyer),
      provider: getAddress(provider),
      marketId: 1,
      price: 40_000n,
      collateral: 10n,
      deadline: 1_000n,
      inputHash: 43n,
      callback: false,
      feeBps: 250,
      callbackGasLimit: 200_000,
    });
    // The same commitment the contract stores: the terms are usable for expire/submitResult as they are.
    expect(job && hashJobTerms(job.terms)).toMatch(/^0x[0-9a-f]{64}$/);
    expect(job?.bidTx).toBe(ledger.bids.get(1n)?.txHash);
    expect(job?.matchedTx).not.toBe(job?.bidTx);
    expect(ledger.asks.get(2n)?.filled).toBe(1);
  });
  it("takes the traded price from the match, not the bid's limit", () => {
    expect(buildLedger([bid(1n, { maxTick: 90 }), matched(1n, 9n, 7n)]).jobs.get(1n)?.terms.price).toBe(7n);
  });
  it("folds logs given in any order (by block, then log index)", () => {
    const logs = [bid(1n), ask(2n), matched(1n, 2n), settled(1n)];
    expect(buildLedger([...logs].reverse()).jobs.get(1n)?.outcome?.kind).toBe("settled");
  });
  it("tells settled, expired and declined jobs apart by their closing event", () => {
    const ledger = buildLedger([
      bid(1n),
      bid(2n),
      bid(3n),
      ask(4n),
      matched(1n, 4n),
      matched(2n, 4n),
      matched(3n, 4n),
      settled(1n),
      expired(2n),
      log("JobDeclined", { jobId: 3n, provider }),
    ]);
    expect(ledger.jobs.get(1n)?.outcome).toMatchObject({
      kind: "settled",
      output: [3n],
      providerAmount: 39_000n,
      fee: 1_000n,
    });
    expect(ledger.jobs.get(2n)?.outcome).toMatchObject({ kind: "expired", caller: getAddress(caller), slashed: 10n });
    expect(ledger.jobs.get(3n)?.outcome?.kind).toBe("declined");
  });
  it("knows the closing events by name in one table", () => {
    expect(Object.keys(jobOutcomeParsers).sort()).toEqual(["JobDeclined", "JobExpired", "JobSettled", "JobVoided"]);
  });
  it("marks cancelled and removed orders by side", () => {
    const ledger = buildLedger([
      bid(1n),
      ask(2n),
      log("OrderCancelled", { orderId: 1n, side: 1 }),
      log("OrderRemoved", { orderId: 2n, side: 0 }),
    ]);
    expect(ledger.bids.get(1n)?.ended?.kind).toBe("cancelled");
    expect(ledger.asks.get(2n)?.ended?.kind).toBe("removed");
  });
  it("skips logs it cannot read and matches of bids older than the scan", () => {
    const ledger = buildLedger([log("BidPlaced", { orderId: "x" }), matched(9n, 1n), log("JobSettled", { jobId: 9n })]);
    expect(ledger.bids.size).toBe(0);
    expect(ledger.jobs.size).toBe(0);
  });
});

describe("job and bid states", () => {
  const ledger = buildLedger([
    bid(1n, { deadline: 100n }),
    ask(2n),
    matched(1n, 2n),
    bid(3n, { deadline: 100n }),
    bid(4n),
    log("OrderCancelled", { orderId: 4n, side: 1 }),
  ]);
  const job = ledger.jobs.get(1n);
  it("an open job is late only after its deadline (expire needs block time past it)", () => {
    if (!job) throw new Error("no job");
    expect(jobState(job, 100)).toBe("open");
    expect(jobState(job, 101)).toBe("late");
  });
  it("a bid is matched, resting, stale past its deadline, or cancelled", () => {
    const at = (id: bigint, now: number) => {
      const record = ledger.bids.get(id);
      if (!record) throw new Error(`no bid ${id}`);
      return bidState(ledger, record, now);
    };
    expect(at(1n, 0)).toBe("matched");
    expect(at(3n, 50)).toBe("resting");
    expect(at(3n, 101)).toBe("stale");
    expect(at(4n, 0)).toBe("cancelled");
  });
});

describe("views", () => {
  const ledger = buildLedger([
    bid(1n),
    bid(2n),
    bid(3n),
    bid(4n),
    bid(5n, { buyer: other, marketId: 2 }),
    ask(6n, 5),
    matched(1n, 6n),
    matched(2n, 6n),
    matched(5n, 6n),
    settled(1n),
    log("OrderCancelled", { orderId: 4n, side: 1 }),
  ]);
  it("splits a buyer's orders into resting bids, open jobs, ended jobs and unfilled bids", () => {
    const orders = ordersOf(ledger, "0x00000000000000000000000000000000000000b0", 500);
    expect(orders.resting.map((entry) => entry.orderId)).toEqual([3n]);
    expect(orders.openJobs.map((entry) => [entry.job.jobId, entry.state])).toEqual([[2n, "open"]]);
    expect(orders.endedJobs.map((entry) => [entry.job.jobId, entry.state])).toEqual([[1n, "settled"]]);
    expect(orders.unfilled.map((entry) => entry.orderId)).toEqual([4n]);
  });
  it("counts a provider's jobs by outcome with its earnings and slashes", () => {
    const withExpiry = buildLedger([
      bid(1n),
      bid(2n),
      bid(4n),
      bid(5n),
      ask(3n),
      matched(1n, 3n),
      matched(2n, 3n),
      matched(4n, 3n),
      matched(5n, 3n),
      settled(1n),
      expired(2n),
      log("JobDeclined", { jobId: 4n, provider }),
      log("JobVoided", { jobId: 5n, caller }),
    ]);
    expect(providerStats(withExpiry, provider)).toEqual({
      jobs: 4,
      open: 0,
      settled: 1,
      expired: 1,
      declined: 1,
      voided: 1,
      earned: 39_000n,
      fees: 1_000n,
      slashed: 10n,
    });
    expect(providerStats(withExpiry, buyer).jobs).toBe(0);
  });
  it("lists a provider's asks with capacity left", () => {
    expect(openAsksOf(ledger, provider).map((entry) => [entry.orderId, entry.filled])).toEqual([[6n, 3]]);
    const used = buildLedger([bid(1n), ask(2n, 1), matched(1n, 2n)]);
    expect(openAsksOf(used, provider)).toEqual([]);
  });
  it("lists a market's jobs newest first", () => {
    expect(jobsOfMarket(ledger, 1).map((job) => job.jobId)).toEqual([2n, 1n]);
    expect(jobsOfMarket(ledger, 2).map((job) => job.jobId)).toEqual([5n]);
  });
});
