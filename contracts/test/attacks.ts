import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { network } from "hardhat";
import { encodeFunctionData, getAddress, maxUint256 } from "viem";
import {
  DEFAULT_MARKET_PARAMS,
  type MarketDeployment,
  commitProof,
  marketActions,
  marketEvents,
  marketFixture,
  now,
  termsOf,
  usd,
} from "./fixtures/market.ts";

const MODE = { Revert: 0, BurnGas: 1, ReturnBomb: 2, Reenter: 3, Succeed: 4 } as const;

describe("SpotMarket attacks", async () => {
  const connection = await network.create();
  const { viem, networkHelpers } = connection;
  let m: MarketDeployment;
  let act: ReturnType<typeof marketActions>;

  beforeEach(async () => {
    m = await networkHelpers.loadFixture(marketFixture);
    act = marketActions(m);
  });

  async function consumerJob() {
    const consumer = await viem.deployContract("MaliciousConsumer", [m.market.address, m.stablecoin.address]);
    const buyer = m.buyers[0];
    const provider = m.providers[0];
    assert.ok(buyer && provider);
    await m.stablecoin.write.transfer([consumer.address, usd("10")], { account: buyer.account });
    await act.ask(provider, 100, 1);
    const deadline = (await now(m)) + 3_600n;
    const hash = await consumer.write.bid([m.marketId, 100, 31n, deadline]);
    const matched = (await marketEvents(m, hash)).events.find((e) => e.eventName === "JobMatched");
    assert.ok(matched?.eventName === "JobMatched");
    const terms = await termsOf(m, matched.args.jobId);
    assert.equal(terms.callback, true);
    assert.equal(terms.buyer, getAddress(consumer.address));
    return { consumer, provider, jobId: matched.args.jobId, terms, deadline };
  }

  for (const [name, mode] of [
    ["reverts", MODE.Revert],
    ["burns all its gas", MODE.BurnGas],
    ["returns a huge returndata", MODE.ReturnBomb],
  ] as const) {
    it(`a consumer that ${name} does not block settlement`, async () => {
      const { consumer, provider, jobId } = await consumerJob();
      await consumer.write.setMode([mode]);
      const { events, receipt } = await act.submit(provider, jobId, [1n], 1_000_000n);
      assert.ok(events.some((e) => e.eventName === "CallbackResult" && !e.args.success));
      assert.equal(await m.market.read.jobStatus([jobId]), 2);
      assert.ok(receipt.gasUsed < 1_000_000n);
      // the callback was capped: it cannot use more than callbackGasLimit
      assert.ok(receipt.gasUsed < 200_000n + BigInt(DEFAULT_MARKET_PARAMS.callbackGasLimit));
    });
  }

  it("a consumer that fails on expiry does not block expiry", async () => {
    const { consumer, jobId, deadline } = await consumerJob();
    await consumer.write.setMode([MODE.BurnGas]);
    await networkHelpers.time.increaseTo(deadline + 1n);
    const { events } = await act.expire(jobId, undefined, 1_000_000n);
    assert.ok(events.some((e) => e.eventName === "CallbackResult" && !e.args.success));
    assert.equal(
      await m.market.read.owed([consumer.address]),
      100n * DEFAULT_MARKET_PARAMS.tickSize + DEFAULT_MARKET_PARAMS.callbackPremium,
    );
  });

  it("a consumer re-entering from its callback cannot settle twice or drain the market", async () => {
    const { consumer, provider, jobId, terms } = await consumerJob();
    await consumer.write.setMode([MODE.Reenter]);
    await consumer.write.setTerms([terms]);
    const balance = await m.stablecoin.read.balanceOf([m.market.address]);
    const { events } = await act.submit(provider, jobId, [1n]);
    assert.ok(events.some((e) => e.eventName === "CallbackResult" && e.args.success));
    assert.equal(await consumer.read.calls(), 1n);
    assert.equal(await consumer.read.reentrySucceeded(), false);
    assert.equal(await m.stablecoin.read.balanceOf([m.market.address]), balance);
  });

  it("the provider cannot starve the callback by sending too little gas", async () => {
    const { consumer, provider, jobId } = await consumerJob();
    await consumer.write.setMode([MODE.Succeed]);
    const job = await termsOf(m, jobId);
    await viem.assertions.revertWithCustomErrorWithArgs(
      m.market.write.submitResult([jobId, job, [1n], commitProof(job.inputHash, [1n])], {
        account: provider.account,
        gas: 180_000n,
      }),
      m.market,
      "InsufficientCallbackGas",
      [jobId],
    );
    assert.equal(await m.market.read.jobStatus([jobId]), 1);
    const { events } = await act.submit(provider, jobId, [1n]);
    assert.ok(events.some((e) => e.eventName === "CallbackResult" && e.args.success));
  });

  it("a payment token that re-enters the market during a transfer is refused by the lock", async () => {
    const token = await viem.deployContract("ReentrantToken");
    const market = await viem.deployContract("SpotMarket", [
      m.accessManager.address,
      token.address,
      m.providerRegistry.address,
      m.attestationRegistry.address,
      m.modelRegistry.address,
      m.treasury.account.address,
    ]);
    await m.accessManager.write.grantRole([1n, market.address, 0]);
    const modelId = (await m.market.read.marketOf([1])).modelId;
    await market.write.createMarket([modelId, 0, DEFAULT_MARKET_PARAMS]);
    const buyer = m.buyers[0];
    assert.ok(buyer);
    await token.write.mint([buyer.account.address, usd("100")]);
    await token.write.approve([market.address, maxUint256], { account: buyer.account });
    const deadline = (await now(m)) + 3_600n;
    // the token calls back into placeBid (and could try withdraw, cancel...) while the market pulls escrow
    await token.write.arm([
      market.address,
      encodeFunctionData({ abi: market.abi, functionName: "cancelOrder", args: [1n] }),
    ]);
    await market.write.placeBid([1, 100, 1n, "0x", deadline, false], { account: buyer.account });
    assert.equal(await token.read.attempted(), true);
    assert.equal(await token.read.reentrySucceeded(), false);
    const err = await token.read.reentryError();
    // ReentrancyGuardReentrantCall()
    assert.equal(err, "0x3ee5aeb5");
    assert.equal(await token.read.balanceOf([market.address]), 100n * DEFAULT_MARKET_PARAMS.tickSize);
    assert.equal((await market.read.orderOf([1n])).remaining, 1);
    // withdraw re-entered through the token's transfer is refused the same way
    await market.write.cancelOrder([1n], { account: buyer.account });
    await token.write.arm([
      market.address,
      encodeFunctionData({ abi: market.abi, functionName: "withdraw", args: [buyer.account.address] }),
    ]);
    await market.write.withdraw([buyer.account.address], { account: buyer.account });
    assert.equal(await token.read.reentrySucceeded(), false);
    assert.equal(await token.read.balanceOf([market.address]), 0n);
  });
});
