// `sovra-model rebuild`: from a model directory's quantized model.onnx alone (the file its weights CID names),
// rebuild the circuit, the r1cs, the keys and the verifiers, and compare their hashes with the ones recorded at
// compile time (build.json) and with the files in the directory. Anyone holding the CID can check the keys.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { zKey } from "snarkjs";
import { z } from "zod";
import { fromIntModel } from "../compiler/index.ts";
import { readIntOnnx } from "../compiler/onnx-read-int.ts";
import { weightsCid } from "../io/cid.ts";
import { packedLength } from "../io/pack.ts";
import { modelManifestSchema } from "../prover/manifest.ts";
import { modelIdOf } from "../prover/prover.ts";
import { adapterSource, contractBase, renameGroth16Verifier } from "../prover/solidity.ts";
import { compileCircom } from "./circom.ts";
import { recordedPtau } from "./compile-dir.ts";
import { readBytes, readJson } from "./files.ts";
import { GROTH16_SOL_TEMPLATE, MODEL_FILES, REPO_ROOT, sha256, sha256File } from "./paths.ts";
import { type Reporter, silent } from "./progress.ts";
import { groth16Setup } from "./setup.ts";

const buildSchema = z.object({
  ptau: z.object({ file: z.string(), sha256: z.string() }),
  sha256: z.record(z.string(), z.string()),
});

export interface RebuildItem {
  file: string;
  /** sha256 recorded in build.json */
  recorded: string | undefined;
  /** sha256 of the rebuilt artifact */
  rebuilt: string;
  /** sha256 of the file now in the directory (absent when the file is not there) */
  present?: string;
  same: boolean;
}

export interface RebuildResult {
  same: boolean;
  items: RebuildItem[];
  weightsCid: string;
}

export async function rebuildDir(
  dir: string,
  opts: { ptau?: string; reporter?: Reporter } = {},
): Promise<RebuildResult> {
  const rep = opts.reporter ?? silent;
  const manifest = modelManifestSchema.parse(readJson(join(dir, "manifest.json"), "manifest"));
  const parsed = buildSchema.safeParse(readJson(join(dir, "build.json"), "build record"));
  if (!parsed.success) throw new Error(`${join(dir, "build.json")}: not a build record`);
  const build = parsed.data;
  const ptau = opts.ptau ?? recordedPtau(build.ptau.file);
  if (!existsSync(ptau))
    throw new Error(`powers of tau ${ptau} not found: pass --ptau with the file the model was built on`);
  if (sha256File(ptau) !== build.ptau.sha256) {
    throw new Error(
      `${ptau} is not the powers of tau the model was built on (sha256 ${build.ptau.sha256.slice(0, 16)}...)`,
    );
  }

  // Everything below comes from model.onnx alone.
  const onnx = readBytes(join(dir, MODEL_FILES.onnx), "quantized model");
  const model = readIntOnnx(onnx);
  const c = fromIntModel(model);
  const cid = weightsCid(onnx);
  const rdir = join(dir, "build", "rebuild");
  mkdirSync(rdir, { recursive: true });
  writeFileSync(join(rdir, "circuit.circom"), c.circom);
  await compileCircom(join(rdir, "circuit.circom"), rdir, rep);
  const zkeyPath = join(rdir, "circuit.zkey");
  await groth16Setup(
    join(rdir, "circuit.r1cs"),
    ptau,
    zkeyPath,
    `Sovra ${model.name} dev beacon (NOT A TRUSTED SETUP)`,
    rep,
  );
  const vkey = `${JSON.stringify(await zKey.exportVerificationKey(zkeyPath), null, 1)}\n`;
  const template = readFileSync(GROTH16_SOL_TEMPLATE, "utf8");
  const groth16Sol = renameGroth16Verifier(
    await zKey.exportSolidityVerifier(zkeyPath, { groth16: template }),
    model.name,
  );
  const count = model.output.shape.reduce((a, b) => a * b, 1);
  const B = c.analysis.laneBits;
  const adapter = adapterSource({
    name: model.name,
    modelId: modelIdOf(model.name),
    weightsCid: cid,
    packedLength: packedLength(count, B),
    laneBits: B,
    count,
  });

  const base = contractBase(model.name);
  const solDir = join(manifest.verifier.source, "..");
  const solAt = (f: string) => {
    const p = join(solDir, f);
    return isAbsolute(p) ? p : p.startsWith("contracts/") ? join(REPO_ROOT, p) : join(dir, p);
  };
  const artifacts: Array<[string, string, string | undefined]> = [
    ["model.onnx", sha256(onnx), join(dir, MODEL_FILES.onnx)],
    ["circuit.r1cs", sha256File(join(rdir, "circuit.r1cs")), join(dir, "build", "circuit.r1cs")],
    ["circuit.wasm", sha256File(join(rdir, "circuit_js", "circuit.wasm")), join(dir, MODEL_FILES.wasm)],
    ["circuit.zkey", sha256File(zkeyPath), join(dir, MODEL_FILES.zkey)],
    ["vkey.json", sha256(vkey), join(dir, MODEL_FILES.vkey)],
    [`${base}Groth16Verifier.sol`, sha256(groth16Sol), solAt(`${base}Groth16Verifier.sol`)],
    [`${base}InferenceVerifier.sol`, sha256(adapter), solAt(`${base}InferenceVerifier.sol`)],
  ];
  const items = artifacts.map(([file, rebuilt, path]): RebuildItem => {
    const recorded = build.sha256[file];
    const present = path !== undefined && existsSync(path) ? sha256File(path) : undefined;
    const item: RebuildItem = {
      file,
      recorded,
      rebuilt,
      same: rebuilt === recorded && (present ?? rebuilt) === rebuilt,
    };
    if (present !== undefined) item.present = present;
    return item;
  });
  if (model.name !== manifest.name) {
    items.push({ file: "model name", recorded: manifest.name, rebuilt: model.name, same: false });
  }
  if (cid !== manifest.weightsCid) {
    items.push({ file: "weights CID", recorded: manifest.weightsCid, rebuilt: cid, same: false });
  }
  return { same: items.every((i) => i.same), items, weightsCid: cid };
}
