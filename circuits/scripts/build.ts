// Builds every artifact of the Sovra models from models/<m>/float.onnx:
//   model.json, model.onnx, circuit.circom   (compiler; fast)
//   circuit.wasm (+ build/circuit.r1cs)      (circom2 --O2; minutes)
//   circuit.zkey, vkey.json                  (Groth16 setup on the ptau + a public beacon)
//   contracts/contracts/verifiers/<M>Groth16Verifier.sol, <M>InferenceVerifier.sol
//   manifest.json, build.json (hashes), fixtures/<m>-proof.json
// Usage: node scripts/build.ts [mlp|cnn ...] [--ptau <file>]   (default: the DEV ptau, NOT a trusted setup)
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ort from 'onnxruntime-node';
import { r1cs as r1csApi, zKey } from 'snarkjs';
import { compileOnnx, type Compiled } from '../src/compiler/index.ts';
import { argmax, evaluate } from '../src/compiler/reference.ts';
import { weightsCid } from '../src/io/cid.ts';
import { lanesPerField, packedLength } from '../src/io/pack.ts';
import { close, loadModel, modelIdOf, prove, verify } from '../src/prover/prover.ts';
import type { Manifest } from '../src/prover/manifest.ts';
import { modelDir, PACKAGE_ROOT, VERIFIERS_DIR } from '../src/prover/paths.ts';
import { adapterSource, contractBase, renameGroth16Verifier } from '../src/prover/solidity.ts';
import { loadDigits, type Sample } from '../src/train/data.ts';
import { MODEL_NAMES } from '../src/train/models.ts';
import { mnistCalibration } from '../src/train/calibration.ts';
import { circomCompile, DEV_PTAU, REPO_ROOT, sha256, sha256File, ZKEY_BEACON } from './lib.ts';

const argv = process.argv.slice(2);
const ptauIdx = argv.indexOf('--ptau');
const ptau = ptauIdx >= 0 ? argv[ptauIdx + 1]! : DEV_PTAU;
const names = argv.filter((a, i) => !a.startsWith('--') && (ptauIdx < 0 || i !== ptauIdx + 1));
const selected = names.length ? names : [...MODEL_NAMES];
const isDevPtau = ptau === DEV_PTAU;


const { train, heldOut } = loadDigits();
const calibration = mnistCalibration(train);

async function floatAccuracy(bytes: Uint8Array, shape: number[], samples: Sample[]): Promise<number> {
  const sess = await ort.InferenceSession.create(bytes);
  const n = shape.reduce((a, b) => a * b, 1);
  const X = new Float32Array(samples.length * n);
  for (const [i, s] of samples.entries()) X.set(Float32Array.from(s.pixels, (v) => v / 255), i * n);
  const r = await sess.run({ [sess.inputNames[0]!]: new ort.Tensor('float32', X, [samples.length, ...shape]) });
  const out = r[sess.outputNames[0]!]!.data as Float32Array;
  const k = out.length / samples.length;
  let ok = 0;
  samples.forEach((s, i) => {
    if (argmax(out.subarray(i * k, (i + 1) * k)) === s.label) ok++;
  });
  await sess.release();
  return ok / samples.length;
}

async function buildOne(name: string): Promise<void> {
  const dir = modelDir(name);
  const bdir = join(dir, 'build');
  mkdirSync(bdir, { recursive: true });
  const times: Record<string, number> = {};
  let t = Date.now();
  const floatBytes = new Uint8Array(readFileSync(join(dir, 'float.onnx')));
  const c: Compiled = compileOnnx(floatBytes, { name, calibration });
  const modelJson = JSON.stringify(c.model);
  writeFileSync(join(dir, 'model.json'), modelJson);
  writeFileSync(join(dir, 'model.onnx'), c.onnx);
  writeFileSync(join(dir, 'circuit.circom'), c.circom);
  times.compileModelMs = Date.now() - t;
  const accFloat = await floatAccuracy(floatBytes, c.model.input.shape, heldOut);
  let okQ = 0;
  for (const s of heldOut) if (argmax(evaluate(c.model, s.pixels)) === s.label) okQ++;
  const accQuant = okQ / heldOut.length;
  console.log(`[${name}] compiled in ${times.compileModelMs} ms; held-out accuracy float ${(accFloat * 100).toFixed(2)}%, quantized ${(accQuant * 100).toFixed(2)}%`);

  // circom2 takes minutes: reuse build/ when it was made from this exact source.
  const stamp = join(bdir, 'source.json');
  const srcHash = sha256(c.circom);
  const prev = existsSync(stamp) ? (JSON.parse(readFileSync(stamp, 'utf8')) as { sha256: string; circomMs: number }) : undefined;
  if (prev?.sha256 === srcHash && existsSync(join(bdir, 'circuit.r1cs')) && !argv.includes('--force')) {
    times.circomMs = prev.circomMs;
    console.log(`[${name}] circom output up to date (${srcHash.slice(0, 12)})`);
  } else {
    t = Date.now();
    const report = circomCompile(join(dir, 'circuit.circom'), bdir);
    times.circomMs = Date.now() - t;
    writeFileSync(stamp, JSON.stringify({ sha256: srcHash, circomMs: times.circomMs }));
    console.log(report.trim().split('\n').filter((l) => /constraints|wires|inputs|outputs/.test(l)).join('\n'));
  }
  if (argv.includes('--circom-only')) return;
  copyFileSync(join(bdir, 'circuit_js', 'circuit.wasm'), join(dir, 'circuit.wasm'));
  const r1csPath = join(bdir, 'circuit.r1cs');
  const info = await r1csApi.info(r1csPath);

  t = Date.now();
  const zkey0 = join(bdir, 'circuit_0000.zkey');
  await zKey.newZKey(r1csPath, ptau, zkey0);
  await zKey.beacon(zkey0, join(dir, 'circuit.zkey'), `Sovra ${name} dev beacon (NOT A TRUSTED SETUP)`, ZKEY_BEACON, 10);
  rmSync(zkey0);
  times.setupMs = Date.now() - t;
  const vkey = await zKey.exportVerificationKey(join(dir, 'circuit.zkey'));
  writeFileSync(join(dir, 'vkey.json'), `${JSON.stringify(vkey, null, 1)}\n`);
  console.log(`[${name}] circom ${times.circomMs} ms, groth16 setup ${times.setupMs} ms, ${info.nConstraints} constraints`);

  const template = readFileSync(join(REPO_ROOT, 'node_modules', 'snarkjs', 'templates', 'verifier_groth16.sol.ejs'), 'utf8');
  const groth16Sol = renameGroth16Verifier(await zKey.exportSolidityVerifier(join(dir, 'circuit.zkey'), { groth16: template }), name);
  const base = contractBase(name);
  const cid = weightsCid(c.onnx);
  const modelId = modelIdOf(name);
  const out = c.model.output.shape.reduce((a, b) => a * b, 1);
  const B = c.analysis.laneBits;
  mkdirSync(VERIFIERS_DIR, { recursive: true });
  const groth16Path = join(VERIFIERS_DIR, `${base}Groth16Verifier.sol`);
  const adapterPath = join(VERIFIERS_DIR, `${base}InferenceVerifier.sol`);
  writeFileSync(groth16Path, groth16Sol);
  writeFileSync(adapterPath, adapterSource({ name, modelId, weightsCid: cid, packedLength: packedLength(out, B), laneBits: B, count: out }));

  const manifest: Manifest = {
    format: 'sovra-model-manifest/1',
    name,
    modelId,
    weightsCid: cid,
    files: { onnx: 'model.onnx', floatOnnx: 'float.onnx', intModel: 'model.json', circuit: 'circuit.circom', wasm: 'circuit.wasm', zkey: 'circuit.zkey', vkey: 'vkey.json' },
    io: {
      input: { shape: c.model.input.shape, dtype: 'uint8', scale: c.model.input.scale, hash: 'poseidon(n_bytes, 31-byte LE field elements, chunks of 15)' },
      output: {
        shape: c.model.output.shape, count: out, scale: c.model.output.scale, min: c.analysis.outputLo, max: c.analysis.outputHi,
        laneBits: B, lanesPerField: lanesPerField(B), packedLength: packedLength(out, B),
      },
    },
    circuit: {
      constraints: info.nConstraints,
      publicSignals: info.nOutputs + info.nPubInputs,
      provingSystem: 'groth16',
      ptau: isDevPtau ? 'ptau/dev-14.ptau' : relative(PACKAGE_ROOT, ptau),
      trustedSetup: isDevPtau ? 'DEV ONLY: dev ptau and zkey beacon are public; NOT a trusted setup' : 'ceremony ptau + public zkey beacon (add phase-2 contributions for production)',
    },
    verifier: { contract: `${base}InferenceVerifier`, groth16Contract: `${base}Groth16Verifier`, source: `contracts/contracts/verifiers/${base}InferenceVerifier.sol` },
    accuracy: { heldOut: heldOut.length, float: accFloat, quantized: accQuant },
  };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const build = {
    format: 'sovra-build/1',
    note: 'sha256 of every artifact; test/artifacts.test.ts re-derives the cheap ones, scripts/build.ts rebuilds all',
    circom: 'circom2 0.2.23 --O2',
    snarkjs: '0.7.6',
    ptau: { file: manifest.circuit.ptau, sha256: sha256File(ptau) },
    zkeyBeacon: ZKEY_BEACON,
    constraints: info.nConstraints,
    sha256: {
      'float.onnx': sha256(floatBytes),
      'model.json': sha256(modelJson),
      'model.onnx': sha256(c.onnx),
      'circuit.circom': sha256(c.circom),
      'circuit.r1cs': sha256File(r1csPath),
      'circuit.wasm': sha256File(join(dir, 'circuit.wasm')),
      'circuit.zkey': sha256File(join(dir, 'circuit.zkey')),
      'vkey.json': sha256File(join(dir, 'vkey.json')),
      [`${base}Groth16Verifier.sol`]: sha256(groth16Sol),
      [`${base}InferenceVerifier.sol`]: sha256File(adapterPath),
    },
    timesMs: times,
  };
  writeFileSync(join(dir, 'build.json'), `${JSON.stringify(build, null, 2)}\n`);

  // One real proof per model for the contracts' end-to-end test.
  const m = await loadModel(name);
  const sample = heldOut[0]!;
  const r = await prove(m, sample.pixels);
  if (!(await verify(m, { inputHash: r.inputHash, output: r.output, proof: r.proof }))) throw new Error(`[${name}] fixture proof does not verify`);
  mkdirSync(join(PACKAGE_ROOT, 'fixtures'), { recursive: true });
  const fixture = {
    model: name,
    modelId,
    weightsCid: cid,
    verifierContract: `${base}InferenceVerifier`,
    label: sample.label,
    input: Array.from(sample.pixels),
    inputHash: r.inputHash.toString(),
    inputHashHex: `0x${r.inputHash.toString(16).padStart(64, '0')}`,
    output: r.output,
    packedOutput: r.packedOutput.map(String),
    publicSignals: r.publicSignals,
    proof: r.proof,
    calldata: r.calldata,
  };
  writeFileSync(join(PACKAGE_ROOT, 'fixtures', `${name}-proof.json`), `${JSON.stringify(fixture, null, 1)}\n`);
  console.log(`[${name}] done: ${cid}`);
}

if (!existsSync(ptau) && !argv.includes('--circom-only')) throw new Error(`ptau ${ptau} not found (make the dev one with: node scripts/dev-ptau.ts 14)`);
try {
  for (const name of selected) await buildOne(name);
} finally {
  await close();
}
