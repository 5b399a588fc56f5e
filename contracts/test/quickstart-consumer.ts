// The README's "Integrate from another protocol" example: the contract shown there is this file's, compiled and run.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { DEFAULT_MARKET_PARAMS, marketActions, marketEvents, marketFixture, termsOf, usd } from "./fixtures/market.ts";

/** Packs signed values as the circuits package does: v + 2^(B-1) per B-bit lane, floor(253/B) lanes per element. */
function pack(values: readonly number[], bits: number): bigint[] {
  const per = Math.floor(253 / bits);
  const out: bigint[] = [];
  values.forEach((v, i) => {
    const e = Math.floor(i / per);
    out[e] = (out[e] ?? 0n) | ((BigInt(v) + (1n << BigInt(bits - 1))) << BigInt((i % per) * bits));
  });
  return out;
}

describe("QuickstartConsumer (the README's example)", async () => {
  const { viem, networkHelpers } = await network.create();

  it("is shown whole in the README", async () => {
    const source = await readFile(new URL("../contracts/consumer/QuickstartConsumer.sol", import.meta.url), "utf8");
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    assert.ok(
      readme.includes(source.trim()),
      "README.md must embed contracts/consumer/QuickstartConsumer.sol verbatim",
    );
  });

  it("buys a classification, receives the verified output, and reclaims the refund of a declined job", async () => {
    const m = await networkHelpers.loadFixture(marketFixture);
    const act = marketActions(m);
    const [provider] = m.providers;
    const [buyer] = m.buyers;
    assert.ok(provider && buyer);
    const consumer = await viem.deployContract("QuickstartConsumer", [m.market.address, m.marketId, 20]);
    await m.stablecoin.write.transfer([consumer.address, usd("10")], { account: buyer.account });
    await act.ask(provider, 100, 2);
    const classify = async (inputHash: bigint) => {
      const { events } = await marketEvents(m, await consumer.write.classify([100, inputHash, "0x1234"]));
      const matched = events.find((e) => e.eventName === "JobMatched");
      assert.ok(matched?.eventName === "JobMatched");
      return matched.args.jobId;
    };
    const jobId = await classify(7n);
    await act.submit(provider, jobId, pack([-3, 1, 9, 0, 2, 8, -1, 4, 5, 6], 20), 1_000_000n);
    assert.equal(await consumer.read.predicted([jobId]), 3n); // class 2, stored as class + 1
    const declined = await classify(8n);
    await act.decline(provider, declined);
    const before = await m.stablecoin.read.balanceOf([consumer.address]);
    await consumer.write.reclaim();
    const price = 100n * DEFAULT_MARKET_PARAMS.tickSize + DEFAULT_MARKET_PARAMS.callbackPremium;
    assert.equal((await m.stablecoin.read.balanceOf([consumer.address])) - before, price);
    // an expiry is reported through the callback; only the market may call back
    await act.ask(provider, 100, 1);
    const expiring = await classify(9n);
    const terms = await termsOf(m, expiring);
    await networkHelpers.time.increaseTo(terms.deadline + 1n);
    await act.expire(expiring, buyer, 1_000_000n);
    assert.equal(await consumer.read.predicted([expiring]), -1n);
    await viem.assertions.revertWithCustomError(consumer.write.onInferenceExpired([1n]), consumer, "OnlyMarket");
    await viem.assertions.revertWithCustomError(consumer.write.onInferenceResult([1n, [1n]]), consumer, "OnlyMarket");
  });
});
