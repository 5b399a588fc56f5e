import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { network } from "hardhat";
import { getAddress } from "viem";
import {
  DEFAULT_MARKET_PARAMS,
  type MarketDeployment,
  marketActions,
  marketEvents,
  marketFixture,
  now,
  usd,
} from "./fixtures/market.ts";

const LANE_BITS = 16;
/** Packs signed values the way the circuits package does: v + 2^(B-1) per B-bit lane, floor(253/B) lanes per element. */
function pack(values: readonly number[], bits = LANE_BITS): bigint[] {
  const per = Math.floor(253 / bits);
  const out: bigint[] = [];
  values.forEach((v, i) => {
    const e = Math.floor(i / per);
    const lane = BigInt(v) + (1n << BigInt(bits - 1));
    out[e] = (out[e] ?? 0n) | (lane << BigInt((i % per) * bits));
  });
  return out;
}

describe("ExampleDigitConsumer", async () => {
  const connection = await network.create();
  const { viem, networkHelpers } = connection;
  let m: MarketDeployment;
  let act: ReturnType<typeof marketActions>;

  async function deployConsumer(fx: MarketDeployment) {
    const owner = fx.buyers[0];
    assert.ok(owner);
    const consumer = await viem.deployContract("ExampleDigitConsumer", [
      fx.market.address,
      fx.stablecoin.address,
      fx.marketId,
      LANE_BITS,
      10,
      owner.account.address,
    ]);
    await fx.stablecoin.write.transfer([consumer.address, usd("100")], { account: owner.account });
    return { consumer, owner };
  }

  beforeEach(async () => {
    m = await networkHelpers.loadFixture(marketFixture);
    act = marketActions(m);
  });

  /** A consumer whose request matched a provider's ask at once. */
  async function matchedRequest() {
    const { consumer, owner } = await deployConsumer(m);
    const provider = m.providers[0];
    assert.ok(provider);
    await act.ask(provider, 100, 1);
    const hash = await consumer.write.requestDigit([100, 9n, "0x", (await now(m)) + 3_600n], {
      account: owner.account,
    });
    const matched = (await marketEvents(m, hash)).events.find((e) => e.eventName === "JobMatched");
    assert.ok(matched?.eventName === "JobMatched");
    return { consumer, owner, provider, jobId: matched.args.jobId };
  }

  it("requests a digit, receives the verified output and decodes the argmax", async () => {
    const { consumer, owner } = await deployConsumer(m);
    const provider = m.providers[0];
    assert.ok(provider);
    await act.ask(provider, 100, 1);
    const deadline = (await now(m)) + 3_600n;
    const hash = await consumer.write.requestDigit([120, 555n, "0xabcd", deadline], { account: owner.account });
    const { events } = await marketEvents(m, hash);
    const matched = events.find((e) => e.eventName === "JobMatched");
    assert.ok(matched?.eventName === "JobMatched");
    const jobId = matched.args.jobId;
    assert.equal((await consumer.read.requests([jobId]))[0], 1); // Pending
    const logits = [-5, 3, -100, 20, 7, 19, -1, 0, 2, 4];
    const output = pack(logits);
    const { events: settleEvents } = await act.submit(provider, jobId, output);
    assert.ok(settleEvents.some((e) => e.eventName === "CallbackResult" && e.args.success));
    const [status, digit, score] = await consumer.read.requests([jobId]);
    assert.deepEqual([status, digit, score], [2, 3, 20n]);
    assert.deepEqual(await consumer.read.argmax([pack([-3, -2, -9, -2, -7, -8, -9, -10, -11, -12])]), [1, -2n]);
  });

  it("spreads lanes over several field elements for wide lanes", async () => {
    const consumer = await viem.deployContract("ExampleDigitConsumer", [
      m.market.address,
      m.stablecoin.address,
      1,
      64,
      10,
      m.deployer.account.address,
    ]);
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 40, 9]; // 3 lanes per element: 4 elements
    const output = pack(values, 64);
    assert.equal(output.length, 4);
    assert.deepEqual(await consumer.read.argmax([output]), [8, 40n]);
    await viem.assertions.revertWithCustomError(consumer.read.argmax([[1n]]), consumer, "OutputTooShort");
    await assert.rejects(
      viem.deployContract("ExampleDigitConsumer", [
        m.market.address,
        m.stablecoin.address,
        1,
        1,
        10,
        m.deployer.account.address,
      ]),
    );
  });

  it("accepts callbacks only from the market, and only the owner may request", async () => {
    const { consumer } = await deployConsumer(m);
    await viem.assertions.revertWithCustomErrorWithArgs(
      consumer.write.onInferenceResult([1n, [1n]], { account: m.stranger.account }),
      consumer,
      "OnlyMarket",
      [getAddress(m.stranger.account.address)],
    );
    await viem.assertions.revertWithCustomError(
      consumer.write.onInferenceExpired([1n], { account: m.stranger.account }),
      consumer,
      "OnlyMarket",
    );
    await viem.assertions.revertWithCustomError(
      consumer.write.requestDigit([1, 1n, "0x", (await now(m)) + 3_600n], { account: m.stranger.account }),
      consumer,
      "OwnableUnauthorizedAccount",
    );
  });

  it("does not revert when the market spent the bid on removing stale asks (the removal is kept)", async () => {
    const { consumer, owner } = await deployConsumer(m);
    const provider = m.providers[0];
    assert.ok(provider);
    // nine asks that expire: one bid may remove at most MAX_SWEEP (8) of them
    const asks: bigint[] = [];
    for (let i = 0; i < 9; i++) asks.push((await act.ask(provider, 100, 1, 100n)).orderId);
    await networkHelpers.time.increase(200);
    const deadline = (await now(m)) + 3_600n;
    const first = consumer.write.requestDigit([100, 9n, "0x", deadline], { account: owner.account });
    await viem.assertions.emitWithArgs(first, consumer, "RequestNotPlaced", [9n]);
    const { events } = await marketEvents(m, await first);
    assert.equal(events.filter((e) => e.eventName === "OrderRemoved").length, 8);
    assert.equal(
      events.some((e) => e.eventName === "BidPlaced"),
      false,
    );
    // the next request removes the last stale ask and rests (order id 10: the asks took 1..9)
    assert.equal(asks.at(-1), 9n);
    await viem.assertions.emitWithArgs(
      consumer.write.requestDigit([100, 9n, "0x", deadline], { account: owner.account }),
      consumer,
      "DigitRequested",
      [10n, 0n, 9n],
    );
  });

  it("sync records a declined job, which gets no callback, as ended and refunded", async () => {
    const { consumer, provider, jobId } = await matchedRequest();
    const { events } = await act.decline(provider, jobId);
    assert.equal(
      events.some((e) => e.eventName === "CallbackResult"),
      false,
    );
    assert.equal((await consumer.read.requests([jobId]))[0], 1); // still Pending here
    await consumer.write.sync([jobId], { account: m.stranger.account });
    assert.equal((await consumer.read.requests([jobId]))[0], 3); // Expired: ended without a result
    assert.equal(
      await m.market.read.owed([consumer.address]),
      100n * DEFAULT_MARKET_PARAMS.tickSize + DEFAULT_MARKET_PARAMS.callbackPremium,
    );
  });

  it("sync marks a settled job whose callback failed as Lost (the output stays in JobSettled)", async () => {
    const { consumer, provider, jobId } = await matchedRequest();
    // an output too short for ten logits: the verifier (a test one) accepts it, the consumer's callback reverts
    const { events } = await act.submit(provider, jobId, [], 1_000_000n);
    assert.ok(events.some((e) => e.eventName === "CallbackResult" && !e.args.success));
    await consumer.write.sync([jobId]);
    assert.equal((await consumer.read.requests([jobId]))[0], 4); // Lost
    // sync is idempotent and ignores jobs it never requested
    await consumer.write.sync([jobId]);
    await consumer.write.sync([999n]);
    assert.equal((await consumer.read.requests([999n]))[0], 0);
  });

  it("handles expiry and withdraws the refund; a resting request can be cancelled", async () => {
    const { consumer, owner } = await deployConsumer(m);
    const provider = m.providers[0];
    assert.ok(provider);
    const deadline = (await now(m)) + 3_600n;
    // resting first, filled by an arriving ask: the callback flag travels with the bid
    const hash = await consumer.write.requestDigit([100, 9n, "0x", deadline], { account: owner.account });
    const placed = (await marketEvents(m, hash)).events.find((e) => e.eventName === "BidPlaced");
    assert.ok(placed?.eventName === "BidPlaced");
    assert.equal(await consumer.read.restingBids([placed.args.orderId]), true);
    const { jobs } = await act.ask(provider, 100, 1);
    const jobId = jobs[0] ?? 0n;
    await networkHelpers.time.increaseTo(deadline + 1n);
    const { events } = await act.expire(jobId);
    assert.ok(events.some((e) => e.eventName === "CallbackResult" && e.args.success));
    assert.equal((await consumer.read.requests([jobId]))[0], 3); // Expired
    // another resting request, cancelled
    const h2 = await consumer.write.requestDigit([50, 10n, "0x", (await now(m)) + 3_600n], { account: owner.account });
    const p2 = (await marketEvents(m, h2)).events.find((e) => e.eventName === "BidPlaced");
    assert.ok(p2?.eventName === "BidPlaced");
    await consumer.write.cancel([p2.args.orderId], { account: owner.account });
    const owed = await m.market.read.owed([consumer.address]);
    // both requests asked for a callback: each escrowed the callback premium on top of its price
    assert.equal(owed, (100n + 50n) * DEFAULT_MARKET_PARAMS.tickSize + 2n * DEFAULT_MARKET_PARAMS.callbackPremium);
    const before = await m.stablecoin.read.balanceOf([owner.account.address]);
    await consumer.write.withdrawRefunds([owner.account.address], { account: owner.account });
    assert.equal((await m.stablecoin.read.balanceOf([owner.account.address])) - before, usd("100"));
    assert.equal(await m.stablecoin.read.balanceOf([consumer.address]), 0n);
    // nothing owed: still sends the (empty) balance without calling the market
    await consumer.write.withdrawRefunds([owner.account.address], { account: owner.account });
  });
});
