import { describe, expect, it } from "vitest";
import { bidCost } from "../src/lib/cost";

// The local markets: tick 0.001 tUSD (1,000 units of a 6-decimal token), 2.5% fee.
const market = { tickSize: 1_000n, feeBps: 250 };

describe("bidCost", () => {
  it("a bid crossing the best ask pays the ask's price; the fee comes out of the provider's payment", () => {
    expect(bidCost({ ...market, maxTick: 60, bestAsk: 50 })).toEqual({
      matchesNow: true,
      charged: 50_000n,
      fee: 1_250n,
      providerGets: 48_750n,
    });
  });
  it("a bid below the best ask rests and escrows its own price", () => {
    expect(bidCost({ ...market, maxTick: 20, bestAsk: 50 })).toEqual({
      matchesNow: false,
      charged: 20_000n,
      fee: 500n,
      providerGets: 19_500n,
    });
    expect(bidCost({ ...market, maxTick: 20, bestAsk: null }).matchesNow).toBe(false);
  });
  it("rounds the fee down as the contract does", () => {
    expect(bidCost({ tickSize: 1n, feeBps: 250, maxTick: 39, bestAsk: null }).fee).toBe(0n);
  });
});
