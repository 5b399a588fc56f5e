// Gas benchmark of the Sovra SpotMarket: `npm run bench -w contracts` (hardhat run bench/gas.ts).
// Prints a table and writes bench/results.json. Figures are receipt gasUsed (intrinsic 21k included), measured on
// Hardhat's simulated chain (cancun). The book is built with automine off and mined in batches.
import { writeFileSync } from "node:fs";
import { network } from "hardhat";
import type { Hex } from "viem";
import {
  DEFAULT_MARKET_PARAMS,
  type MarketDeployment,
  commitProof,
  deployMarket,
  marketActions,
  now,
  sov,
  termsOf,
} from "../test/fixtures/market.ts";

const connection = await network.create();
const params = { ...DEFAULT_MARKET_PARAMS, collateralPerJob: sov("0.01"), maxAskCapacity: 16 };
const m: MarketDeployment = await deployMarket(connection, params, sov("5000"));
const act = marketActions(m);
const { market, publicClient } = m;
const [p1, p2] = m.providers as [MarketDeployment["providers"][number], MarketDeployment["providers"][number]];
const [b1, b2] = m.buyers as [MarketDeployment["buyers"][number], MarketDeployment["buyers"][number]];
const test = connection.provider;

async function gasOf(hash: Hex): Promise<bigint> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`benchmark transaction ${hash} reverted`);
  return receipt.gasUsed;
}

const BEST_TICK = 100;
/** Ask i of the background book: spread over 2,000 ticks above the best, every 10th into one deep FIFO. */
const backgroundTick = (i: number): number => (i % 10 === 0 ? 150 : 200 + ((i * 7_919) % 2_000));

let booked = 0;
async function growBookTo(depth: number): Promise<void> {
  if (booked >= depth) return;
  await test.request({ method: "evm_setAutomine", params: [false] });
  const expiresAt = (await now(m)) + 30n * 86_400n;
  let nonce = await publicClient.getTransactionCount({ address: p2.account.address, blockTag: "pending" });
  const fees = { maxFeePerGas: 10_000_000_000n, maxPriorityFeePerGas: 1n };
  let last: Hex | undefined;
  let inBatch = 0;
  while (booked < depth) {
    last = await market.write.placeAsk([m.marketId, backgroundTick(booked), 1, expiresAt], {
      account: p2.account,
      gas: 400_000n,
      nonce: nonce++,
      ...fees,
    });
    booked++;
    if (++inBatch === 150) {
      await test.request({ method: "evm_mine", params: [] });
      inBatch = 0;
    }
  }
  await test.request({ method: "evm_mine", params: [] });
  await test.request({ method: "evm_setAutomine", params: [true] });
  if (last !== undefined) await gasOf(last);
}

// Warm-up: counters, the market's token balance and the payees' owed balances become non-zero, as on a live market.
await act.bid(b2, 1, 999n); // a resting bid far below the book
{
  await act.ask(p1, BEST_TICK, 1);
  const { jobId } = await act.bid(b1, BEST_TICK, 1n);
  await act.submit(p1, jobId, [1n]);
}

// ---- matching vs depth ---------------------------------------------------------------------------------------
// Each measurement: one capacity-1 ask at BEST_TICK (alone on its level) + `depth - 1` background asks; a bid
// matches it. The background asks stay, so the book only grows.
const matchGasByDepth: Record<string, number> = {};
for (const depth of [1, 100, 1_000, 10_000]) {
  await growBookTo(depth - 1);
  await act.ask(p1, BEST_TICK, 1);
  const r = await act.bid(b1, BEST_TICK + 50, 2n);
  if (r.jobId === 0n) throw new Error("benchmark bid did not match");
  matchGasByDepth[String(depth)] = Number(r.receipt.gasUsed);
  console.log(`depth ${depth}: matching bid ${r.receipt.gasUsed} gas`);
}

// ---- one job's life, step by step ----------------------------------------------------------------------------
const steps: Record<string, number> = {};
{
  const a = await act.ask(p1, BEST_TICK, 2);
  steps["placeAsk (new level, rests)"] = Number(a.receipt.gasUsed);
  const a2 = await act.ask(p1, BEST_TICK, 1);
  steps["placeAsk (existing level, rests)"] = Number(a2.receipt.gasUsed);

  const bid = await act.bid(b1, BEST_TICK, 3n);
  const output = [123n];
  const terms = await termsOf(m, bid.jobId);
  const submit = await market.write.submitResult([bid.jobId, terms, output, commitProof(terms.inputHash, output)], {
    account: p1.account,
  });
  const submitGas = await gasOf(submit);
  steps["placeBid (matches)"] = Number(bid.receipt.gasUsed);
  steps["submitResult (settles, no callback)"] = Number(submitGas);
  const lifecycleGas = Number(bid.receipt.gasUsed + submitGas);

  const resting = await act.bid(b1, 50, 4n);
  steps["placeBid (rests)"] = Number(resting.receipt.gasUsed);
  steps["cancelOrder (bid)"] = Number(
    await gasOf(await market.write.cancelOrder([resting.orderId], { account: b1.account })),
  );
  steps["cancelOrder (ask)"] = Number(
    await gasOf(await market.write.cancelOrder([a2.orderId], { account: p1.account })),
  );

  await act.ask(p1, BEST_TICK, 2);
  const toDecline = await act.bid(b1, BEST_TICK, 9n);
  const declineTerms = await termsOf(m, toDecline.jobId);
  steps["decline (provider refuses an unprovable input: refund, no slash)"] = Number(
    await gasOf(await market.write.decline([toDecline.jobId, declineTerms], { account: p1.account })),
  );
  const toExpire = await act.bid(b1, BEST_TICK, 5n);
  const expireTerms = await termsOf(m, toExpire.jobId);
  await connection.networkHelpers.time.increaseTo(expireTerms.deadline + 1n);
  steps["expire (refund + slash to the treasury)"] = Number(
    await gasOf(await market.write.expire([toExpire.jobId, expireTerms], { account: m.stranger.account })),
  );
  // The provider's withdraw pays its earnings, releases the collateral of every job settled since the last one and
  // moves their pending fees to the treasury.
  steps["withdraw (provider: payment + collateral release + fee flush)"] = Number(
    await gasOf(await market.write.withdraw([p1.account.address], { account: p1.account })),
  );
  steps["withdraw (buyer refund only)"] = Number(
    await gasOf(await market.write.withdraw([b1.account.address], { account: b1.account })),
  );

  // A provider that is owed nothing yet pays a fresh storage slot on its first settlement.
  await act.ask(p1, BEST_TICK, 2);
  const cold = await act.bid(b1, BEST_TICK, 6n);
  const coldTerms = await termsOf(m, cold.jobId);
  const coldSubmit = await gasOf(
    await market.write.submitResult([cold.jobId, coldTerms, output, commitProof(coldTerms.inputHash, output)], {
      account: p1.account,
    }),
  );
  steps["submitResult (provider owed nothing before)"] = Number(coldSubmit);
  const again = await act.bid(b1, BEST_TICK, 7n);
  await act.submit(p1, again.jobId, output);
  steps["releaseCollateral (2 settled jobs, + fee flush)"] = Number(
    await gasOf(await market.write.releaseCollateral({ account: p1.account })),
  );
  await act.ask(p1, BEST_TICK, 1);
  const third = await act.bid(b1, BEST_TICK, 8n);
  await act.submit(p1, third.jobId, output);
  steps["flushFees (anyone, 1 settled job's fee)"] = Number(
    await gasOf(await market.write.flushFees([p1.account.address], { account: m.stranger.account })),
  );

  const d1 = matchGasByDepth["1"] ?? 0;
  const d10k = matchGasByDepth["10000"] ?? 0;
  const results = {
    chain:
      "Hardhat 3 edr-simulated (cancun), solc 0.8.34, optimizer 10,000 runs (SpotMarket: 1,000, see hardhat.config.ts)",
    gasUnit: "receipt gasUsed (includes the 21,000 intrinsic gas of each transaction)",
    matchGasByDepth,
    depth10000VsDepth1: d1 === 0 ? null : (d10k - d1) / d1,
    lifecycleGas,
    lifecycleGasNote:
      "placeBid that matches + submitResult that settles it (HashCommitVerifier, no callback, provider already owed); " +
      "the collateral release and the move of pending fees to the treasury are paid once per withdraw / " +
      "releaseCollateral / flushFees, for all jobs settled since",
    steps,
  };
  writeFileSync(new URL("./results.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  console.table(
    Object.entries({
      ...Object.fromEntries(Object.entries(matchGasByDepth).map(([k, v]) => [`match @ depth ${k}`, v])),
      ...steps,
      lifecycle: lifecycleGas,
    }).map(([what, gas]) => ({ what, gas })),
  );
  console.log(`depth 10000 vs depth 1: ${((results.depth10000VsDepth1 ?? 0) * 100).toFixed(2)}%`);
}
