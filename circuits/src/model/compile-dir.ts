// `sovra-model compile`: a float ONNX model + calibration rows -> a model directory with every artifact (integer
// model, exact-integer ONNX, circuit, wasm, zkey, vkey, Solidity verifiers, manifest, hashes). scripts/build.ts
// builds the MNIST models through this same function.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { r1cs as r1csApi, zKey } from "snarkjs";
import { type Compiled, compileOnnx, formatReport } from "../compiler/index.ts";
import type { InputQuantOptions } from "../compiler/input-quant.ts";
import { inputQuantOf } from "../compiler/ir.ts";
import { quantizeValues } from "../compiler/input-quant.ts";
import { evaluate } from "../compiler/reference.ts";
import { weightsCid } from "../io/cid.ts";
import { hashInput, inputDtype } from "../io/input.ts";
import { lanesPerField, packedLength, packOutput } from "../io/pack.ts";
import type { ModelManifest } from "../prover/manifest.ts";
import { PACKAGE_ROOT } from "../prover/paths.ts";
import { modelIdOf } from "../prover/prover.ts";
import { adapterSource, contractBase, renameGroth16Verifier } from "../prover/solidity.ts";
import { compileCircom } from "./circom.ts";
import { type EvalReport, evaluateModel } from "./evaluate.ts";
import { DataError } from "../compiler/errors.ts";
import type { DataSet, ModelMeta } from "./files.ts";
import { DEV_PTAU, GROTH16_SOL_TEMPLATE, MODEL_FILES, sha256, sha256File, ZKEY_BEACON } from "./paths.ts";
import { type Reporter, silent } from "./progress.ts";
import { groth16Setup } from "./setup.ts";

export const MODEL_NAME = /^[a-z][a-z0-9_]*$/;

export interface CompileDirOptions {
  /** the float ONNX model's bytes */
  onnx: Uint8Array;
  /** lowercase letters, digits, '_': the on-chain model id is keccak256 of it */
  name: string;
  /** calibration rows in the float model's own input units (validated here) */
  calibration: unknown;
  /** one name per input value */
  features?: string[];
  /** the rest of what the author says about the io (output names, task, image size): into the manifest */
  meta?: Omit<ModelMeta, "features">;
  /** the model directory to write */
  out: string;
  /** powers-of-tau file (default: the repository's DEV ptau, NOT a trusted setup) */
  ptau?: string;
  /** held-out data: accuracy (or mean abs error) float vs quantized, in the report and the manifest */
  data?: DataSet;
  input?: InputQuantOptions;
  /** where the Solidity verifiers go (default: `out`) and the path the manifest gives for them */
  solidity?: { dir: string; ref: string };
  /** rerun circom even when build/ was made from the same circuit source */
  force?: boolean;
  reporter?: Reporter;
}

export interface CompileDirResult {
  manifest: ModelManifest;
  compiled: Compiled;
  constraints: number;
  evaluation?: EvalReport;
  timesMs: { compileModelMs: number; circomMs: number; setupMs: number };
}

/** Circuit witness = reference output and input hash on a few rows (the extremes of the input range included). */
async function selfCheck(dir: string, c: Compiled, rows: number[][]): Promise<void> {
  const q = inputQuantOf(c.model);
  const wc = await WitnessCalculatorBuilder(new Uint8Array(readFileSync(join(dir, MODEL_FILES.wasm))), {
    sanityCheck: true,
  });
  const n = rows[0]!.length;
  const ints = rows.slice(0, 8).map((r) => quantizeValues(r, q).values);
  const lo = q.signed ? -(2 ** (q.bits - 1)) : 0;
  ints.push(new Array<number>(n).fill(lo), new Array<number>(n).fill(lo + 2 ** q.bits - 1));
  const L = packedLength(
    c.model.output.shape.reduce((a, b) => a * b, 1),
    c.analysis.laneBits,
  );
  for (const x of ints) {
    const w = await wc.calculateWitness({ in: x.map((v) => BigInt(v)) }, true);
    const packed = packOutput(evaluate(c.model, x), c.analysis.laneBits);
    const ok = packed.every((p, f) => w[1 + f] === p) && w[1 + L] === (await hashInput(x, q));
    if (!ok) throw new Error(`internal error: the circuit disagrees with the reference on input [${x}]`);
  }
}

/** The author's output names and image size must fit the model's shapes (one-line errors, before minutes of circom). */
function checkMeta(o: CompileDirOptions, c: Compiled): void {
  const inputs = c.model.input.shape.reduce((a, b) => a * b, 1);
  const outputs = c.model.output.shape.reduce((a, b) => a * b, 1);
  const names = o.meta?.outputNames;
  if (names && names.length !== outputs)
    throw new DataError(`calibration: "outputNames" names ${names.length} values, the model gives ${outputs}`);
  const st = o.meta?.standardize;
  if (st && st.mean.length !== inputs)
    throw new DataError(`calibration: "standardize" has ${st.mean.length} values, the model takes ${inputs}`);
  const img = o.meta?.image;
  if (img && img.height * img.width * img.channels !== inputs)
    throw new DataError(
      `calibration: "image" ${img.channels}x${img.height}x${img.width} is ${img.height * img.width * img.channels} values, the model takes ${inputs}`,
    );
}

export async function compileModelDir(o: CompileDirOptions): Promise<CompileDirResult> {
  const rep = o.reporter ?? silent;
  if (!MODEL_NAME.test(o.name)) {
    throw new Error(`model name '${o.name}' must be lowercase letters, digits and '_', starting with a letter`);
  }
  const ptau = o.ptau ?? DEV_PTAU;
  if (!existsSync(ptau)) throw new Error(`powers of tau ${ptau} not found`);
  const dir = resolve(o.out);
  const bdir = join(dir, "build");
  mkdirSync(bdir, { recursive: true });
  const times = { compileModelMs: 0, circomMs: 0, setupMs: 0 };

  let t = performance.now();
  const c = compileOnnx(o.onnx, {
    name: o.name,
    calibration: o.calibration as number[][],
    input: o.input,
    featureNames: o.features,
  });
  times.compileModelMs = Math.round(performance.now() - t);
  checkMeta(o, c);
  for (const line of formatReport(c.report!)) rep.info(line);
  for (const w of c.warnings) rep.warn(w);
  let evaluation: EvalReport | undefined;
  if (o.data) {
    evaluation = await evaluateModel(o.onnx, c.model, o.data);
    const e = evaluation;
    rep.info(
      "agreement" in e
        ? `held-out accuracy on ${e.rows} rows: float ${pct(e.float.accuracy)}, quantized ${pct(e.quantized.accuracy)} ` +
            `(drop ${((e.float.accuracy - e.quantized.accuracy) * 100).toFixed(2)} points), top-1 agreement ${pct(e.agreement)}`
        : `held-out mean abs error on ${e.rows} rows: float ${e.float.meanAbsError.toPrecision(4)}, quantized ` +
            `${e.quantized.meanAbsError.toPrecision(4)} (float vs quantized ${e.meanAbsDiff.toPrecision(3)})`,
    );
  }

  const modelJson = JSON.stringify(c.model);
  const floatPath = join(dir, MODEL_FILES.floatOnnx);
  if (!existsSync(floatPath) || !Buffer.from(readFileSync(floatPath)).equals(Buffer.from(o.onnx))) {
    writeFileSync(floatPath, o.onnx);
  }
  writeFileSync(join(dir, MODEL_FILES.intModel), modelJson);
  writeFileSync(join(dir, MODEL_FILES.onnx), c.onnx);
  writeFileSync(join(dir, MODEL_FILES.circuit), c.circom);

  // circom takes minutes on the larger circuits: reuse build/ when it was made from this exact source.
  const stamp = join(bdir, "source.json");
  const srcHash = sha256(c.circom);
  const r1csPath = join(bdir, "circuit.r1cs");
  const prev = existsSync(stamp)
    ? (JSON.parse(readFileSync(stamp, "utf8")) as { sha256: string; circomMs: number })
    : undefined;
  if (prev?.sha256 === srcHash && existsSync(r1csPath) && !o.force) {
    times.circomMs = prev.circomMs;
    rep.info(`circom output up to date (${srcHash.slice(0, 12)})`);
  } else {
    t = performance.now();
    await compileCircom(join(dir, MODEL_FILES.circuit), bdir, rep);
    times.circomMs = Math.round(performance.now() - t);
    writeFileSync(stamp, JSON.stringify({ sha256: srcHash, circomMs: times.circomMs }));
  }
  copyFileSync(join(bdir, "circuit_js", "circuit.wasm"), join(dir, MODEL_FILES.wasm));
  const info = await r1csApi.info(r1csPath);
  const rows = (o.calibration as number[][]).map((r) => Array.from(r));
  await selfCheck(dir, c, rows);

  t = performance.now();
  const zkeyPath = join(dir, MODEL_FILES.zkey);
  await groth16Setup(r1csPath, ptau, zkeyPath, `Sovra ${o.name} dev beacon (NOT A TRUSTED SETUP)`, rep);
  times.setupMs = Math.round(performance.now() - t);
  const vkey = await zKey.exportVerificationKey(zkeyPath);
  writeFileSync(join(dir, MODEL_FILES.vkey), `${JSON.stringify(vkey, null, 1)}\n`);

  const base = contractBase(o.name);
  const template = readFileSync(GROTH16_SOL_TEMPLATE, "utf8");
  const groth16Sol = renameGroth16Verifier(await zKey.exportSolidityVerifier(zkeyPath, { groth16: template }), o.name);
  const cid = weightsCid(c.onnx);
  const modelId = modelIdOf(o.name);
  const count = c.model.output.shape.reduce((a, b) => a * b, 1);
  const B = c.analysis.laneBits;
  const sol = o.solidity ?? { dir, ref: "" };
  mkdirSync(sol.dir, { recursive: true });
  const groth16Path = join(sol.dir, `${base}Groth16Verifier.sol`);
  const adapterPath = join(sol.dir, `${base}InferenceVerifier.sol`);
  writeFileSync(groth16Path, groth16Sol);
  writeFileSync(
    adapterPath,
    adapterSource({ name: o.name, modelId, weightsCid: cid, packedLength: packedLength(count, B), laneBits: B, count }),
  );

  const q = inputQuantOf(c.model);
  const isDev = resolve(ptau) === DEV_PTAU;
  const manifest: ModelManifest = {
    format: "sovra-model-manifest/1",
    name: o.name,
    modelId,
    weightsCid: cid,
    files: { ...MODEL_FILES },
    io: {
      input: {
        shape: c.model.input.shape,
        dtype: inputDtype(q),
        bits: q.bits,
        signed: q.signed,
        scale: q.scale,
        zeroPoint: q.zeroPoint,
        ...(o.features ? { features: o.features } : {}),
        ...(o.meta?.image ? { image: o.meta.image } : {}),
        ...(o.meta?.standardize ? { standardize: o.meta.standardize } : {}),
        hash: "poseidon(n_bytes, 31-byte LE field elements, chunks of 15)",
      },
      output: {
        shape: c.model.output.shape,
        count,
        scale: c.model.output.scale,
        min: c.analysis.outputLo,
        max: c.analysis.outputHi,
        laneBits: B,
        lanesPerField: lanesPerField(B),
        packedLength: packedLength(count, B),
        ...(c.model.output.softmax ? { softmax: true } : {}),
        task: o.meta?.task ?? (o.data?.kind === "regressor" ? "regress" : "classify"),
        ...(o.meta?.outputNames ? { labels: o.meta.outputNames } : {}),
      },
    },
    circuit: {
      constraints: info.nConstraints,
      publicSignals: info.nOutputs + info.nPubInputs,
      provingSystem: "groth16",
      ptau: isDev ? "ptau/dev-14.ptau" : resolve(ptau),
      trustedSetup: isDev
        ? "DEV ONLY: dev ptau and zkey beacon are public; NOT a trusted setup"
        : "ceremony ptau + public zkey beacon (add phase-2 contributions for production)",
    },
    verifier: {
      contract: `${base}InferenceVerifier`,
      groth16Contract: `${base}Groth16Verifier`,
      source: `${sol.ref}${base}InferenceVerifier.sol`,
    },
  };
  if (evaluation && "agreement" in evaluation) {
    manifest.accuracy = {
      heldOut: evaluation.rows,
      float: evaluation.float.accuracy,
      quantized: evaluation.quantized.accuracy,
    };
  } else if (evaluation) {
    manifest.meanAbsError = {
      heldOut: evaluation.rows,
      float: evaluation.float.meanAbsError,
      quantized: evaluation.quantized.meanAbsError,
    };
  }
  writeFileSync(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const build = {
    format: "sovra-build/1",
    note: "sha256 of every artifact; `sovra-model rebuild` re-derives them from model.onnx alone",
    circom: "circom2 0.2.23 --O2",
    snarkjs: "0.7.6",
    ptau: { file: manifest.circuit.ptau, sha256: sha256File(ptau) },
    zkeyBeacon: ZKEY_BEACON,
    constraints: info.nConstraints,
    sha256: {
      "float.onnx": sha256(o.onnx),
      "model.json": sha256(modelJson),
      "model.onnx": sha256(c.onnx),
      "circuit.circom": sha256(c.circom),
      "circuit.r1cs": sha256File(r1csPath),
      "circuit.wasm": sha256File(join(dir, MODEL_FILES.wasm)),
      "circuit.zkey": sha256File(zkeyPath),
      "vkey.json": sha256File(join(dir, MODEL_FILES.vkey)),
      [`${base}Groth16Verifier.sol`]: sha256(groth16Sol),
      [`${base}InferenceVerifier.sol`]: sha256File(adapterPath),
    },
    timesMs: times,
  };
  writeFileSync(join(dir, "build.json"), `${JSON.stringify(build, null, 2)}\n`);
  rep.info(`${dir}: ${info.nConstraints} constraints, weights CID ${cid}`);
  return { manifest, compiled: c, constraints: info.nConstraints, evaluation, timesMs: times };
}

const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;

/** The package's ptau path as a manifest records it, resolved (dev ptau or the path given at compile time). */
export const recordedPtau = (p: string): string => (p === "ptau/dev-14.ptau" ? DEV_PTAU : resolve(PACKAGE_ROOT, p));
