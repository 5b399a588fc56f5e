// `npm run bench:tabular -w circuits`: the tabular 4-8-3 MLP (src/train/tabular.ts) through the sovra-model
// command line as a user runs it: compile (circom + Groth16 setup on the dev ptau), eval on the 300 held-out rows,
// prove (a fresh process: cold), verify; then warm proofs in one process (median of 20). -> bench/tabular.json
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { quantizeValues } from "../src/compiler/input-quant.ts";
import { inputQuantOf } from "../src/compiler/ir.ts";
import { modelManifestSchema } from "../src/prover/manifest.ts";
import { PACKAGE_ROOT } from "../src/prover/paths.ts";
import { close, loadModelDir, prove, verify } from "../src/prover/prover.ts";
import { TABULAR_FEATURES, tabularModel } from "../src/train/tabular.ts";

const dir = join(PACKAGE_ROOT, ".tmp-test", `bench-tabular-${process.pid}`);
const at = (...p: string[]) => join(dir, ...p);
mkdirSync(dir, { recursive: true });
const tab = tabularModel();
writeFileSync(at("tabular.onnx"), tab.onnx);
writeFileSync(at("calib.json"), JSON.stringify({ inputs: tab.train.inputs, features: TABULAR_FEATURES }));
writeFileSync(at("data.json"), JSON.stringify(tab.heldOut));
writeFileSync(at("input.json"), JSON.stringify({ input: tab.heldOut.inputs[0] }));

/** Runs the bin; returns stdout and the wall time in ms. */
function cli(...args: string[]): { stdout: string; ms: number } {
  const t = performance.now();
  const r = spawnSync(process.execPath, [join(PACKAGE_ROOT, "bin", "sovra-model.js"), ...args], {
    cwd: dir,
    encoding: "utf8",
  });
  const ms = Math.round(performance.now() - t);
  if (r.status !== 0) throw new Error(`sovra-model ${args[0]} failed: ${r.stderr.trim().split("\n").at(-1)}`);
  return { stdout: r.stdout, ms };
}

try {
  const compile = cli("compile", "tabular.onnx", "--calibration", "calib.json", "--out", "model", "--force");
  const build = JSON.parse(readFileSync(at("model", "build.json"), "utf8")) as { timesMs: Record<string, number> };
  const manifest = modelManifestSchema.parse(JSON.parse(readFileSync(at("model", "manifest.json"), "utf8")));
  const evaluation = JSON.parse(cli("eval", "model", "--data", "data.json").stdout) as {
    float: { accuracy: number };
    quantized: { accuracy: number };
    agreement: number;
  };
  const cold = cli("prove", "model", "--input", "input.json", "--out", "proof");
  const verified = cli("verify", "model", "proof");

  const m = await loadModelDir(at("model"));
  const q = inputQuantOf(m.intModel);
  const inputs = tab.heldOut.inputs.map((x) => quantizeValues(x, q).values);
  await prove(m, inputs[0]!); // warm-up: builds the curve and its worker threads
  const times: number[] = [];
  let last: Awaited<ReturnType<typeof prove>> | undefined;
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    last = await prove(m, inputs[1 + i]!);
    times.push(performance.now() - t);
  }
  if (!last || !(await verify(m, { inputHash: last.inputHash, output: last.output, proof: last.proof }))) {
    throw new Error("warm proof does not verify");
  }
  times.sort((a, b) => a - b);
  const result = {
    model: "tabular 4-8-3 MLP (Gemm/Relu/Gemm, opset 13), 4 standardized features, 3 classes",
    input: `${q.signed ? "int" : "uint"}${q.bits}, scale ${q.scale}, zero point ${q.zeroPoint}`,
    constraints: manifest.circuit.constraints,
    compileWallMs: compile.ms,
    circomMs: build.timesMs.circomMs,
    setupMs: build.timesMs.setupMs,
    proveColdCliMs: cold.ms,
    verifyCliMs: verified.ms,
    proveWarmMsMedian: Math.round((times[9]! + times[10]!) / 2),
    proveWarmMsMin: Math.round(times[0]!),
    heldOut: tab.heldOut.inputs.length,
    accuracyFloat: evaluation.float.accuracy,
    accuracyQuantized: evaluation.quantized.accuracy,
    agreement: evaluation.agreement,
    loadAvg: Math.round(loadavg()[0]! * 100) / 100,
  };
  mkdirSync(join(PACKAGE_ROOT, "bench"), { recursive: true });
  writeFileSync(join(PACKAGE_ROOT, "bench", "tabular.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log(result);
} finally {
  await close();
  rmSync(dir, { recursive: true, force: true });
}
