// Optimistic-tier benchmark: OCR and VAD jobs through one provider node on a local chain, with the real models.
// Bids are placed back to back (input uploaded to the gateway by CID, bid with its commitment); the node fetches,
// runs and commits each; chain time is then moved past the challenge window and the node finalizes them. Writes
// bench/optimistic.json. Run: `node bench/optimistic.ts` (also part of `npm run bench -w test`). Every figure is
// measured here, on this machine, now.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseEventLogs, type Hex } from "viem";
import { optimisticSettlementAbi, spotMarketAbi } from "@sovra/contracts";
import { createInputStore, encodeCidInputRef, startGateway, uploadInput } from "@sovra/workers";
import { renderTextPng, speechAudio, speechClip } from "../../workers/test/optimistic-fixtures.ts";
import { approveMarket } from "../support/jobs.ts";
import {
  modelsDir,
  nodeReady,
  placeAsk,
  registerProvider,
  startNode,
  startSystem,
  testClient,
  until,
  wallet,
} from "../support/system.ts";

const JOBS = Number(process.env.SOVRA_BENCH_OPTIMISTIC_JOBS ?? 10);
const here = path.dirname(fileURLToPath(import.meta.url));
const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
};
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

const texts = [
  "Invoice 1042 total 318 EUR",
  "Sovra reads this page",
  "Deliver to Platform 9",
  "Meeting moved to Thursday",
  "Batch 77 passed inspection",
];

function inputFor(model: "ocr" | "vad", i: number): { bytes: Uint8Array; mediaType: "image/png" | "audio/wav" } {
  if (model === "ocr") return { bytes: renderTextPng([`${texts[i % texts.length]} ${i}`]), mediaType: "image/png" };
  const clip = speechClip(i % 2 === 0 ? "front-center" : "rear-right");
  return { bytes: speechAudio([300 + 100 * (i % 5), clip, 500]).wav, mediaType: "audio/wav" };
}

const sys = await startSystem();
const inputsDir = await mkdtemp(path.join(tmpdir(), "sovra-bench-inputs-"));
const gateway = await startGateway({
  dir: modelsDir,
  inputs: {
    store: createInputStore({ dir: inputsDir, maxTotalBytes: 256 * 1024 * 1024 }),
    rateLimit: { capacity: 1000, refillPerSecond: 100 },
  },
});
try {
  await registerProvider(sys, { stake: "2500" });
  await placeAsk(sys, { model: "ocr", price: "0.05", capacity: 100 });
  await placeAsk(sys, { model: "vad", price: "0.05", capacity: 100 });
  const config = await sys.writeConfig({ models: ["ocr", "vad"], name: "bench" });
  const node = startNode({ config, account: sys.provider });
  await nodeReady(node);
  await approveMarket(sys, sys.buyer);
  const buyer = wallet(sys, sys.buyer);
  const results: Record<string, unknown> = {};
  for (const model of ["ocr", "vad"] as const) {
    const entry = sys.deployment.models.find((m) => m.name === model);
    const market = sys.deployment.markets.find((m) => m.model === model);
    if (entry === undefined || market === undefined) throw new Error(`${model} not deployed`);
    const settlement = entry.verifier;
    const info = await sys.client.readContract({
      address: sys.market,
      abi: spotMarketAbi,
      functionName: "marketOf",
      args: [market.marketId],
    });
    const bids: { jobId: bigint; placedAt: number; gas: bigint; committedAt?: number; settledAt?: number }[] = [];
    const from = await sys.client.getBlockNumber({ cacheTime: 0 });
    const started = performance.now();
    for (let i = 0; i < JOBS; i++) {
      const input = inputFor(model, i);
      const uploaded = await uploadInput(gateway.url, input.bytes, input.mediaType);
      const inputRef = encodeCidInputRef({ cid: uploaded.cid, mediaType: input.mediaType, urls: [gateway.url] });
      const now = (await sys.client.getBlock()).timestamp;
      const deadline = now + BigInt(info.params.minJobWindow) + 120n;
      const hash = await buyer.writeContract({
        address: sys.market,
        abi: spotMarketAbi,
        functionName: "placeBid",
        args: [market.marketId, 50, uploaded.inputHash, inputRef as Hex, deadline, false],
      });
      const receipt = await sys.client.waitForTransactionReceipt({ hash });
      const placed = parseEventLogs({ abi: spotMarketAbi, eventName: "BidPlaced", logs: receipt.logs })[0];
      if (placed === undefined) throw new Error("bid not placed");
      bids.push({ jobId: placed.args.orderId, placedAt: performance.now(), gas: receipt.gasUsed });
    }
    const commits = await until(
      async () => {
        const logs = await sys.client.getContractEvents({
          address: settlement,
          abi: optimisticSettlementAbi,
          eventName: "ResultCommitted",
          fromBlock: from,
          strict: true,
        });
        for (const log of logs) {
          const bid = bids.find((b) => b.jobId === log.args.jobId);
          if (bid !== undefined && bid.committedAt === undefined) bid.committedAt = performance.now();
        }
        return logs.length >= JOBS ? logs : undefined;
      },
      600_000,
      `${model} commits`,
    );
    const committedAll = performance.now();
    const lastFinalAt = Math.max(...commits.map((l) => l.args.commitment.finalAt));
    const block = await sys.client.getBlock();
    await testClient(sys).increaseTime({ seconds: Math.max(1, lastFinalAt - Number(block.timestamp) + 1) });
    await testClient(sys).mine({ blocks: 2 });
    const windowOver = performance.now();
    const settled = await until(
      async () => {
        const logs = await sys.client.getContractEvents({
          address: sys.market,
          abi: spotMarketAbi,
          eventName: "JobSettled",
          fromBlock: from,
          strict: true,
        });
        const mine = logs.filter((l) => bids.some((b) => b.jobId === l.args.jobId));
        for (const log of mine) {
          const bid = bids.find((b) => b.jobId === log.args.jobId);
          if (bid !== undefined && bid.settledAt === undefined) bid.settledAt = performance.now();
        }
        return mine.length >= JOBS ? mine : undefined;
      },
      600_000,
      `${model} settlements`,
    );
    const gasOf = async (hash: Hex) => (await sys.client.getTransactionReceipt({ hash })).gasUsed;
    const commitGas = await Promise.all(commits.map((l) => gasOf(l.transactionHash)));
    const finalizeGas = await Promise.all(settled.map((l) => gasOf(l.transactionHash)));
    const audited = await Promise.all(
      commits.map(async (l) => {
        const [, isAudited] = await sys.client.readContract({
          address: settlement,
          abi: optimisticSettlementAbi,
          functionName: "auditDraw",
          args: [l.args.jobId, l.args.commitment],
        });
        return isAudited;
      }),
    );
    const params = await sys.client.readContract({
      address: settlement,
      abi: optimisticSettlementAbi,
      functionName: "paramsAt",
      args: [commits[0]?.args.commitment.epoch ?? 0],
    });
    const mean = (xs: bigint[]) => Number(xs.reduce((a, b) => a + b, 0n)) / xs.length;
    const commitLatencies = bids.map((b) => (b.committedAt ?? Number.NaN) - b.placedAt);
    const afterWindow = bids.map((b) => (b.settledAt ?? Number.NaN) - windowOver);
    results[model] = {
      jobs: JOBS,
      jobsPerMinute: round((JOBS / ((committedAll - started) / 1000)) * 60),
      commitLatencyMsP50: round(quantile(commitLatencies, 0.5), 0),
      commitLatencyMsP95: round(quantile(commitLatencies, 0.95), 0),
      // Commit to final: the governed challenge window (moved past with evm_increaseTime here) plus the time the
      // node takes to see the result final and settle it, measured from the window's end.
      finalLatencyMsP50: round(params.challengeWindow * 1000 + quantile(afterWindow, 0.5), 0),
      finalizeAfterWindowMsP50: round(quantile(afterWindow, 0.5), 0),
      challengeWindowSeconds: params.challengeWindow,
      gasPerJob: Math.round(mean(bids.map((b) => b.gas)) + mean(commitGas) + mean(finalizeGas)),
      gas: {
        placeBid: Math.round(mean(bids.map((b) => b.gas))),
        commit: Math.round(mean(commitGas)),
        finalize: Math.round(mean(finalizeGas)),
      },
      auditRate: round(audited.filter(Boolean).length / JOBS, 3),
      auditBps: params.auditBps,
    };
    console.log(model, JSON.stringify(results[model]));
  }
  const out = {
    measuredAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", device: "cpu" },
    note: "one provider node, jobs bid back to back; jobsPerMinute counts commits (bid to commit); finalLatency adds the challenge window, moved past with evm_increaseTime",
    ...results,
    cheating: null,
  };
  await writeFile(path.join(here, "optimistic.json"), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote ${path.join(here, "optimistic.json")}`);
  await node.stop();
} finally {
  await gateway.close();
  await sys.stop();
  await rm(inputsDir, { recursive: true, force: true });
}
