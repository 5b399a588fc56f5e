// Market safety: each attack an independent review found on the market, written as the attack, with who would
// gain and who would lose. Each test fails on the market as it was (buyer and caller shares of slashes, no
// decline, unbounded deadlines, params read at settlement, model approval never read) and passes now.
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { network } from "hardhat";
import { type Address, getAddress, maxUint256 } from "viem";
import { JobStatus as STATUS } from "../src/job-terms.ts";
import {
  DEFAULT_MARKET_PARAMS,
  MODEL_ID,
  type MarketDeployment,
  commitProof,
  marketActions,
  marketEvents,
  marketFixture,
  now,
  termsOf,
  usd,
} from "./fixtures/market.ts";

/** The BN254 scalar field's order: a Groth16 verifier rejects public signals at or above it. */
const SNARK_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const TICK = DEFAULT_MARKET_PARAMS.tickSize;
const COLLATERAL = DEFAULT_MARKET_PARAMS.collateralPerJob;

describe("market safety", async () => {
  const connection = await network.create();
  const { viem, networkHelpers } = connection;
  let m: MarketDeployment;
  let act: ReturnType<typeof marketActions>;
  let provider: MarketDeployment["providers"][number];
  let buyer: MarketDeployment["buyers"][number];

  beforeEach(async () => {
    m = await networkHelpers.loadFixture(marketFixture);
    act = marketActions(m);
    [provider] = m.providers as [typeof provider];
    [buyer] = m.buyers as [typeof buyer];
  });

  const sovOf = (who: Address) => m.sovraToken.read.balanceOf([who]);
  const usdOf = (who: Address) => m.stablecoin.read.balanceOf([who]);
  const stakeOf = async (who: Address) => m.providerRegistry.read.stakeInfoOf([who]);
  /** Everything an account holds in governance tokens: wallet + stake in the registry. */
  const sovHoldings = async (who: Address) => (await sovOf(who)) + (await stakeOf(who)).staked;
  /** Everything a buyer holds in payment tokens: wallet + what the market owes it. */
  const usdHoldings = async (who: Address) => (await usdOf(who)) + (await m.market.read.owed([who]));

  describe("1. buyer-forced slashing", () => {
    it("refuses a bid whose input hash no proof can match (at or above the BN254 field order)", async () => {
      await act.ask(provider, 100, 4);
      for (const inputHash of [SNARK_FIELD, SNARK_FIELD + 1n, maxUint256]) {
        const deadline = (await now(m)) + 3_600n;
        await viem.assertions.revertWithCustomErrorWithArgs(
          m.market.write.placeBid([m.marketId, 100, inputHash, "0x", deadline, false], { account: buyer.account }),
          m.market,
          "InvalidInputHash",
          [inputHash],
        );
      }
      // the largest field element is still a valid hash
      const ok = await act.bid(buyer, 100, SNARK_FIELD - 1n);
      assert.notEqual(ok.jobId, 0n);
    });

    it("an honest provider declines inputs it cannot prove: the buyer gets its escrow back and nothing more", async () => {
      // the attack: four bids whose inputRef does not hash to inputHash, then expire after the deadline
      await act.ask(provider, 100, 4);
      const buyerUsd = await usdHoldings(buyer.account.address);
      const buyerSov = await sovHoldings(buyer.account.address);
      const providerSov = await sovHoldings(provider.account.address);
      const jobs: bigint[] = [];
      for (let i = 0n; i < 4n; i++) jobs.push((await act.bid(buyer, 100, 1_000n + i)).jobId);
      // the provider's node finds the mismatch and declines each job before its deadline
      for (const jobId of jobs) {
        const { events } = await act.decline(provider, jobId);
        assert.ok(events.some((e) => e.eventName === "JobDeclined" && e.args.jobId === jobId));
        assert.equal(await m.market.read.jobStatus([jobId]), STATUS.Declined);
      }
      // after the deadline there is nothing left to expire
      const terms = await termsOf(m, jobs[0] ?? 0n);
      await networkHelpers.time.increaseTo(terms.deadline + 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.expire([jobs[0] ?? 0n, terms], { account: buyer.account }),
        m.market,
        "JobNotMatched",
        [jobs[0] ?? 0n, STATUS.Declined],
      );
      // buyer: every unit of escrow back, no governance token; provider: nothing slashed, collateral releasable
      assert.equal(await usdHoldings(buyer.account.address), buyerUsd);
      assert.equal(await sovHoldings(buyer.account.address), buyerSov);
      assert.equal(await sovHoldings(provider.account.address), providerSov);
      assert.equal(await m.market.read.releasableOf([provider.account.address]), 4n * COLLATERAL);
      await m.market.write.releaseCollateral({ account: provider.account });
      assert.equal((await stakeOf(provider.account.address)).locked, 0n);
    });

    it("only the job's provider may decline, only before the deadline, only once", async () => {
      await act.ask(provider, 100, 2);
      const { jobId, terms } = await act.bid(buyer, 100, 7n);
      assert.ok(terms);
      const other = m.providers[1];
      assert.ok(other);
      for (const who of [buyer, other, m.stranger]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          m.market.write.decline([jobId, terms], { account: who.account }),
          m.market,
          "NotJobProvider",
          [jobId, getAddress(who.account.address)],
        );
      }
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.decline([jobId, { ...terms, price: terms.price - 1n }], { account: provider.account }),
        m.market,
        "InvalidJobTerms",
        [jobId],
      );
      await act.decline(provider, jobId);
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.decline([jobId, terms], { account: provider.account }),
        m.market,
        "JobNotMatched",
        [jobId, STATUS.Declined],
      );
      // a settled job cannot be declined (the buyer keeps its result), nor a late one
      const late = await act.bid(buyer, 100, 8n);
      assert.ok(late.terms);
      await networkHelpers.time.increaseTo(late.terms.deadline + 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.decline([late.jobId, late.terms], { account: provider.account }),
        m.market,
        "DeadlinePassed",
        [late.jobId, late.terms.deadline],
      );
    });

    it("a provider that does nothing is slashed, all of it to the treasury: the buyer only gets its escrow back", async () => {
      await act.ask(provider, 100, 1);
      const buyerUsd = await usdHoldings(buyer.account.address);
      const buyerSov = await sovHoldings(buyer.account.address);
      const treasurySov = await sovOf(m.treasury.account.address);
      const { jobId, terms } = await act.bid(buyer, 100, 9n);
      assert.ok(terms);
      await networkHelpers.time.increaseTo(terms.deadline + 1n);
      const { events } = await act.expire(jobId, buyer);
      assert.ok(events.some((e) => e.eventName === "JobExpired" && e.args.slashed === COLLATERAL));
      assert.equal(await usdHoldings(buyer.account.address), buyerUsd);
      assert.equal(await sovHoldings(buyer.account.address), buyerSov);
      assert.equal((await sovOf(m.treasury.account.address)) - treasurySov, COLLATERAL);
    });
  });

  describe("2. collateral frozen for ever", () => {
    it("refuses deadlines beyond the market's maxJobWindow (the 2^32-1 attack included)", async () => {
      await act.ask(provider, 100, 1);
      const t = await now(m);
      // the next block's timestamp is at least t + 1: the window counts from the block that includes the bid
      for (const deadline of [2n ** 32n - 1n, t + BigInt(DEFAULT_MARKET_PARAMS.maxJobWindow) + 100n]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          m.market.write.placeBid([m.marketId, 100, 5n, "0x", deadline, false], { account: buyer.account }),
          m.market,
          "InvalidDeadline",
          [deadline],
        );
      }
      assert.equal((await stakeOf(provider.account.address)).locked, COLLATERAL);
      // the longest allowed window still matches; its collateral is freed by a decline (or, at worst, after it)
      await networkHelpers.time.setNextBlockTimestamp(t + 10n);
      const longest = t + 10n + BigInt(DEFAULT_MARKET_PARAMS.maxJobWindow);
      const hash = await m.market.write.placeBid([m.marketId, 100, 5n, "0x", longest, false], {
        account: buyer.account,
      });
      const matched = (await marketEvents(m, hash)).events.find((e) => e.eventName === "JobMatched");
      assert.ok(matched?.eventName === "JobMatched");
      await act.decline(provider, matched.args.jobId);
      await m.market.write.releaseCollateral({ account: provider.account });
      // unbonding the whole stake works again
      const { staked } = await stakeOf(provider.account.address);
      await m.providerRegistry.write.requestUnbond([staked], { account: provider.account });
    });
  });

  describe("3. self-expiry", () => {
    for (const who of ["the provider itself", "an address of the provider's"] as const) {
      it(`a provider expiring its own job through ${who} wins back nothing of its slash`, async () => {
        await act.ask(provider, 100, 1);
        const { jobId, terms } = await act.bid(buyer, 100, 11n);
        assert.ok(terms);
        const sybil = m.stranger;
        const caller = who === "the provider itself" ? provider : sybil;
        const before = (await sovHoldings(provider.account.address)) + (await sovHoldings(sybil.account.address));
        await networkHelpers.time.increaseTo(terms.deadline + 1n);
        await act.expire(jobId, caller);
        const after = (await sovHoldings(provider.account.address)) + (await sovHoldings(sybil.account.address));
        assert.equal(before - after, COLLATERAL);
      });
    }
  });

  describe("4. terms fixed when a job is made", () => {
    it("a tick-size change never fills an older ask at the new tick size", async () => {
      const ask = await act.ask(provider, 100, 1);
      await m.market.write.setMarketParams([m.marketId, { ...DEFAULT_MARKET_PARAMS, tickSize: TICK / 2n }]);
      // a bid at 100 new ticks (half the ask's price) does not trade with the ask; the ask is refunded
      const r = await act.bid(buyer, 100, 12n);
      assert.equal(r.jobId, 0n);
      assert.ok(r.events.some((e) => e.eventName === "OrderRemoved" && e.args.orderId === ask.orderId));
      assert.equal((await stakeOf(provider.account.address)).locked, 0n);
    });

    it("a fee raised to 100 % after the match does not touch the job: the provider is paid at the old fee", async () => {
      await act.ask(provider, 100, 1);
      const { jobId } = await act.bid(buyer, 100, 13n);
      await m.market.write.setMarketParams([m.marketId, { ...DEFAULT_MARKET_PARAMS, feeBps: 10_000 }]);
      await act.submit(provider, jobId, [1n]);
      const price = 100n * TICK;
      const fee = (price * BigInt(DEFAULT_MARKET_PARAMS.feeBps)) / 10_000n;
      assert.equal(await m.market.read.owed([provider.account.address]), price - fee);
    });

    it("a callback gas cap lowered after the match does not starve the job's consumer", async () => {
      const consumer = await viem.deployContract("MaliciousConsumer", [m.market.address, m.stablecoin.address]);
      await m.stablecoin.write.transfer([consumer.address, usd("10")], { account: buyer.account });
      await consumer.write.setMode([4]); // Succeed
      await act.ask(provider, 100, 1);
      const hash = await consumer.write.bid([m.marketId, 100, 31n, (await now(m)) + 3_600n]);
      const matched = (await marketEvents(m, hash)).events.find((e) => e.eventName === "JobMatched");
      assert.ok(matched?.eventName === "JobMatched");
      await m.market.write.setMarketParams([m.marketId, { ...DEFAULT_MARKET_PARAMS, callbackGasLimit: 1 }]);
      const { events } = await act.submit(provider, matched.args.jobId, [1n], 1_000_000n);
      assert.ok(events.some((e) => e.eventName === "CallbackResult" && e.args.success));
    });
  });

  describe("5. withdrawn models and retired verifiers", () => {
    it("a model the registry no longer approves stops its markets (anyone may sync)", async () => {
      await act.ask(provider, 100, 2);
      await m.modelRegistry.write.setModelApproved([MODEL_ID, false]);
      await viem.assertions.emitWithArgs(
        m.market.write.syncModel([m.marketId], { account: m.stranger.account }),
        m.market,
        "MarketStopped",
        [m.marketId],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.placeBid([m.marketId, 100, 5n, "0x", (await now(m)) + 3_600n, false], {
          account: buyer.account,
        }),
        m.market,
        "MarketInactive",
        [m.marketId],
      );
    });

    it("a retired verifier: jobs settle until settleBy, then are voided without a slash; no re-activation", async () => {
      await act.ask(provider, 100, 3);
      const early = await act.bid(buyer, 100, 21n);
      const late = await act.bid(buyer, 100, 22n);
      const settleBy = Number((await now(m)) + 600n);
      await viem.assertions.emitWithArgs(
        m.market.write.retireVerifier([m.marketId, settleBy]),
        m.market,
        "VerifierRetired",
        [m.marketId, settleBy],
      );
      assert.equal((await m.market.read.marketOf([m.marketId])).settleBy, settleBy);
      // no new orders
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.placeBid([m.marketId, 100, 5n, "0x", (await now(m)) + 3_600n, false], {
          account: buyer.account,
        }),
        m.market,
        "MarketInactive",
        [m.marketId],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.setMarketParams([m.marketId, DEFAULT_MARKET_PARAMS]),
        m.market,
        "MarketRetired",
        [m.marketId],
      );
      // before settleBy: settles with the old verifier
      await act.submit(provider, early.jobId, [1n]);
      // after settleBy (still before the job's deadline): no settlement; anyone voids it: refund, no slash
      await networkHelpers.time.increaseTo(settleBy + 1);
      const terms = await termsOf(m, late.jobId);
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.submitResult([late.jobId, terms, [1n], commitProof(22n, [1n])], { account: provider.account }),
        m.market,
        "MarketRetired",
        [m.marketId],
      );
      const providerSov = await sovHoldings(provider.account.address);
      const owedBefore = await m.market.read.owed([buyer.account.address]);
      const { events } = await act.expire(late.jobId, m.stranger);
      assert.ok(events.some((e) => e.eventName === "JobVoided" && e.args.jobId === late.jobId));
      assert.equal(await m.market.read.jobStatus([late.jobId]), STATUS.Voided);
      assert.equal((await m.market.read.owed([buyer.account.address])) - owedBefore, terms.price);
      assert.equal(await sovHoldings(provider.account.address), providerSov);
      // the provider gets its collateral back: the early job's and the voided one's
      assert.equal(await m.market.read.releasableOf([provider.account.address]), 2n * COLLATERAL);
    });

    it("retirement cannot reach into the past, and only governance retires", async () => {
      const past = Number(await now(m)) - 1;
      await viem.assertions.revertWithCustomError(
        m.market.write.retireVerifier([m.marketId, past]),
        m.market,
        "InvalidExpiry",
      );
      await viem.assertions.revertWithCustomError(
        m.market.write.retireVerifier([m.marketId, past + 10_000], { account: m.stranger.account }),
        m.market,
        "AccessManagedUnauthorized",
      );
    });
  });

  describe("6. callback gas paid by who asks for it", () => {
    it("a callback job's price carries the market's callback premium, paid by the buyer to the provider", async () => {
      await act.ask(provider, 100, 2);
      const plain = await act.bid(buyer, 100, 41n);
      const before = await usdOf(buyer.account.address);
      const withCallback = await act.bid(buyer, 100, 42n, { callback: true });
      const premium = DEFAULT_MARKET_PARAMS.callbackPremium;
      assert.equal(plain.terms?.price, 100n * TICK);
      assert.equal(withCallback.terms?.price, 100n * TICK + premium);
      assert.equal(before - (await usdOf(buyer.account.address)), 100n * TICK + premium);
      await act.submit(provider, withCallback.jobId, [1n], 1_000_000n);
      const price = 100n * TICK + premium;
      assert.equal(
        await m.market.read.owed([provider.account.address]),
        price - (price * BigInt(DEFAULT_MARKET_PARAMS.feeBps)) / 10_000n,
      );
    });
  });

  describe("7. a proof is bound to (model, input hash, output), not to the job", () => {
    it("a copied proof settles another job on the same input, and that buyer still gets the correct output", async () => {
      // Accepted by design (contracts README): the copier saves compute, the buyer gets a verified result.
      const [p1, p2] = m.providers as [typeof provider, typeof provider];
      await act.ask(p1, 100, 1);
      const first = await act.bid(buyer, 100, 77n);
      const { events } = await act.submit(p1, first.jobId, [5n, 6n]);
      const settled = events.find((e) => e.eventName === "JobSettled");
      assert.ok(settled?.eventName === "JobSettled");
      await act.ask(p2, 100, 1);
      const second = await act.bid(m.buyers[1] ?? buyer, 100, 77n);
      const copied = await act.submit(p2, second.jobId, settled.args.output);
      const copiedSettled = copied.events.find((e) => e.eventName === "JobSettled");
      assert.ok(copiedSettled?.eventName === "JobSettled");
      assert.deepEqual(copiedSettled.args.output, [5n, 6n]);
      // the proof does not verify for any other output on that input
      await act.ask(p2, 100, 1);
      const third = await act.bid(buyer, 100, 77n);
      const terms = await termsOf(m, third.jobId);
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.submitResult([third.jobId, terms, [5n, 7n], commitProof(77n, [5n, 6n])], {
          account: p2.account,
        }),
        m.market,
        "InvalidProof",
        [third.jobId],
      );
    });
  });

  it("the market names its payment token", async () => {
    assert.equal(getAddress(await m.market.read.paymentToken()), getAddress(m.stablecoin.address));
  });
});
