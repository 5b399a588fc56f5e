// `sovra-model compile`: a float ONNX model + calibration rows -> a model directory with every artifact (integer
// model, exact-integer ONNX, circuit, wasm, zkey, vkey, Solidity verifiers, manifest, hashes). scripts/build.ts
// builds the MNIST models through this same function.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
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
import { powerFor } from "../ptau/known-tau.ts";
import {
  artifactPath,
  CACHE_REF,
  COMMITTED_DEV_POWER,
  cacheDir,
  cachedDevPower,
  DEV_POWERS,
  devPtauName,
  ensureDevPtau,
  hashFile,
  ptauPower,
} from "./cache.ts";
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
  /**
   * powers-of-tau file, e.g. a ceremony's. Default: the smallest dev power that fits the circuit, at least
   * `devPower`: 2^14 is the committed ptau/dev-14.ptau, 2^15..2^20 a known-tau file made in the cache (UNSAFE).
   */
  ptau?: string;
  /** the least dev power to use when no `ptau` is given (default 14; tests use smaller ones) */
  devPower?: number;
  /**
   * where circuit.wasm, circuit.zkey and the r1cs go: the model directory, or the cache (by sha256, see
   * ensureArtifacts). Default: the cache when the ptau's power is above 14, else the directory.
   */
  artifacts?: "dir" | "cache";
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
async function selfCheck(wasmPath: string, c: Compiled, rows: number[][]): Promise<void> {
  const q = inputQuantOf(c.model);
  const wc = await WitnessCalculatorBuilder(new Uint8Array(readFileSync(wasmPath)), {
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
  if (o.ptau !== undefined && !existsSync(o.ptau)) throw new Error(`powers of tau ${o.ptau} not found`);
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
  const builtWasm = join(bdir, "circuit_js", "circuit.wasm");
  const info = await r1csApi.info(r1csPath);
  const rows = (o.calibration as number[][]).map((r) => Array.from(r));
  await selfCheck(builtWasm, c, rows);

  const pt = await choosePtau(o, info.nConstraints, info.nOutputs + info.nPubInputs, rep);
  const inCache = o.artifacts === "cache" || (o.artifacts === undefined && pt.power > COMMITTED_DEV_POWER);
  const cache = cacheDir();
  t = performance.now();
  const zkeyPath = inCache ? join(cache, "work", `${o.name}-${process.pid}.zkey`) : join(dir, MODEL_FILES.zkey);
  mkdirSync(dirname(zkeyPath), { recursive: true });
  await groth16Setup(r1csPath, pt.path, zkeyPath, `Sovra ${o.name} dev beacon (NOT A TRUSTED SETUP)`, rep);
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
      ptau: pt.ref,
      trustedSetup: TRUSTED_SETUP[pt.kind],
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
  // the large files: into the cache under their sha256 (the model directory keeps none of them), or the directory
  const hashes = {
    r1cs: await hashFile(r1csPath),
    wasm: await hashFile(builtWasm),
    zkey: await hashFile(zkeyPath),
  };
  if (inCache) {
    for (const ext of ["r1cs", "wasm"] as const) {
      const to = artifactPath(hashes[ext], ext, cache);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(ext === "r1cs" ? r1csPath : builtWasm, `${to}.${process.pid}`);
      renameSync(`${to}.${process.pid}`, to);
    }
    renameSync(zkeyPath, artifactPath(hashes.zkey, "zkey", cache));
    for (const f of [MODEL_FILES.wasm, MODEL_FILES.zkey]) rmSync(join(dir, f), { force: true });
    writeFileSync(join(dir, ".gitignore"), LARGE_MODEL_GITIGNORE);
  } else {
    copyFileSync(builtWasm, join(dir, MODEL_FILES.wasm));
    rmSync(join(dir, ".gitignore"), { force: true });
  }
  const build = {
    format: "sovra-build/1",
    note: "sha256 of every artifact; `sovra-model rebuild` re-derives them from model.onnx alone",
    circom: "circom2 0.2.23 --O2",
    snarkjs: "0.7.6",
    ptau: { file: pt.ref, sha256: await hashFile(pt.path), power: pt.power },
    ...(inCache ? { artifacts: "cache" } : {}),
    zkeyBeacon: ZKEY_BEACON,
    constraints: info.nConstraints,
    sha256: {
      "float.onnx": sha256(o.onnx),
      "model.json": sha256(modelJson),
      "model.onnx": sha256(c.onnx),
      "circuit.circom": sha256(c.circom),
      "circuit.r1cs": hashes.r1cs,
      "circuit.wasm": hashes.wasm,
      "circuit.zkey": hashes.zkey,
      "vkey.json": sha256File(join(dir, MODEL_FILES.vkey)),
      [`${base}Groth16Verifier.sol`]: sha256(groth16Sol),
      [`${base}InferenceVerifier.sol`]: sha256File(adapterPath),
    },
    timesMs: times,
  };
  writeFileSync(join(dir, "build.json"), `${JSON.stringify(build, null, 2)}\n`);
  rep.info(
    `${dir}: ${info.nConstraints} constraints on 2^${pt.power} (${pt.ref}), weights CID ${cid}` +
      (inCache ? `; circuit.wasm and circuit.zkey in the cache ${cache} (sovra-model setup ${o.out})` : ""),
  );
  return { manifest, compiled: c, constraints: info.nConstraints, evaluation, timesMs: times };
}

const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;

const TRUSTED_SETUP = {
  committed: "DEV ONLY: dev ptau and zkey beacon are public; NOT a trusted setup",
  knownTau:
    "UNSAFE DEV ONLY: powers of tau from a publicly known tau (anyone can forge proofs) and a public zkey beacon; NOT a trusted setup",
  ceremony: "ceremony ptau + public zkey beacon (add phase-2 contributions for production)",
} as const;

const LARGE_MODEL_GITIGNORE =
  "# built on a powers of tau above 2^14: circuit.wasm, circuit.zkey and the r1cs live in the cache, never in git\n" +
  "# (`sovra-model setup <this dir>` finds or rebuilds them from model.onnx)\ncircuit.wasm\ncircuit.zkey\nbuild/\n";

const COMMITTED_REF = "ptau/dev-14.ptau";

interface ChosenPtau {
  path: string;
  /** as the manifest and build.json record it */
  ref: string;
  power: number;
  kind: keyof typeof TRUSTED_SETUP;
}

/** The ptau given, or the smallest dev power that fits the circuit (made in the cache when missing). */
async function choosePtau(
  o: CompileDirOptions,
  constraints: number,
  publicSignals: number,
  rep: Reporter,
): Promise<ChosenPtau> {
  const needed = powerFor(constraints, publicSignals);
  if (o.ptau !== undefined) {
    const power = ptauPower(o.ptau);
    if (power < needed) {
      throw new Error(
        `the circuit (${constraints} constraints, ${publicSignals} public signals) needs a powers of tau of 2^${needed}; ${o.ptau} is 2^${power}`,
      );
    }
    const path = resolve(o.ptau);
    return path === DEV_PTAU
      ? { path, ref: COMMITTED_REF, power, kind: "committed" }
      : { path, ref: path, power, kind: "ceremony" };
  }
  const power = Math.max(o.devPower ?? COMMITTED_DEV_POWER, needed);
  if (power > DEV_POWERS.max) {
    throw new Error(
      `the circuit (${constraints} constraints) needs a powers of tau of 2^${needed}; dev files go up to 2^${DEV_POWERS.max}: pass --ptau with a ceremony file`,
    );
  }
  if (power === COMMITTED_DEV_POWER) return { path: DEV_PTAU, ref: COMMITTED_REF, power, kind: "committed" };
  const path = await ensureDevPtau(power, { reporter: rep });
  return { path, ref: `${CACHE_REF}ptau/${devPtauName(power)}`, power, kind: "knownTau" };
}

/** The ptau a manifest / build.json records, resolved: the committed file, a cached dev file (made when missing), a path. */
export async function recordedPtau(ref: string, reporter: Reporter = silent): Promise<string> {
  if (ref === COMMITTED_REF) return DEV_PTAU;
  const power = cachedDevPower(ref);
  if (power !== undefined) return ensureDevPtau(power, { reporter });
  return resolve(PACKAGE_ROOT, ref);
}
