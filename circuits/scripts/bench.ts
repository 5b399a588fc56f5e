// `npm run bench -w circuits`: per model constraints, compile/setup time, warm proof time (median of 20),
// peak RSS, proof size, on-chain verify gas (in-process Hardhat chain), float/quantized accuracy.
// Each model runs in its own process so that peak RSS is its own.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cpus, loadavg } from "node:os";
import { compileOnnx } from "../src/compiler/index.ts";
import { argmax, evaluate } from "../src/compiler/reference.ts";
import { close, loadModel, prove, verify } from "../src/prover/prover.ts";
import { manifestSchema } from "../src/prover/manifest.ts";
import { modelDir, PACKAGE_ROOT } from "../src/prover/paths.ts";
import { mnistCalibration } from "../src/train/calibration.ts";
import { loadDigits } from "../src/train/data.ts";
import { measureVerifyGas } from "./gas.ts";

interface Row {
  model: string;
  constraints: number;
  compileMs: number;
  circomMs: number;
  setupMs: number;
  proveMsMedian: number;
  proveMsMin: number;
  peakRssMb: number;
  proofBytes: number;
  verifyGas: number;
  verifyGasExecution: number;
  accuracyFloat: number;
  accuracyQuantized: number;
  /** 1-minute load average when the proofs were timed (the machine is shared) */
  loadAvg: number;
  /** process CPU time (all threads) per proof: what the proof costs independent of other load */
  proveCpuMsPerProof: number;
}

async function benchOne(name: string): Promise<Row> {
  const dir = modelDir(name);
  const { train, heldOut } = loadDigits();
  const calibration = mnistCalibration(train);
  const build = JSON.parse(readFileSync(join(dir, "build.json"), "utf8")) as {
    timesMs: { circomMs: number; setupMs: number };
  };
  let t = performance.now();
  const c = compileOnnx(new Uint8Array(readFileSync(join(dir, "float.onnx"))), { name, calibration });
  const modelCompileMs = performance.now() - t;
  let ok = 0;
  for (const s of heldOut) if (argmax(evaluate(c.model, s.pixels)) === s.label) ok++;

  const m = await loadModel(name);
  await prove(m, heldOut[0]!.pixels); // warm-up: builds the curve and its worker threads
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  let last: Awaited<ReturnType<typeof prove>> | undefined;
  for (let i = 0; i < 20; i++) {
    t = performance.now();
    last = await prove(m, heldOut[1 + i * 50]!.pixels);
    times.push(performance.now() - t);
  }
  if (!last || !(await verify(m, { inputHash: last.inputHash, output: last.output, proof: last.proof })))
    throw new Error("proof does not verify");
  const cpu = process.cpuUsage(cpu0);
  const loadAvg = Math.round(loadavg()[0]! * 100) / 100;
  times.sort((a, b) => a - b);
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  await close();
  const gas = await measureVerifyGas(m.manifest.verifier.contract, {
    inputHash: last.inputHash,
    output: last.packedOutput,
    calldata: last.calldata,
  });
  return {
    model: name,
    constraints: m.manifest.circuit.constraints,
    compileMs: Math.round(modelCompileMs + build.timesMs.circomMs),
    circomMs: build.timesMs.circomMs,
    setupMs: build.timesMs.setupMs,
    proveMsMedian: Math.round((times[9]! + times[10]!) / 2),
    proveMsMin: Math.round(times[0]!),
    peakRssMb: Math.round(peakRssMb),
    proofBytes: (last.calldata.length - 2) / 2,
    verifyGas: gas.txGas,
    verifyGasExecution: gas.callGas,
    accuracyFloat: manifestSchema.parse(m.manifest).accuracy.float, // the MNIST manifests publish it
    accuracyQuantized: ok / heldOut.length,
    loadAvg,
    proveCpuMsPerProof: Math.round((cpu.user + cpu.system) / 1000 / 20),
  };
}

const self = fileURLToPath(import.meta.url);
const one = process.argv.indexOf("--one");
if (one >= 0) {
  const row = await benchOne(process.argv[one + 1]!);
  process.stdout.write(`\nROW ${JSON.stringify(row)}\n`);
  process.exit(0);
}
const rows: Row[] = [];
for (const name of ["mlp", "cnn"]) {
  const out = execFileSync(process.execPath, [self, "--one", name], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = out.split("\n").find((l) => l.startsWith("ROW "));
  if (!line) throw new Error(`bench of ${name} printed no result`);
  rows.push(JSON.parse(line.slice(4)) as Row);
}
const anchor = {
  model: "circomlib-ml MLP 784-56-10 (anchor, published)",
  constraints: 73_416,
  proveMsMedian: 2_350,
  peakRssMb: 2_300,
  note: "weights and input not bound; rebuilt on a machine like ours: 6.8 s warm, 0.59 GB (DESIGN.md)",
};
const result = {
  machine: `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, node ${process.version}`,
  date: new Date().toISOString(),
  notes: {
    compileMs: "model compiler (measured now) + circom2 --O2 (recorded by scripts/build.ts)",
    setupMs: "Groth16 setup + zkey beacon on the dev ptau (recorded by scripts/build.ts)",
    proveMsMedian: "warm: curve, zkey and witness calculator loaded once; witness + proof; median of 20",
    verifyGas:
      "gasUsed of a transaction calling <Model>InferenceVerifier.verifyInference on an in-process Hardhat (EDR) chain, solc 0.8.34, 10,000 runs; verifyGasExecution = minus the 21,000 base",
    accuracy: "held-out 2,000 digits (last 200 of each class)",
  },
  models: Object.fromEntries(rows.map((r) => [r.model, r])),
  anchor,
};
mkdirSync(join(PACKAGE_ROOT, "bench"), { recursive: true });
writeFileSync(join(PACKAGE_ROOT, "bench", "results.json"), `${JSON.stringify(result, null, 2)}\n`);
const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
console.log(
  "\n| model | constraints | compile ms | setup ms | prove ms (median of 20, warm) | CPU ms/proof | load avg | peak RSS MB | proof bytes | verify gas (tx) | float acc | quantized acc |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) {
  console.log(
    `| ${r.model} | ${r.constraints} | ${r.compileMs} | ${r.setupMs} | ${r.proveMsMedian} | ${r.proveCpuMsPerProof} | ${r.loadAvg} | ${r.peakRssMb} | ${r.proofBytes} | ${r.verifyGas} | ${pct(r.accuracyFloat)} | ${pct(r.accuracyQuantized)} |`,
  );
}
console.log(
  `| ${anchor.model} | ${anchor.constraints} | | | ${anchor.proveMsMedian} | | | ${anchor.peakRssMb} | | | | |`,
);
console.log(`\nwrote bench/results.json (${result.machine})`);
