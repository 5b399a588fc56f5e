// Jobs benchmark: 100 MNIST jobs through one provider on a local chain, with one worker process and then with
// two (the second runs infer + prove only; one signer submits), plus cold vs warm model start. Writes
// bench/results.json. Run: `npm run bench -w test`. Every figure is measured here, on this machine, now.
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { spotMarketAbi } from "@sovra/contracts";
import { heldOutDigits } from "../support/digits.ts";
import { approveMarket, placeBid } from "../support/jobs.ts";
import {
  nodeReady,
  placeAsk,
  registerProvider,
  sleep,
  startNode,
  startSystem,
  type NodeProcess,
  type System,
} from "../support/system.ts";

const JOBS = Number(process.env.SOVRA_BENCH_JOBS ?? 100);
const here = path.dirname(fileURLToPath(import.meta.url));

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
};
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

type Round = {
  workers: number;
  jobs: number;
  settled: number;
  wallSeconds: number;
  jobsPerMinute: number;
  latencyMsP50: number;
  latencyMsP95: number;
  proofSecondsMedian: number;
  inferenceMsMedian: number;
  provingShare: number;
  submitGasMedian: number;
};

/** Bids `JOBS` digits as fast as the chain takes them and times each from its bid to its JobSettled. */
async function runRound(sys: System, nodes: NodeProcess[], workers: number): Promise<Round> {
  const digits = heldOutDigits(JOBS);
  const startBlock = await sys.client.getBlockNumber();
  const sentAt = new Map<bigint, number>();
  const settledAt = new Map<bigint, number>();
  const gas: number[] = [];
  let polling = true;
  let from = startBlock;
  const poller = (async () => {
    while (polling) {
      const head = await sys.client.getBlockNumber();
      if (head >= from) {
        const logs = await sys.client.getContractEvents({
          address: sys.market,
          abi: spotMarketAbi,
          eventName: "JobSettled",
          fromBlock: from,
          toBlock: head,
          strict: true,
        });
        const now = performance.now();
        for (const log of logs) if (!settledAt.has(log.args.jobId)) settledAt.set(log.args.jobId, now);
        from = head + 1n;
      }
      await sleep(100);
    }
  })();
  const started = performance.now();
  for (const digit of digits) {
    const t = performance.now();
    const bid = await placeBid(sys, { pixels: digit.pixels, deadlineIn: 3_600n });
    if (!bid.matched) throw new Error(`bid ${bid.jobId} did not match`);
    sentAt.set(bid.jobId, t);
  }
  const deadline = Date.now() + 30 * 60_000;
  while ([...sentAt.keys()].some((id) => !settledAt.has(id)) && Date.now() < deadline) await sleep(250);
  polling = false;
  await poller;
  const ids = [...sentAt.keys()].filter((id) => settledAt.has(id));
  const latencies = ids.map((id) => (settledAt.get(id) as number) - (sentAt.get(id) as number));
  const last = Math.max(...ids.map((id) => settledAt.get(id) as number));
  const wallSeconds = (last - started) / 1000;
  const idSet = new Set(ids.map(String));
  const lines = nodes.flatMap((n) => n.logs).filter((l) => typeof l.jobId === "string" && idSet.has(l.jobId));
  const proofs = lines.filter((l) => l.msg === "proof done").map((l) => Number(l.seconds));
  const inference = lines.filter((l) => l.msg === "inference done").map((l) => Number(l.seconds) * 1000);
  for (const l of lines) if (l.msg === "result submitted") gas.push(Number(l.gasUsed));
  const proofTotal = proofs.reduce((a, b) => a + b, 0);
  return {
    workers,
    jobs: JOBS,
    settled: ids.length,
    wallSeconds: round(wallSeconds),
    jobsPerMinute: round((ids.length / wallSeconds) * 60),
    latencyMsP50: Math.round(quantile(latencies, 0.5)),
    latencyMsP95: Math.round(quantile(latencies, 0.95)),
    proofSecondsMedian: round(quantile(proofs, 0.5), 3),
    inferenceMsMedian: round(quantile(inference, 0.5), 2),
    // Proving time summed over every prover, over the wall time of the round times the number of provers.
    provingShare: round(proofTotal / (wallSeconds * workers), 3),
    submitGasMedian: quantile(gas, 0.5),
  };
}

/** Starts a node and times it from spawn to "provider node running"; reads its model warm-up line. */
async function timedStart(config: string, sys: System, args: string[] = []) {
  const t = performance.now();
  const node = startNode({ config, account: sys.provider, args });
  await nodeReady(node);
  const readyMs = performance.now() - t;
  const ready = node.logs.find((l) => l.msg === "model ready");
  return {
    node,
    readyMs: Math.round(readyMs),
    model:
      ready === undefined
        ? null
        : { start: ready.start, from: ready.from, fetchSeconds: ready.fetchSeconds, loadSeconds: ready.loadSeconds },
  };
}

async function firstProof(sys: System, node: NodeProcess): Promise<number> {
  const [digit] = heldOutDigits(1);
  if (digit === undefined) throw new Error("no digit");
  const bid = await placeBid(sys, { pixels: digit.pixels, deadlineIn: 3_600n });
  const line = await node.waitForLog((l) => l.msg === "proof done" && l.jobId === bid.jobId.toString());
  await node.waitForLog((l) => l.msg === "result submitted" && l.jobId === bid.jobId.toString());
  return Number(line.seconds);
}

async function main(): Promise<void> {
  const sys = await startSystem();
  const running: NodeProcess[] = [];
  try {
    await registerProvider(sys, { stake: "3000" });
    await approveMarket(sys, sys.buyer);
    await placeAsk(sys, { price: "0.05", capacity: 2 * JOBS + 2 });
    const config = await sys.writeConfig({ name: "bench-node" });

    // Cold: empty weight cache (fetched from the gateway, verified), fresh process (curve + zkey load on first proof).
    const cold = await timedStart(config, sys);
    const coldFirstProof = await firstProof(sys, cold.node);
    await cold.node.stop();
    // Warm: the weights are in the cache; a fresh process still builds the prover on its first proof.
    const warm = await timedStart(config, sys);
    const warmFirstProof = await firstProof(sys, warm.node);
    running.push(warm.node);

    process.stderr.write(`one worker process: ${JOBS} jobs...\n`);
    const one = await runRound(sys, [warm.node], 1);
    process.stderr.write(`${JSON.stringify(one)}\n`);

    const second = startNode({
      config: await sys.writeConfig({ name: "bench-node-2" }),
      account: sys.provider,
      args: ["--no-watch", "--stages", "infer,prove"],
    });
    running.push(second);
    await nodeReady(second);
    process.stderr.write(`two worker processes: ${JOBS} jobs...\n`);
    const two = await runRound(sys, [warm.node, second], 2);
    process.stderr.write(`${JSON.stringify(two)}\n`);

    const results = {
      measuredAt: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model.trim(),
        memoryGb: round(os.totalmem() / 1024 ** 3),
        loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)),
      },
      setup:
        "local Hardhat chain (automine), real Redis, real worker processes (`sovra-provider run`), real Groth16 proofs, MNIST MLP, held-out digits; bids placed back to back by one buyer",
      jobs: JOBS,
      jobsPerMinute: one.jobsPerMinute,
      latencyMsP50: one.latencyMsP50,
      latencyMsP95: one.latencyMsP95,
      provingShare: one.provingShare,
      oneWorker: one,
      twoWorkers: two,
      modelStart: {
        cold: { processReadyMs: cold.readyMs, weights: cold.model, firstProofSeconds: coldFirstProof },
        warm: { processReadyMs: warm.readyMs, weights: warm.model, firstProofSeconds: warmFirstProof },
        steadyProofSecondsMedian: one.proofSecondsMedian,
      },
      goal: { jobsPerMinute: 60, met: one.jobsPerMinute >= 60 || two.jobsPerMinute >= 60 },
    };
    await writeFile(path.join(here, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await Promise.all(running.map((n) => n.stop()));
    await sys.stop();
  }
}

await main();
process.exit(0);
