// `npm run bench -w circuits [-- model ...]`: per model constraints, compile/setup time, warm proof time (median of
// 20), peak RSS, proof size, on-chain verify gas (in-process Hardhat chain), float/quantized accuracy (classifiers)
// or mean absolute error (regressors). The MNIST models run on the held-out digits; the tabular ones (models with a
// sources/<name>/ folder: penguins, mpg) on their held-out rows. Each model runs in its own process so that peak RSS
// is its own. Naming models measures only those and keeps the other rows of bench/results.json.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cpus, loadavg } from "node:os";
import { compileOnnx, inputQuantOf, quantizeValues } from "../src/compiler/index.ts";
import { argmax, evaluate } from "../src/compiler/reference.ts";
import { evaluateModel } from "../src/model/evaluate.ts";
import { parseCalibration, parseDataSet } from "../src/model/files.ts";
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
  /** held-out rows (digits) behind the figures below */
  heldOut: number;
  /** classifiers */
  accuracyFloat?: number;
  accuracyQuantized?: number;
  /** regressors, in the model's output unit */
  meanAbsErrorFloat?: number;
  meanAbsErrorQuantized?: number;
  /** 1-minute load average when the proofs were timed (the machine is shared) */
  loadAvg: number;
  /** process CPU time (all threads) per proof: what the proof costs independent of other load */
  proveCpuMsPerProof: number;
  /** when this row was measured (a run naming models keeps the other rows as they were) */
  date?: string;
}

/** What a model is measured on: 21 integer inputs to prove (a warm-up, then 20), and its held-out figures. */
interface Workload {
  proofInputs: ArrayLike<number>[];
  modelCompileMs: number;
  quality: Pick<Row, "heldOut" | "accuracyFloat" | "accuracyQuantized" | "meanAbsErrorFloat" | "meanAbsErrorQuantized">;
}

const sourceDir = (name: string): string => join(PACKAGE_ROOT, "sources", name);

/** The MNIST models: every 8th training digit calibrates, the 2,000 held-out digits score. */
function mnistWorkload(name: string, floatAccuracy: number): Workload {
  const { train, heldOut } = loadDigits();
  const calibration = mnistCalibration(train);
  const t = performance.now();
  const c = compileOnnx(new Uint8Array(readFileSync(join(modelDir(name), "float.onnx"))), { name, calibration });
  const modelCompileMs = performance.now() - t;
  let ok = 0;
  for (const s of heldOut) if (argmax(evaluate(c.model, s.pixels)) === s.label) ok++;
  return {
    proofInputs: [heldOut[0]!.pixels, ...Array.from({ length: 20 }, (_, i) => heldOut[1 + i * 50]!.pixels)],
    modelCompileMs,
    quality: { heldOut: heldOut.length, accuracyFloat: floatAccuracy, accuracyQuantized: ok / heldOut.length },
  };
}

/** A model onboarded from sources/<name>/ (scripts/train-tabular.ts): recompiled from its float model + calib.json. */
async function tabularWorkload(name: string): Promise<Workload> {
  const src = sourceDir(name);
  const onnx = new Uint8Array(readFileSync(join(src, "float.onnx")));
  const calib = parseCalibration(JSON.parse(readFileSync(join(src, "calib.json"), "utf8")), "calib.json");
  const t = performance.now();
  const c = compileOnnx(onnx, { name, calibration: calib.inputs as number[][], featureNames: calib.features });
  const modelCompileMs = performance.now() - t;
  const n = c.model.input.shape.reduce((a, b) => a * b, 1);
  const outputs = c.model.output.shape.reduce((a, b) => a * b, 1);
  const data = parseDataSet(JSON.parse(readFileSync(join(src, "data.json"), "utf8")), "data.json", n, outputs);
  const e = await evaluateModel(onnx, c.model, data);
  const q = inputQuantOf(c.model);
  return {
    proofInputs: data.inputs.slice(0, 21).map((x) => quantizeValues(x, q).values),
    modelCompileMs,
    quality:
      "agreement" in e
        ? { heldOut: e.rows, accuracyFloat: e.float.accuracy, accuracyQuantized: e.quantized.accuracy }
        : { heldOut: e.rows, meanAbsErrorFloat: e.float.meanAbsError, meanAbsErrorQuantized: e.quantized.meanAbsError },
  };
}

async function benchOne(name: string): Promise<Row> {
  const dir = modelDir(name);
  const build = JSON.parse(readFileSync(join(dir, "build.json"), "utf8")) as {
    timesMs: { circomMs: number; setupMs: number };
  };
  const m = await loadModel(name);
  const w = existsSync(sourceDir(name))
    ? await tabularWorkload(name)
    : mnistWorkload(name, manifestSchema.parse(m.manifest).accuracy.float); // the MNIST manifests publish it
  await prove(m, w.proofInputs[0]!); // warm-up: builds the curve and its worker threads
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  let last: Awaited<ReturnType<typeof prove>> | undefined;
  let t = 0;
  for (let i = 0; i < 20; i++) {
    t = performance.now();
    last = await prove(m, w.proofInputs[1 + i]!);
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
    compileMs: Math.round(w.modelCompileMs + build.timesMs.circomMs),
    circomMs: build.timesMs.circomMs,
    setupMs: build.timesMs.setupMs,
    proveMsMedian: Math.round((times[9]! + times[10]!) / 2),
    proveMsMin: Math.round(times[0]!),
    peakRssMb: Math.round(peakRssMb),
    proofBytes: (last.calldata.length - 2) / 2,
    verifyGas: gas.txGas,
    verifyGasExecution: gas.callGas,
    ...w.quality,
    loadAvg,
    proveCpuMsPerProof: Math.round((cpu.user + cpu.system) / 1000 / 20),
    date: new Date().toISOString(),
  };
}

const self = fileURLToPath(import.meta.url);
const one = process.argv.indexOf("--one");
if (one >= 0) {
  const row = await benchOne(process.argv[one + 1]!);
  process.stdout.write(`\nROW ${JSON.stringify(row)}\n`);
  process.exit(0);
}
const ALL = ["mlp", "cnn", "penguins", "mpg", "digits_cnn"];
const selected = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const unknown = selected.find((n) => !ALL.includes(n));
if (unknown !== undefined) {
  console.error(`bench: '${unknown}' is not a shipped model (${ALL.join(", ")})`);
  process.exit(1);
}
const resultsPath = join(PACKAGE_ROOT, "bench", "results.json");
const previous =
  selected.length > 0 && existsSync(resultsPath)
    ? (JSON.parse(readFileSync(resultsPath, "utf8")) as { models: Record<string, Row> }).models
    : {};
const rows: Row[] = [];
for (const name of selected.length > 0 ? selected : ALL) {
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
    accuracy:
      "mlp, cnn: held-out 2,000 digits (last 200 of each class); penguins: 68 held-out rows (every 5th complete row of vega-datasets penguins.json); quantized = the integer model on the quantized inputs",
    meanAbsError: "mpg: miles per gallon, 78 held-out rows (every 5th complete row of vega-datasets cars.json)",
  },
  models: Object.fromEntries(
    ALL.map((n) => rows.find((r) => r.model === n) ?? previous[n]).flatMap((r) => (r ? [[r.model, r]] : [])),
  ),
  anchor,
};
mkdirSync(join(PACKAGE_ROOT, "bench"), { recursive: true });
writeFileSync(resultsPath, `${JSON.stringify(result, null, 2)}\n`);
const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
/** float and quantized held-out figure: accuracy, or mean absolute error */
const quality = (r: Row): [string, string] =>
  r.accuracyFloat !== undefined && r.accuracyQuantized !== undefined
    ? [pct(r.accuracyFloat), pct(r.accuracyQuantized)]
    : [`MAE ${r.meanAbsErrorFloat?.toFixed(3)}`, `MAE ${r.meanAbsErrorQuantized?.toFixed(3)}`];
console.log(
  "\n| model | constraints | compile ms | setup ms | prove ms (median of 20, warm) | CPU ms/proof | load avg | peak RSS MB | proof bytes | verify gas (tx) | float | quantized |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) {
  const [f, q] = quality(r);
  console.log(
    `| ${r.model} | ${r.constraints} | ${r.compileMs} | ${r.setupMs} | ${r.proveMsMedian} | ${r.proveCpuMsPerProof} | ${r.loadAvg} | ${r.peakRssMb} | ${r.proofBytes} | ${r.verifyGas} | ${f} | ${q} |`,
  );
}
console.log(
  `| ${anchor.model} | ${anchor.constraints} | | | ${anchor.proveMsMedian} | | | ${anchor.peakRssMb} | | | | |`,
);
console.log(`\nwrote bench/results.json (${result.machine})`);
