// Builds the Sovra MNIST models from models/<m>/float.onnx through the same code path as `sovra-model compile`
// (src/model/compile-dir.ts): calibration = every 8th training digit, held-out = the 2,000 held-out digits, the
// Solidity verifiers into contracts/contracts/verifiers/; then one real proof per model for the contracts' tests
// (fixtures/<m>-proof.json).
// Usage: node scripts/build.ts [mlp|cnn ...] [--ptau <file>] [--force]   (default: the DEV ptau, NOT a trusted setup)
// Your own model: npx sovra-model compile MODEL.onnx --calibration CALIB.json --out DIR (README, "Bring your own model").
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileModelDir } from "../src/model/compile-dir.ts";
import { DEV_PTAU } from "../src/model/paths.ts";
import { lines } from "../src/model/progress.ts";
import { close, loadModel, prove, verify } from "../src/prover/prover.ts";
import { modelDir, PACKAGE_ROOT, VERIFIERS_DIR } from "../src/prover/paths.ts";
import { mnistCalibration, pixelsToUnit } from "../src/train/calibration.ts";
import { loadDigits } from "../src/train/data.ts";
import { MODEL_NAMES } from "../src/train/models.ts";

const argv = process.argv.slice(2);
const ptauIdx = argv.indexOf("--ptau");
const ptau = ptauIdx >= 0 ? argv[ptauIdx + 1] : DEV_PTAU;
const names = argv.filter((a, i) => !a.startsWith("--") && (ptauIdx < 0 || i !== ptauIdx + 1));
const unknown = names.filter((n) => !(MODEL_NAMES as readonly string[]).includes(n));
if (ptau === undefined || unknown.length > 0) {
  console.error(
    ptau === undefined
      ? "build: --ptau needs a file"
      : `build: '${unknown[0]}' is not a built-in model (${MODEL_NAMES.join(", ")}); for your own model: ` +
          "npx sovra-model compile MODEL.onnx --calibration CALIB.json --out DIR",
  );
  process.exit(1);
}
const selected = names.length ? names : [...MODEL_NAMES];
const { train, heldOut } = loadDigits();
const DIGITS = Array.from({ length: 10 }, (_, d) => String(d));

async function buildOne(name: string): Promise<void> {
  const dir = modelDir(name);
  await compileModelDir({
    onnx: new Uint8Array(readFileSync(join(dir, "float.onnx"))),
    name,
    calibration: mnistCalibration(train),
    meta: { image: { height: 28, width: 28, channels: 1 }, outputNames: DIGITS, task: "classify" },
    out: dir,
    ptau,
    data: {
      kind: "classifier",
      inputs: heldOut.map((s) => pixelsToUnit(s.pixels)),
      labels: heldOut.map((s) => s.label),
    },
    solidity: { dir: VERIFIERS_DIR, ref: "contracts/contracts/verifiers/" },
    force: argv.includes("--force"),
    reporter: lines((l) => console.log(`[${name}] ${l}`)),
  });

  // One real proof per model for the contracts' end-to-end test.
  const m = await loadModel(name);
  const sample = heldOut[0]!;
  const r = await prove(m, sample.pixels);
  if (!(await verify(m, { inputHash: r.inputHash, output: r.output, proof: r.proof }))) {
    throw new Error(`[${name}] fixture proof does not verify`);
  }
  mkdirSync(join(PACKAGE_ROOT, "fixtures"), { recursive: true });
  const fixture = {
    model: name,
    modelId: m.manifest.modelId,
    weightsCid: m.manifest.weightsCid,
    verifierContract: m.manifest.verifier.contract,
    label: sample.label,
    input: Array.from(sample.pixels),
    inputHash: r.inputHash.toString(),
    inputHashHex: `0x${r.inputHash.toString(16).padStart(64, "0")}`,
    output: r.output,
    packedOutput: r.packedOutput.map(String),
    publicSignals: r.publicSignals,
    proof: r.proof,
    calldata: r.calldata,
  };
  writeFileSync(join(PACKAGE_ROOT, "fixtures", `${name}-proof.json`), `${JSON.stringify(fixture, null, 1)}\n`);
  console.log(`[${name}] done: ${m.manifest.weightsCid}`);
}

try {
  for (const name of selected) await buildOne(name);
} catch (e) {
  console.error(`build: ${(e as Error).message.split("\n")[0]}`);
  process.exitCode = 1;
} finally {
  await close();
}
