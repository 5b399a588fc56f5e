import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { network } from "hardhat";
import {
  type Address,
  getAddress,
  keccak256,
  parseEventLogs,
  parseSignature,
  stringToHex,
  zeroAddress,
  zeroHash,
} from "viem";
import { JobStatus as STATUS, hashJobTerms, jobTermsFromEvents } from "../src/index.ts";
import {
  DEFAULT_MARKET_PARAMS,
  MODEL_ID,
  type MarketDeployment,
  bidPlacedOf,
  commitProof,
  hashJob,
  marketActions,
  marketEvents,
  marketFixture,
  now,
  sov,
  termsOf,
} from "./fixtures/market.ts";

const ASK = 0;
const BID = 1;
const TICK = DEFAULT_MARKET_PARAMS.tickSize;
const COLLATERAL = DEFAULT_MARKET_PARAMS.collateralPerJob;

describe("SpotMarket", async () => {
  const connection = await network.create();
  const { viem, networkHelpers } = connection;
  let m: MarketDeployment;
  let act: ReturnType<typeof marketActions>;
  let p1: MarketDeployment["providers"][number];
  let p2: MarketDeployment["providers"][number];
  let b1: MarketDeployment["buyers"][number];
  let b2: MarketDeployment["buyers"][number];

  beforeEach(async () => {
    m = await networkHelpers.loadFixture(marketFixture);
    act = marketActions(m);
    [p1, p2] = m.providers as [typeof p1, typeof p2];
    [b1, b2] = m.buyers as [typeof b1, typeof b2];
  });

  const locked = async (who: Address) => (await m.providerRegistry.read.stakeInfoOf([who])).locked;
  const statusOf = (jobId: bigint) => m.market.read.jobStatus([jobId]);
  const usdOf = (who: Address) => m.stablecoin.read.balanceOf([who]);
  const marketEventsOf = (hash: `0x${string}`) => marketEvents(m, hash);

  describe("governance", () => {
    it("creates a market with the model's verifier and rejects duplicates, unapproved models, bad params", async () => {
      const info = await m.market.read.marketOf([1]);
      assert.equal(info.modelId, MODEL_ID);
      assert.equal(info.policyClass, 0);
      assert.deepEqual(info.params, DEFAULT_MARKET_PARAMS);
      assert.equal(await m.market.read.marketIdOf([MODEL_ID, 0]), 1);
      assert.equal(await m.market.read.marketCount(), 1);
      assert.equal(info.verifier.toLowerCase(), m.verifier.address.toLowerCase());
      assert.equal(info.open, true);
      assert.equal(info.settleBy, 0);

      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.createMarket([MODEL_ID, 0, DEFAULT_MARKET_PARAMS]),
        m.market,
        "MarketExists",
        [MODEL_ID, 0],
      );
      const unknown = keccak256(stringToHex("unknown"));
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.createMarket([unknown, 0, DEFAULT_MARKET_PARAMS]),
        m.market,
        "ModelNotApproved",
        [unknown],
      );
      for (const bad of [
        { ...DEFAULT_MARKET_PARAMS, tickSize: 0n },
        { ...DEFAULT_MARKET_PARAMS, collateralPerJob: 0n },
        { ...DEFAULT_MARKET_PARAMS, feeBps: 10_001 },
        { ...DEFAULT_MARKET_PARAMS, maxJobWindow: 0 },
        { ...DEFAULT_MARKET_PARAMS, minJobWindow: 700, maxJobWindow: 699 },
        { ...DEFAULT_MARKET_PARAMS, maxAskCapacity: 0 },
      ]) {
        await viem.assertions.revertWithCustomError(
          m.market.write.createMarket([MODEL_ID, 1, bad]),
          m.market,
          "InvalidParams",
        );
      }
      const hash = m.market.write.createMarket([MODEL_ID, 1, DEFAULT_MARKET_PARAMS]);
      await viem.assertions.emitWithArgs(hash, m.market, "MarketCreated", [2, MODEL_ID, 1, DEFAULT_MARKET_PARAMS]);
    });

    it("restricts every setter to the access manager's roles", async () => {
      const acct = { account: m.stranger.account };
      await viem.assertions.revertWithCustomError(
        m.market.write.createMarket([MODEL_ID, 1, DEFAULT_MARKET_PARAMS], acct),
        m.market,
        "AccessManagedUnauthorized",
      );
      await viem.assertions.revertWithCustomError(
        m.market.write.setMarketParams([1, DEFAULT_MARKET_PARAMS], acct),
        m.market,
        "AccessManagedUnauthorized",
      );
      await viem.assertions.revertWithCustomError(
        m.market.write.setTreasury([m.stranger.account.address], acct),
        m.market,
        "AccessManagedUnauthorized",
      );
    });

    it("updates params for new orders only: open jobs keep their terms, older resting orders are refunded", async () => {
      const { orderId } = await act.ask(p1, 100, 3);
      const open = await act.bid(b1, 100, 7n);
      assert.equal(open.terms?.feeBps, DEFAULT_MARKET_PARAMS.feeBps);
      const restingBid = await act.bid(b2, 50, 8n);
      assert.equal(await locked(p1.account.address), 3n * COLLATERAL);
      const next = { ...DEFAULT_MARKET_PARAMS, tickSize: TICK / 2n, collateralPerJob: sov("25"), feeBps: 100 };
      await viem.assertions.emitWithArgs(m.market.write.setMarketParams([1, next]), m.market, "MarketParamsUpdated", [
        1,
        next,
      ]);
      assert.deepEqual((await m.market.read.marketOf([1])).params, next);
      // the old ask was placed at 100 ticks of the old size: a new bid must not fill it at 100 ticks of the new
      // size; matching removes it and unlocks its two unused units
      const fresh = await act.bid(b1, 200, 9n);
      assert.equal(fresh.jobId, 0n);
      assert.ok(fresh.events.some((e) => e.eventName === "OrderRemoved" && e.args.orderId === orderId));
      assert.equal((await m.market.read.orderOf([orderId])).owner, zeroAddress);
      assert.equal(await locked(p1.account.address), COLLATERAL);
      // an ask under the new params does not fill the bid that rested under the old ones: it is refunded
      const owedBefore = await m.market.read.owed([b2.account.address]);
      const newer = await act.ask(p2, 40, 2);
      assert.deepEqual(newer.jobs, [fresh.orderId]);
      assert.equal((await m.market.read.orderOf([newer.orderId])).remaining, 1);
      assert.equal(newer.terms[0]?.feeBps, 100);
      assert.equal(newer.terms[0]?.collateral, sov("25"));
      assert.equal((await m.market.read.orderOf([restingBid.orderId])).owner, zeroAddress);
      assert.equal((await m.market.read.owed([b2.account.address])) - owedBefore, 50n * TICK);
      // the job made before the change settles with the fee it was made with
      const { events } = await act.submit(p1, open.jobId, [1n]);
      const settled = events.find((e) => e.eventName === "JobSettled");
      assert.ok(settled?.eventName === "JobSettled");
      assert.equal(settled.args.fee, (100n * TICK * BigInt(DEFAULT_MARKET_PARAMS.feeBps)) / 10_000n);
      // settled: the job's collateral stays locked until released, but is releasable
      assert.equal(await m.market.read.releasableOf([p1.account.address]), COLLATERAL);
      await viem.assertions.emitWithArgs(
        m.market.write.releaseCollateral({ account: p1.account }),
        m.market,
        "CollateralReleased",
        [getAddress(p1.account.address), COLLATERAL],
      );
      assert.equal(await locked(p1.account.address), 0n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.setMarketParams([9, next]),
        m.market,
        "MarketNotFound",
        [9],
      );
      await viem.assertions.revertWithCustomError(
        m.market.write.setMarketParams([1, { ...next, tickSize: 0n }]),
        m.market,
        "InvalidParams",
      );
    });

    it("caches whether the policy class is open and re-reads it on sync", async () => {
      // the fixture's market uses class 0, fixed open: matching skips the eligibility call
      assert.equal((await m.market.read.marketOf([1])).open, true);
      // class 5, open when the market is created, later redefined by governance
      const gdpr = keccak256(stringToHex("GDPR"));
      await m.attestationRegistry.write.setPolicyClass([5, []]);
      await viem.assertions.emitWithArgs(
        m.market.write.createMarket([MODEL_ID, 5, DEFAULT_MARKET_PARAMS]),
        m.market,
        "PolicySynced",
        [2, true],
      );
      const ask = await act.ask(p1, 100, 1, 86_400n, 2);
      await m.attestationRegistry.write.setPolicyClass([5, [gdpr]]);
      await viem.assertions.emitWithArgs(
        m.market.write.syncPolicy([2], { account: m.stranger.account }),
        m.market,
        "PolicySynced",
        [2, false],
      );
      assert.equal((await m.market.read.marketOf([2])).open, false);
      // p1 holds no GDPR attestation: its resting ask is now stale and is swept by the next bid
      const r = await act.bid(b1, 100, 1n, { id: 2 });
      assert.equal(r.jobId, 0n);
      assert.ok(r.events.some((e) => e.eventName === "OrderRemoved" && e.args.orderId === ask.orderId));
      await m.attestationRegistry.write.setPolicyClass([5, []]);
      await viem.assertions.emitWithArgs(m.market.write.syncPolicy([2]), m.market, "PolicySynced", [2, true]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.syncPolicy([9]),
        m.market,
        "MarketNotFound",
        [9],
      );
      // an undefined class is never open
      await viem.assertions.emitWithArgs(
        m.market.write.createMarket([MODEL_ID, 42, DEFAULT_MARKET_PARAMS]),
        m.market,
        "PolicySynced",
        [3, false],
      );
    });

    it("sets the treasury, keeping flushed fees owed to the old one; pending fees go to the new one", async () => {
      const { jobId } = await act.bid(b1, 100, 1n);
      assert.equal(jobId, 0n); // no ask yet: it rests
      const { jobs } = await act.ask(p1, 100, 2);
      await act.submit(p1, jobs[0] ?? 0n, [1n]);
      const fee = (100n * TICK * 250n) / 10_000n;
      const oldTreasury = m.treasury.account.address;
      // the fee waits in the provider's account until flushed (anyone may flush)
      assert.equal(await m.market.read.owed([oldTreasury]), 0n);
      assert.equal(await m.market.read.pendingFeesOf([p1.account.address]), fee);
      await viem.assertions.emitWithArgs(
        m.market.write.flushFees([p1.account.address], { account: m.stranger.account }),
        m.market,
        "FeesFlushed",
        [getAddress(p1.account.address), fee],
      );
      assert.equal(await m.market.read.pendingFeesOf([p1.account.address]), 0n);
      assert.equal(await m.market.read.owed([oldTreasury]), fee);
      // nothing pending: a no-op (no event, nothing moves)
      const { events: none } = await marketEventsOf(await m.market.write.flushFees([p1.account.address]));
      assert.equal(none.length, 0);
      assert.equal(await m.market.read.owed([oldTreasury]), fee);
      // a second job's fee is still pending when the treasury changes
      const second = await act.bid(b2, 100, 2n);
      await act.submit(p1, second.jobId, [1n]);
      await viem.assertions.revertWithCustomError(m.market.write.setTreasury([zeroAddress]), m.market, "ZeroAddress");
      await viem.assertions.emitWithArgs(
        m.market.write.setTreasury([m.stranger.account.address]),
        m.market,
        "TreasuryUpdated",
        [m.stranger.account.address],
      );
      assert.equal((await m.market.read.treasury()).toLowerCase(), m.stranger.account.address.toLowerCase());
      assert.equal(await m.market.read.owed([oldTreasury]), fee);
      assert.equal(await m.market.read.owed([m.stranger.account.address]), 0n);
      await m.market.write.withdraw([oldTreasury], { account: m.treasury.account });
      assert.equal(await usdOf(oldTreasury), fee);
      await m.market.write.flushFees([p1.account.address]);
      assert.equal(await m.market.read.owed([m.stranger.account.address]), fee);
      assert.equal(await m.market.read.owed([oldTreasury]), 0n);
    });

    it("rejects a zero address at deployment", async () => {
      await assert.rejects(
        viem.deployContract("SpotMarket", [
          m.accessManager.address,
          zeroAddress,
          m.providerRegistry.address,
          m.attestationRegistry.address,
          m.modelRegistry.address,
          m.treasury.account.address,
        ]),
      );
    });
  });

  describe("asks", () => {
    it("rests an ask, reserving its collateral", async () => {
      const expiresAt = (await now(m)) + 1000n;
      const hash = m.market.write.placeAsk([1, 150, 3, expiresAt], { account: p1.account });
      await viem.assertions.emitWithArgs(hash, m.market, "AskPlaced", [1n, 1, p1.account.address, 150, 3, expiresAt]);
      assert.equal(await locked(p1.account.address), 3n * COLLATERAL);
      assert.deepEqual(await m.market.read.bestTick([1, ASK]), [true, 150]);
      assert.deepEqual(await m.market.read.bestTick([1, BID]), [false, 0]);
      const level = await m.market.read.levelOf([1, ASK, 150]);
      assert.deepEqual(level, { tick: 150, orders: 1, quantity: 3n, head: 1n });
      const order = await m.market.read.orderOf([1n]);
      assert.equal(order.owner.toLowerCase(), p1.account.address.toLowerCase());
      assert.equal(order.side, ASK);
      assert.equal(order.remaining, 3);
      assert.equal(order.expiry, expiresAt);
      assert.equal(order.amount, COLLATERAL);
    });

    it("rejects bad asks with named errors", async () => {
      const t = await now(m);
      const w = (args: readonly [number, number, number, bigint], who = p1) =>
        m.market.write.placeAsk([...args], { account: who.account });
      await viem.assertions.revertWithCustomErrorWithArgs(w([5, 1, 1, t + 100n]), m.market, "MarketNotFound", [5]);
      await viem.assertions.revertWithCustomErrorWithArgs(w([1, 0, 1, t + 100n]), m.market, "InvalidTick", [0]);
      await viem.assertions.revertWithCustomErrorWithArgs(w([1, 1, 0, t + 100n]), m.market, "InvalidCapacity", [0]);
      await viem.assertions.revertWithCustomErrorWithArgs(w([1, 1, 17, t + 100n]), m.market, "InvalidCapacity", [17]);
      await viem.assertions.revertWithCustomErrorWithArgs(w([1, 1, 1, t]), m.market, "InvalidExpiry", [t]);
      // expiries are stored in 32 bits
      await viem.assertions.revertWithCustomErrorWithArgs(w([1, 1, 1, 2n ** 32n]), m.market, "InvalidExpiry", [
        2n ** 32n,
      ]);
      await w([1, 1, 1, 2n ** 32n - 1n]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        w([1, 1, 1, t + 100n], m.stranger),
        m.market,
        "NotRegistered",
        [m.stranger.account.address],
      );
      // too little stake for the reservation (1000 SOV staked, 10 per unit: 16 units fit, then no more)
      await w([1, 200, 16, t + 1000n]);
      await w([1, 200, 16, t + 1000n]);
      await w([1, 200, 16, t + 1000n]);
      await w([1, 200, 16, t + 1000n]);
      await w([1, 200, 16, t + 1000n]);
      await w([1, 200, 16, t + 1000n]);
      await viem.assertions.revertWithCustomError(
        w([1, 200, 5, t + 1000n]),
        m.providerRegistry,
        "InsufficientFreeStake",
      );
      await m.market.write.setMarketParams([1, { ...DEFAULT_MARKET_PARAMS, active: false }]);
      await viem.assertions.revertWithCustomErrorWithArgs(w([1, 1, 1, t + 100n]), m.market, "MarketInactive", [1]);
    });

    it("checks VRAM and policy-class eligibility", async () => {
      const low = m.wallets[8];
      assert.ok(low);
      await m.providerRegistry.write.register(
        [
          {
            gpuModel: "small",
            vramMb: 1_024,
            throughputMilliOpsPerSec: 1n,
            region: "eu",
            benchmarkReport: keccak256("0x01"),
          },
        ],
        { account: low.account },
      );
      const t = await now(m);
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.placeAsk([1, 1, 1, t + 100n], { account: low.account }),
        m.market,
        "InsufficientVram",
        [low.account.address, 1_024, 2_048],
      );
      const gdpr = keccak256(stringToHex("GDPR"));
      await m.attestationRegistry.write.setPolicyClass([7, [gdpr]]);
      await m.market.write.createMarket([MODEL_ID, 7, DEFAULT_MARKET_PARAMS]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.placeAsk([2, 1, 1, t + 100n], { account: p1.account }),
        m.market,
        "NotEligible",
        [p1.account.address, 7],
      );
    });
  });

  describe("matching", () => {
    it("an arriving bid takes the best ask at the ask's price and escrows only that", async () => {
      await act.ask(p1, 120, 1);
      await act.ask(p2, 110, 1);
      const before = await usdOf(b1.account.address);
      const r = await act.bid(b1, 150, 42n, { callback: false });
      // the job's id is the bid's order id
      assert.equal(r.jobId, 3n);
      assert.equal(r.jobId, r.orderId);
      assert.equal(before - (await usdOf(b1.account.address)), 110n * TICK);
      const job = await termsOf(m, r.jobId);
      assert.deepEqual(job, {
        buyer: getAddress(b1.account.address),
        provider: getAddress(p2.account.address),
        marketId: 1,
        price: 110n * TICK,
        collateral: COLLATERAL,
        deadline: r.deadline,
        inputHash: 42n,
        callback: false,
        feeBps: DEFAULT_MARKET_PARAMS.feeBps,
        callbackGasLimit: DEFAULT_MARKET_PARAMS.callbackGasLimit,
      });
      // one slot: the terms' hash
      assert.deepEqual(await m.market.read.jobOf([r.jobId]), [STATUS.Matched, hashJob(job)]);
      assert.equal(await m.market.read.hashJob([job]), hashJob(job));
      assert.equal(await statusOf(r.jobId), STATUS.Matched);
      assert.equal(await statusOf(99n), STATUS.None);
      const matched = r.events.find((e) => e.eventName === "JobMatched");
      assert.ok(matched?.eventName === "JobMatched");
      // JobMatched carries only what BidPlaced (same transaction, emitted first) does not
      assert.deepEqual(matched.args, {
        jobId: r.jobId,
        provider: getAddress(p2.account.address),
        askId: 2n,
        price: 110n * TICK,
        collateral: COLLATERAL,
        feeBps: DEFAULT_MARKET_PARAMS.feeBps,
        callbackGasLimit: DEFAULT_MARKET_PARAMS.callbackGasLimit,
      });
      assert.deepEqual(
        r.events.map((e) => e.eventName),
        ["BidPlaced", "JobMatched"],
      );
      // ids that are not jobs: an ask, a resting or cancelled bid
      assert.equal(await statusOf(2n), STATUS.None);
      assert.equal(await statusOf(0n), STATUS.None);
      const resting = await act.bid(b2, 50, 43n);
      assert.equal(await statusOf(resting.orderId), STATUS.None);
      await m.market.write.cancelOrder([resting.orderId], { account: b2.account });
      assert.equal(await statusOf(resting.orderId), STATUS.None);
      // no bid order was written
      assert.equal((await m.market.read.orderOf([r.orderId])).owner, zeroAddress);
      assert.deepEqual(await m.market.read.bestTick([1, ASK]), [true, 120]);
      assert.deepEqual(await m.market.read.bestTick([1, BID]), [false, 0]);
    });

    it("keeps FIFO order inside a tick and fills partially", async () => {
      const a = await act.ask(p1, 100, 2);
      const b = await act.ask(p2, 100, 1);
      assert.deepEqual(await m.market.read.levelOf([1, ASK, 100]), {
        tick: 100,
        orders: 2,
        quantity: 3n,
        head: a.orderId,
      });
      const j1 = await act.bid(b1, 100, 1n);
      // a partial fill of the head writes only the head order; the views still show the unfilled quantity
      assert.deepEqual(await m.market.read.levelOf([1, ASK, 100]), {
        tick: 100,
        orders: 2,
        quantity: 2n,
        head: a.orderId,
      });
      assert.equal((await m.market.read.orderOf([a.orderId])).remaining, 1);
      const j2 = await act.bid(b1, 100, 2n);
      assert.deepEqual(await m.market.read.levelOf([1, ASK, 100]), {
        tick: 100,
        orders: 1,
        quantity: 1n,
        head: b.orderId,
      });
      const j3 = await act.bid(b2, 100, 3n);
      const providerOf = async (id: bigint) => (await termsOf(m, id)).provider.toLowerCase();
      assert.equal(await providerOf(j1.jobId), p1.account.address.toLowerCase());
      assert.equal(await providerOf(j2.jobId), p1.account.address.toLowerCase());
      assert.equal(await providerOf(j3.jobId), p2.account.address.toLowerCase());
      assert.deepEqual(await m.market.read.bestTick([1, ASK]), [false, 0]);
      assert.equal((await m.market.read.levelOf([1, ASK, 100])).orders, 0);
      // the next bid does not cross anything and rests with full escrow
      const before = await usdOf(b2.account.address);
      const rest = await act.bid(b2, 90, 4n);
      assert.equal(rest.jobId, 0n);
      assert.equal(before - (await usdOf(b2.account.address)), 90n * TICK);
      assert.deepEqual(await m.market.read.bestTick([1, BID]), [true, 90]);
    });

    it("an arriving ask fills resting bids best price first, FIFO, at their prices, and rests the rest", async () => {
      const x = await act.bid(b1, 100, 11n, { callback: true });
      const y = await act.bid(b2, 120, 12n);
      const z = await act.bid(b1, 120, 13n);
      await act.bid(b2, 50, 14n); // does not cross
      const r = await act.ask(p1, 80, 5);
      assert.equal(r.jobs.length, 3);
      const jobs = r.terms;
      assert.ok(jobs.every((j) => j.provider === getAddress(p1.account.address) && j.collateral === COLLATERAL));
      assert.deepEqual(
        jobs.map((j) => j.inputHash),
        [12n, 13n, 11n],
      );
      assert.deepEqual(
        jobs.map((j) => j.price),
        [120n * TICK, 120n * TICK, 100n * TICK + DEFAULT_MARKET_PARAMS.callbackPremium],
      );
      assert.equal(jobs[2]?.callback, true);
      // job ids are the bids' order ids
      assert.deepEqual(r.jobs, [y.orderId, z.orderId, x.orderId]);
      // 3 matched + 2 resting units reserved
      assert.equal(await locked(p1.account.address), 5n * COLLATERAL);
      assert.equal((await m.market.read.orderOf([r.orderId])).remaining, 2);
      assert.deepEqual(await m.market.read.bestTick([1, BID]), [true, 50]);
      assert.deepEqual(await m.market.read.bestTick([1, ASK]), [true, 80]);
      // fully matched ask leaves no order
      const full = await act.ask(p2, 50, 1);
      assert.equal(full.jobs.length, 1);
      assert.equal((await m.market.read.orderOf([full.orderId])).owner, zeroAddress);
      assert.equal(await locked(p2.account.address), COLLATERAL);
    });

    it("walks the book for depth charts", async () => {
      await act.ask(p1, 300, 2);
      await act.ask(p1, 5, 1);
      await act.ask(p2, 1000, 4);
      await act.ask(p2, 300, 1);
      const levels: Array<[number, bigint, number]> = [];
      let [exists, tick] = await m.market.read.bestTick([1, ASK]);
      while (exists) {
        const l = await m.market.read.levelOf([1, ASK, tick]);
        levels.push([tick, l.quantity, l.orders]);
        if (tick === 65_535) break;
        [exists, tick] = await m.market.read.nextTick([1, ASK, tick + 1]);
      }
      assert.deepEqual(levels, [
        [5, 1n, 1],
        [300, 3n, 2],
        [1000, 4n, 1],
      ]);
      await act.bid(b1, 20, 1n);
      await act.bid(b1, 4, 1n);
      assert.deepEqual(await m.market.read.nextTick([1, BID, 19]), [true, 4]);
      assert.deepEqual(await m.market.read.nextTick([1, BID, 3]), [false, 0]);
      assert.deepEqual(await m.market.read.nextTick([1, ASK, 1001]), [false, 0]);
      // across bitmap words and at the ends of the tick range
      await act.ask(p1, 65_535, 1);
      assert.deepEqual(await m.market.read.nextTick([1, ASK, 1001]), [true, 65_535]);
      assert.deepEqual(await m.market.read.nextTick([1, ASK, 65_535]), [true, 65_535]);
      await m.market.write.cancelOrder([(await m.market.read.levelOf([1, ASK, 65_535])).head], { account: p1.account });
      assert.deepEqual(await m.market.read.nextTick([1, ASK, 65_000]), [false, 0]);
      await act.bid(b2, 1, 1n);
      assert.deepEqual(await m.market.read.nextTick([1, BID, 2]), [true, 1]);
      assert.deepEqual(await m.market.read.nextTick([1, BID, 0]), [false, 0]);
      assert.deepEqual(await m.market.read.nextTick([1, BID, 600]), [true, 4]);
      const proof = await m.verifier.read.proofFor([9n, [1n, 2n]]);
      assert.equal(proof, commitProof(9n, [1n, 2n]));
      assert.equal(await m.verifier.read.verifyInference([9n, [1n, 2n], proof]), true);
    });

    it("rejects bad bids with named errors", async () => {
      const t = await now(m);
      const w = (id: number, tick: number, deadline: bigint) =>
        m.market.write.placeBid([id, tick, 1n, "0x", deadline, false], { account: b1.account });
      await viem.assertions.revertWithCustomErrorWithArgs(w(3, 1, t + 5000n), m.market, "MarketNotFound", [3]);
      await viem.assertions.revertWithCustomErrorWithArgs(w(1, 0, t + 5000n), m.market, "InvalidTick", [0]);
      await viem.assertions.revertWithCustomErrorWithArgs(w(1, 1, t + 100n), m.market, "InvalidDeadline", [t + 100n]);
      await viem.assertions.revertWithCustomErrorWithArgs(w(1, 1, 2n ** 32n), m.market, "InvalidDeadline", [2n ** 32n]);
      await m.market.write.setMarketParams([1, { ...DEFAULT_MARKET_PARAMS, active: false }]);
      await viem.assertions.revertWithCustomErrorWithArgs(w(1, 1, t + 5000n), m.market, "MarketInactive", [1]);
    });

    it("places a bid with a permit instead of an approval, and ignores a bad permit when allowance suffices", async () => {
      const fresh = m.wallets[9];
      assert.ok(fresh);
      await m.stablecoin.write.faucet({ account: fresh.account });
      const value = 1_000n * TICK;
      const permitDeadline = (await now(m)) + 3_600n;
      const nonce = await m.stablecoin.read.nonces([fresh.account.address]);
      const chainId = await m.publicClient.getChainId();
      const signature = await fresh.signTypedData({
        account: fresh.account,
        domain: { name: "Test USD", version: "1", chainId, verifyingContract: m.stablecoin.address },
        types: {
          Permit: [
            { name: "owner", type: "address" },
            { name: "spender", type: "address" },
            { name: "value", type: "uint256" },
            { name: "nonce", type: "uint256" },
            { name: "deadline", type: "uint256" },
          ],
        },
        primaryType: "Permit",
        message: { owner: fresh.account.address, spender: m.market.address, value, nonce, deadline: permitDeadline },
      });
      const { r, s, v } = parseSignature(signature);
      const permit = { value, deadline: permitDeadline, v: Number(v ?? 27n), r, s };
      const deadline = (await now(m)) + 3_600n;
      await m.market.write.placeBidWithPermit([1, 100, 5n, "0x", deadline, false, permit], { account: fresh.account });
      assert.equal(await m.stablecoin.read.allowance([fresh.account.address, m.market.address]), value - 100n * TICK);
      // replaying the used permit fails inside, the remaining allowance still pays
      await m.market.write.placeBidWithPermit([1, 100, 6n, "0x", deadline, false, permit], { account: fresh.account });
      assert.equal((await m.market.read.levelOf([1, BID, 100])).orders, 2);
    });
  });

  describe("job terms from events", () => {
    it("the exported helper rebuilds the terms from BidPlaced + JobMatched and hashes them as hashJob does", async () => {
      // a bid that matched on arrival: both events in one transaction
      await act.ask(p1, 100, 1);
      const now1 = await act.bid(b1, 120, 5n, { callback: true });
      const placed = now1.events.find((e) => e.eventName === "BidPlaced");
      const matched = now1.events.find((e) => e.eventName === "JobMatched");
      assert.ok(placed?.eventName === "BidPlaced" && matched?.eventName === "JobMatched");
      const terms = jobTermsFromEvents(placed.args, matched.args);
      assert.deepEqual(terms, {
        buyer: getAddress(b1.account.address),
        provider: getAddress(p1.account.address),
        marketId: 1,
        price: 100n * TICK + DEFAULT_MARKET_PARAMS.callbackPremium,
        collateral: COLLATERAL,
        deadline: now1.deadline,
        inputHash: 5n,
        callback: true,
        feeBps: DEFAULT_MARKET_PARAMS.feeBps,
        callbackGasLimit: DEFAULT_MARKET_PARAMS.callbackGasLimit,
      });
      assert.equal(hashJobTerms(terms), await m.market.read.hashJob([terms]));
      assert.deepEqual(await m.market.read.jobOf([now1.jobId]), [STATUS.Matched, hashJobTerms(terms)]);
      // a resting bid filled later: its BidPlaced is older, the price is its escrow
      const rest = await act.bid(b2, 90, 6n);
      const later = await act.ask(p2, 80, 1);
      const laterMatched = later.events.find((e) => e.eventName === "JobMatched");
      const restPlaced = await bidPlacedOf(m, rest.orderId);
      assert.ok(laterMatched?.eventName === "JobMatched");
      const restTerms = jobTermsFromEvents(restPlaced, laterMatched.args);
      assert.equal(restTerms.price, 90n * TICK);
      assert.equal(restTerms.provider, getAddress(p2.account.address));
      assert.equal(hashJobTerms(restTerms), await m.market.read.hashJob([restTerms]));
      assert.deepEqual(await m.market.read.jobOf([rest.orderId]), [STATUS.Matched, hashJobTerms(restTerms)]);
      // the rebuilt terms settle the job
      const output = [3n];
      await m.market.write.submitResult([rest.orderId, restTerms, output, commitProof(6n, output)], {
        account: p2.account,
      });
      assert.equal(await statusOf(rest.orderId), STATUS.Settled);
      // events of different jobs are refused
      assert.throws(() => jobTermsFromEvents(placed.args, laterMatched.args), /BidPlaced is for order/);
    });
  });

  describe("stale orders", () => {
    it("sweeps expired asks met while matching and unlocks their reservation", async () => {
      const stale = await act.ask(p1, 100, 3, 100n);
      await act.ask(p2, 101, 1);
      await networkHelpers.time.increase(200);
      const r = await act.bid(b1, 200, 1n);
      const removed = r.events.filter((e) => e.eventName === "OrderRemoved");
      assert.equal(removed.length, 1);
      assert.ok(removed[0]?.eventName === "OrderRemoved");
      assert.equal(removed[0].args.orderId, stale.orderId);
      assert.equal(await locked(p1.account.address), 0n);
      assert.equal((await termsOf(m, r.jobId)).provider.toLowerCase(), p2.account.address.toLowerCase());
    });

    it("sweeps asks of providers that lost eligibility", async () => {
      const soc2 = keccak256(stringToHex("SOC2"));
      const attester = m.stranger;
      await m.attestationRegistry.write.setAttesterTrusted([soc2, attester.account.address, true]);
      await m.attestationRegistry.write.setPolicyClass([3, [soc2]]);
      await m.market.write.createMarket([MODEL_ID, 3, DEFAULT_MARKET_PARAMS]);
      const t = await now(m);
      await m.attestationRegistry.write.attest([p1.account.address, soc2, t + 100_000n], { account: attester.account });
      const a = await act.ask(p1, 100, 1, 86_400n, 2);
      await m.attestationRegistry.write.revoke([p1.account.address, soc2], { account: attester.account });
      const r = await act.bid(b1, 100, 1n, { id: 2 });
      assert.equal(r.jobId, 0n);
      assert.ok(r.events.some((e) => e.eventName === "OrderRemoved" && e.args.orderId === a.orderId));
      assert.equal(await locked(p1.account.address), 0n);
      assert.deepEqual(await m.market.read.bestTick([2, BID]), [true, 100]);
    });

    it("sweeps bids whose deadline no longer leaves the job window, refunding their escrow", async () => {
      const stale = await act.bid(b1, 100, 1n, { deadlineIn: 700n });
      const fresh = await act.bid(b2, 90, 2n);
      await networkHelpers.time.increase(200);
      const r = await act.ask(p1, 80, 1);
      assert.ok(r.events.some((e) => e.eventName === "OrderRemoved" && e.args.orderId === stale.orderId));
      assert.equal(await m.market.read.owed([b1.account.address]), 100n * TICK);
      const matched = r.events.find((e) => e.eventName === "JobMatched");
      assert.ok(matched?.eventName === "JobMatched");
      assert.equal(matched.args.jobId, fresh.orderId);
      const before = await usdOf(b1.account.address);
      await m.market.write.withdraw([b1.account.address], { account: b1.account });
      assert.equal((await usdOf(b1.account.address)) - before, 100n * TICK);
    });

    it("removes at most MAX_SWEEP stale asks per call; the bid then does not rest and takes nothing", async () => {
      assert.equal(await m.market.read.MAX_SWEEP(), 8n);
      for (let i = 0; i < 9; i++) await act.ask(p1, 100, 1, 50n);
      await act.ask(p2, 100, 1);
      await networkHelpers.time.increase(100);
      const before = await usdOf(b1.account.address);
      const first = await act.bid(b1, 100, 1n);
      assert.equal(first.events.filter((e) => e.eventName === "OrderRemoved").length, 8);
      assert.equal(first.orderId, 0n);
      assert.equal(first.jobId, 0n);
      assert.equal(await usdOf(b1.account.address), before);
      assert.equal(await locked(p1.account.address), COLLATERAL);
      const second = await act.bid(b1, 100, 1n);
      assert.equal(second.events.filter((e) => e.eventName === "OrderRemoved").length, 1);
      assert.notEqual(second.jobId, 0n);
      assert.equal(await locked(p1.account.address), 0n);
    });

    it("an arriving ask that exhausts the sweep budget on crossing bids does not rest", async () => {
      for (let i = 0; i < 9; i++) await act.bid(b1, 100, BigInt(i), { deadlineIn: 650n });
      await networkHelpers.time.increase(100);
      const r = await act.ask(p1, 100, 2);
      assert.equal(r.events.filter((e) => e.eventName === "OrderRemoved").length, 8);
      assert.equal(r.jobs.length, 0);
      assert.equal((await m.market.read.orderOf([r.orderId])).owner, zeroAddress);
      assert.equal(await locked(p1.account.address), 0n);
      assert.equal(await m.market.read.owed([b1.account.address]), 8n * 100n * TICK);
    });
  });

  describe("cancel", () => {
    it("cancels bids (escrow owed back) and asks (reservation unlocked), owner only", async () => {
      const bid = await act.bid(b1, 100, 1n);
      const ask = await act.ask(p1, 200, 4);
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.cancelOrder([bid.orderId], { account: b2.account }),
        m.market,
        "NotOrderOwner",
        [bid.orderId, b2.account.address],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.cancelOrder([999n], { account: b2.account }),
        m.market,
        "OrderNotFound",
        [999n],
      );
      await viem.assertions.emitWithArgs(
        m.market.write.cancelOrder([bid.orderId], { account: b1.account }),
        m.market,
        "OrderCancelled",
        [bid.orderId, BID],
      );
      assert.equal(await m.market.read.owed([b1.account.address]), 100n * TICK);
      await viem.assertions.emitWithArgs(
        m.market.write.cancelOrder([ask.orderId], { account: p1.account }),
        m.market,
        "OrderCancelled",
        [ask.orderId, ASK],
      );
      assert.equal(await locked(p1.account.address), 0n);
      assert.deepEqual(await m.market.read.bestTick([1, ASK]), [false, 0]);
      assert.deepEqual(await m.market.read.bestTick([1, BID]), [false, 0]);
      await viem.assertions.revertWithCustomError(
        m.market.write.cancelOrder([bid.orderId], { account: b1.account }),
        m.market,
        "OrderNotFound",
      );
    });

    it("cancels from the middle and the tail of a FIFO", async () => {
      const a = await act.bid(b1, 100, 1n);
      const b = await act.bid(b1, 100, 2n);
      const c = await act.bid(b1, 100, 3n);
      await m.market.write.cancelOrder([b.orderId], { account: b1.account });
      assert.equal((await m.market.read.orderOf([a.orderId])).next, c.orderId);
      assert.equal((await m.market.read.orderOf([c.orderId])).prev, a.orderId);
      await m.market.write.cancelOrder([c.orderId], { account: b1.account });
      assert.deepEqual(await m.market.read.levelOf([1, BID, 100]), {
        tick: 100,
        orders: 1,
        quantity: 1n,
        head: a.orderId,
      });
      const r = await act.ask(p1, 100, 1);
      assert.equal(r.terms[0]?.inputHash, 1n);
    });
  });

  describe("settlement", () => {
    async function matched() {
      await act.ask(p1, 100, 1);
      const r = await act.bid(b1, 100, 77n);
      assert.ok(r.terms);
      return { ...r, terms: r.terms };
    }

    it("pays provider and treasury exactly, makes collateral releasable, settles once", async () => {
      const { jobId, terms } = await matched();
      assert.equal(await locked(p1.account.address), COLLATERAL);
      const output = [5n, 6n];
      const price = 100n * TICK;
      const fee = (price * 250n) / 10_000n;
      const { events } = await act.submit(p1, jobId, output);
      const settled = events.find((e) => e.eventName === "JobSettled");
      assert.ok(settled?.eventName === "JobSettled");
      assert.deepEqual(settled.args, {
        jobId,
        provider: getAddress(p1.account.address),
        output,
        providerAmount: price - fee,
        fee,
      });
      assert.equal(
        events.some((e) => e.eventName === "CallbackResult"),
        false,
      );
      assert.equal(await m.market.read.owed([p1.account.address]), price - fee);
      // settlement does not touch the treasury's slot: the fee waits in the provider's account
      assert.equal(await m.market.read.owed([m.treasury.account.address]), 0n);
      assert.equal(await m.market.read.pendingFeesOf([p1.account.address]), fee);
      // settlement does not call the registry: the collateral is released with the next withdraw
      assert.equal(await locked(p1.account.address), COLLATERAL);
      assert.equal(await m.market.read.releasableOf([p1.account.address]), COLLATERAL);
      // the slot now holds the final status: Settled, no commitment
      assert.equal(await statusOf(jobId), STATUS.Settled);
      assert.deepEqual(await m.market.read.jobOf([jobId]), [STATUS.Settled, zeroHash]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.submitResult([jobId, terms, output, commitProof(77n, output)], { account: p1.account }),
        m.market,
        "JobNotMatched",
        [jobId, STATUS.Settled],
      );
      await networkHelpers.time.increase(4_000);
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.expire([jobId, terms]),
        m.market,
        "JobNotMatched",
        [jobId, STATUS.Settled],
      );
      // pull payments; the provider's withdraw also releases its settled jobs' collateral
      const before = await usdOf(p1.account.address);
      const hash = m.market.write.withdraw([p1.account.address], { account: p1.account });
      await viem.assertions.emitWithArgs(hash, m.market, "Withdrawal", [
        p1.account.address,
        p1.account.address,
        price - fee,
      ]);
      const { events: withdrawn } = await marketEventsOf(await hash);
      assert.ok(withdrawn.some((e) => e.eventName === "CollateralReleased" && e.args.amount === COLLATERAL));
      // ...and moves its pending fee to the treasury, exactly
      assert.ok(withdrawn.some((e) => e.eventName === "FeesFlushed" && e.args.amount === fee));
      assert.equal(await m.market.read.pendingFeesOf([p1.account.address]), 0n);
      assert.equal(await m.market.read.owed([m.treasury.account.address]), fee);
      assert.equal((await usdOf(p1.account.address)) - before, price - fee);
      assert.equal(await locked(p1.account.address), 0n);
      assert.equal(await m.market.read.releasableOf([p1.account.address]), 0n);
      await m.market.write.withdraw([m.treasury.account.address], { account: m.treasury.account });
      assert.equal(await usdOf(m.treasury.account.address), fee);
      assert.equal(await usdOf(m.market.address), 0n);
    });

    it("rejects tampered terms and outputs, strangers and late submissions", async () => {
      const { jobId, terms } = await matched();
      const output = [5n];
      const proof = commitProof(77n, output);
      for (const tampered of [
        { ...terms, price: terms.price + 1n },
        { ...terms, collateral: terms.collateral * 2n },
        { ...terms, deadline: terms.deadline + 1_000n },
        { ...terms, provider: getAddress(p2.account.address) },
        { ...terms, callback: true },
        { ...terms, feeBps: 0 },
        { ...terms, callbackGasLimit: 0 },
      ]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          m.market.write.submitResult([jobId, tampered, output, proof], {
            account: tampered.provider === terms.provider ? p1.account : p2.account,
          }),
          m.market,
          "InvalidJobTerms",
          [jobId],
        );
      }
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.submitResult([jobId, terms, [6n], proof], { account: p1.account }),
        m.market,
        "InvalidProof",
        [jobId],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.submitResult([jobId, terms, output, "0x01"], { account: p1.account }),
        m.market,
        "InvalidProof",
        [jobId],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.submitResult([jobId, terms, output, proof], { account: p2.account }),
        m.market,
        "NotJobProvider",
        [jobId, p2.account.address],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.submitResult([99n, terms, output, proof], { account: p1.account }),
        m.market,
        "JobNotMatched",
        [99n, STATUS.None],
      );
      await networkHelpers.time.increaseTo(terms.deadline + 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.submitResult([jobId, terms, output, proof], { account: p1.account }),
        m.market,
        "DeadlinePassed",
        [jobId, terms.deadline],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.expire([jobId, { ...terms, price: 1n }]),
        m.market,
        "InvalidJobTerms",
        [jobId],
      );
      assert.equal(await statusOf(jobId), STATUS.Matched);
    });

    it("expires after the deadline: buyer refunded, the whole collateral slashed to the treasury", async () => {
      const { jobId, terms } = await matched();
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.expire([jobId, terms]),
        m.market,
        "JobStillOpen",
        [jobId],
      );
      await networkHelpers.time.increaseTo(terms.deadline + 1n);
      const sovOf = (a: Address) => m.sovraToken.read.balanceOf([a]);
      const [buyerSov, callerSov, treasurySov] = await Promise.all([
        sovOf(b1.account.address),
        sovOf(m.stranger.account.address),
        sovOf(m.treasury.account.address),
      ]);
      const stakedBefore = (await m.providerRegistry.read.stakeInfoOf([p1.account.address])).staked;
      const hash = m.market.write.expire([jobId, terms], { account: m.stranger.account });
      await viem.assertions.emitWithArgs(hash, m.market, "JobExpired", [jobId, m.stranger.account.address, COLLATERAL]);
      assert.equal(await sovOf(b1.account.address), buyerSov);
      assert.equal(await sovOf(m.stranger.account.address), callerSov);
      assert.equal((await sovOf(m.treasury.account.address)) - treasurySov, COLLATERAL);
      const info = await m.providerRegistry.read.stakeInfoOf([p1.account.address]);
      assert.equal(info.locked, 0n);
      assert.equal(stakedBefore - info.staked, COLLATERAL);
      assert.equal(await m.market.read.releasableOf([p1.account.address]), 0n);
      assert.equal(await m.market.read.owed([b1.account.address]), 100n * TICK);
      assert.equal(await statusOf(jobId), STATUS.Expired);
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.expire([jobId, terms]),
        m.market,
        "JobNotMatched",
        [jobId, STATUS.Expired],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.submitResult([jobId, terms, [1n], commitProof(77n, [1n])], { account: p1.account }),
        m.market,
        "JobNotMatched",
        [jobId, STATUS.Expired],
      );
      const before = await usdOf(b1.account.address);
      await m.market.write.withdraw([b1.account.address], { account: b1.account });
      assert.equal((await usdOf(b1.account.address)) - before, 100n * TICK);
      assert.equal(await usdOf(m.market.address), 0n);
    });

    it("withdraw rejects nothing owed and the zero address; release rejects nothing releasable", async () => {
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.withdraw([b1.account.address], { account: b1.account }),
        m.market,
        "NothingToWithdraw",
        [b1.account.address],
      );
      await viem.assertions.revertWithCustomError(
        m.market.write.withdraw([zeroAddress], { account: b1.account }),
        m.market,
        "ZeroAddress",
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        m.market.write.releaseCollateral({ account: p1.account }),
        m.market,
        "NothingToRelease",
        [getAddress(p1.account.address)],
      );
    });

    it("withdraw with only releasable collateral (all of the price went to fees) releases it and pays nothing", async () => {
      await m.market.write.setMarketParams([1, { ...DEFAULT_MARKET_PARAMS, feeBps: 10_000 }]);
      const { jobId } = await matched();
      await act.submit(p1, jobId, [1n]);
      assert.equal(await m.market.read.owed([p1.account.address]), 0n);
      assert.equal(await m.market.read.releasableOf([p1.account.address]), COLLATERAL);
      const before = await usdOf(p1.account.address);
      const { events } = await marketEventsOf(
        await m.market.write.withdraw([p1.account.address], { account: p1.account }),
      );
      assert.equal(
        events.some((e) => e.eventName === "Withdrawal"),
        false,
      );
      assert.ok(events.some((e) => e.eventName === "CollateralReleased"));
      assert.equal(await usdOf(p1.account.address), before);
      assert.equal(await locked(p1.account.address), 0n);
      assert.equal(await m.market.read.owed([m.treasury.account.address]), 100n * TICK);
    });

    it("a provider can unbond its settled jobs' collateral once released", async () => {
      const { jobId } = await matched();
      await act.submit(p1, jobId, [1n]);
      const staked = (await m.providerRegistry.read.stakeInfoOf([p1.account.address])).staked;
      await viem.assertions.revertWithCustomError(
        m.providerRegistry.write.requestUnbond([staked], { account: p1.account }),
        m.providerRegistry,
        "InsufficientFreeStake",
      );
      const fee = (100n * TICK * 250n) / 10_000n;
      const { events } = await marketEventsOf(await m.market.write.releaseCollateral({ account: p1.account }));
      await m.providerRegistry.write.requestUnbond([staked], { account: p1.account });
      // the owed payment is untouched by the release; the pending fee moved to the treasury
      assert.equal(await m.market.read.owed([p1.account.address]), 100n * TICK - fee);
      assert.ok(events.some((e) => e.eventName === "FeesFlushed" && e.args.amount === fee));
      assert.equal(await m.market.read.pendingFeesOf([p1.account.address]), 0n);
      assert.equal(await m.market.read.owed([m.treasury.account.address]), fee);
    });
  });

  describe("accounting", () => {
    it("flushes a field that would overflow instead of reverting (fee to treasury, owed to its spill slot)", async () => {
      // a token with more than 2^96 units in circulation, and prices near 2^96
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
      await market.write.createMarket([MODEL_ID, 0, { ...DEFAULT_MARKET_PARAMS, tickSize: 2n ** 80n, feeBps: 5_000 }]);
      await token.write.mint([b1.account.address, 2n ** 100n]);
      await token.write.approve([market.address, 2n ** 100n], { account: b1.account });
      const price = 60_000n * 2n ** 80n; // just below 2^96
      const fee = price / 2n; // above 2^64: never fits the pending-fee field
      const expiresAt = (await now(m)) + 86_400n;
      await market.write.placeAsk([1, 60_000, 5, expiresAt], { account: p1.account });
      const p = p1.account.address;
      const treasury = m.treasury.account.address;
      for (let i = 1n; i <= 5n; i++) {
        const hash = await market.write.placeBid([1, 60_000, i, "0x", (await now(m)) + 3_600n, false], {
          account: b1.account,
        });
        const { logs } = await m.publicClient.waitForTransactionReceipt({ hash });
        const events = parseEventLogs({ abi: market.abi, logs });
        const placed = events.find((e) => e.eventName === "BidPlaced");
        const matched = events.find((e) => e.eventName === "JobMatched");
        assert.ok(placed?.eventName === "BidPlaced" && matched?.eventName === "JobMatched");
        const terms = jobTermsFromEvents(placed.args, matched.args);
        const settle = await market.write.submitResult([matched.args.jobId, terms, [1n], commitProof(i, [1n])], {
          account: p1.account,
        });
        const settled = parseEventLogs({
          abi: market.abi,
          logs: (await m.publicClient.waitForTransactionReceipt({ hash: settle })).logs,
        });
        // the fee moved to the treasury at once
        assert.ok(settled.some((e) => e.eventName === "FeesFlushed" && e.args.amount === fee));
        assert.equal(await market.read.pendingFeesOf([p]), 0n);
        assert.equal(await market.read.owed([p]), i * (price - fee));
        assert.equal(await market.read.owed([treasury]), i * fee);
        assert.equal(await market.read.releasableOf([p]), i * COLLATERAL);
      }
      // owed amounts above 2^96 were kept exactly and are paid in full
      assert.ok(5n * (price - fee) > 2n ** 96n && 5n * fee > 2n ** 96n);
      assert.equal(await token.read.balanceOf([market.address]), 5n * price);
      await market.write.withdraw([p], { account: p1.account });
      await market.write.withdraw([treasury], { account: m.treasury.account });
      assert.equal(await token.read.balanceOf([p]), 5n * (price - fee));
      assert.equal(await token.read.balanceOf([treasury]), 5n * fee);
      assert.equal(await token.read.balanceOf([market.address]), 0n);
      assert.equal(await market.read.owed([p]), 0n);
      assert.equal(await market.read.owed([treasury]), 0n);
      assert.equal(await locked(p), 0n);
    });

    it("holds exactly resting escrow + open jobs + owed through a mixed sequence", async () => {
      const bal = () => usdOf(m.market.address);
      await act.bid(b1, 100, 1n); // rests 100
      await act.bid(b2, 80, 2n); // rests 80
      const a = await act.ask(p1, 90, 3); // fills the 100 bid, rests 2 units
      await act.bid(b1, 95, 3n); // fills at 90
      assert.equal(await bal(), (80n + 100n + 90n) * TICK);
      await act.submit(p1, a.jobs[0] ?? 0n, [1n]); // 100 moves to owed (provider + fee)
      assert.equal(await bal(), (80n + 100n + 90n) * TICK);
      for (const w of [p1, m.treasury]) await m.market.write.withdraw([w.account.address], { account: w.account });
      assert.equal(await bal(), (80n + 90n) * TICK);
    });
  });
});
