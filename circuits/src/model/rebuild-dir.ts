// `sovra-model rebuild`: from a model directory's quantized model.onnx alone (the file its weights CID names),
// rebuild the circuit, the r1cs, the keys and the verifiers, and compare their hashes with the ones recorded at
// compile time (build.json) and with the files in the directory. Anyone holding the CID can check the keys.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
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
import { DataError } from "../compiler/errors.ts";
import { artifactPath, cacheDir, hashFile } from "./cache.ts";
import { compileCircom } from "./circom.ts";
import { recordedPtau } from "./compile-dir.ts";
import { readBytes, readJson } from "./files.ts";
import { GROTH16_SOL_TEMPLATE, MODEL_FILES, REPO_ROOT, sha256 } from "./paths.ts";
import { type Reporter, silent } from "./progress.ts";
import { groth16Setup } from "./setup.ts";

export const buildSchema = z.object({
  ptau: z.object({ file: z.string(), sha256: z.string(), power: z.number().int().optional() }),
  /** "cache": circuit.wasm, circuit.zkey and the r1cs are in the cache (cache.ts), not in the directory */
  artifacts: z.literal("cache").optional(),
  sha256: z.record(z.string(), z.string()),
});
export type BuildRecord = z.infer<typeof buildSchema>;

export function readBuildRecord(dir: string): BuildRecord {
  const parsed = buildSchema.safeParse(readJson(join(dir, "build.json"), "build record"));
  if (!parsed.success) throw new DataError(`${join(dir, "build.json")}: not a build record`);
  return parsed.data;
}

/** Everything `rebuildArtifacts` derives from model.onnx, with the sha256 of each (build.json's names). */
export interface Rebuilt {
  r1cs: string;
  wasm: string;
  zkey: string;
  vkey: string;
  groth16Sol: string;
  adapter: string;
  onnx: Uint8Array;
  modelName: string;
  weightsCid: string;
  sha256: Record<string, string>;
}

/**
 * From `dir`'s model.onnx alone, in `workDir`: circuit, r1cs, wasm, zkey (on the ptau build.json records, which
 * must have its recorded sha256), vkey and the Solidity verifiers.
 */
export async function rebuildArtifacts(
  dir: string,
  workDir: string,
  opts: { ptau?: string; reporter?: Reporter } = {},
): Promise<Rebuilt> {
  const rep = opts.reporter ?? silent;
  const build = readBuildRecord(dir);
  const ptau = opts.ptau ?? (await recordedPtau(build.ptau.file, rep));
  if (!existsSync(ptau))
    throw new Error(`powers of tau ${ptau} not found: pass --ptau with the file the model was built on`);
  if ((await hashFile(ptau)) !== build.ptau.sha256) {
    throw new Error(
      `${ptau} is not the powers of tau the model was built on (sha256 ${build.ptau.sha256.slice(0, 16)}...)`,
    );
  }
  const onnx = readBytes(join(dir, MODEL_FILES.onnx), "quantized model");
  const model = readIntOnnx(onnx);
  const c = fromIntModel(model);
  const cid = weightsCid(onnx);
  mkdirSync(workDir, { recursive: true });
  writeFileSync(join(workDir, "circuit.circom"), c.circom);
  await compileCircom(join(workDir, "circuit.circom"), workDir, rep);
  const zkey = join(workDir, "circuit.zkey");
  await groth16Setup(
    join(workDir, "circuit.r1cs"),
    ptau,
    zkey,
    `Sovra ${model.name} dev beacon (NOT A TRUSTED SETUP)`,
    rep,
  );
  const vkey = `${JSON.stringify(await zKey.exportVerificationKey(zkey), null, 1)}\n`;
  const template = readFileSync(GROTH16_SOL_TEMPLATE, "utf8");
  const groth16Sol = renameGroth16Verifier(await zKey.exportSolidityVerifier(zkey, { groth16: template }), model.name);
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
  const r1cs = join(workDir, "circuit.r1cs");
  const wasm = join(workDir, "circuit_js", "circuit.wasm");
  return {
    r1cs,
    wasm,
    zkey,
    vkey,
    groth16Sol,
    adapter,
    onnx,
    modelName: model.name,
    weightsCid: cid,
    sha256: {
      "model.onnx": sha256(onnx),
      "circuit.r1cs": await hashFile(r1cs),
      "circuit.wasm": await hashFile(wasm),
      "circuit.zkey": await hashFile(zkey),
      "vkey.json": sha256(vkey),
      [`${base}Groth16Verifier.sol`]: sha256(groth16Sol),
      [`${base}InferenceVerifier.sol`]: sha256(adapter),
    },
  };
}

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
  const manifest = modelManifestSchema.parse(readJson(join(dir, "manifest.json"), "manifest"));
  const build = readBuildRecord(dir);
  const r = await rebuildArtifacts(dir, join(dir, "build", "rebuild"), opts);
  const base = contractBase(r.modelName);
  const solDir = join(manifest.verifier.source, "..");
  const solAt = (f: string) => {
    const p = join(solDir, f);
    return isAbsolute(p) ? p : p.startsWith("contracts/") ? join(REPO_ROOT, p) : join(dir, p);
  };
  // where each artifact is now: the directory, or for a large model the cache (when there)
  const cached = (ext: "r1cs" | "wasm" | "zkey") => {
    const sha = build.sha256[`circuit.${ext}`];
    return build.artifacts === "cache" && sha !== undefined ? artifactPath(sha, ext) : undefined;
  };
  const artifacts: Array<[string, string | undefined]> = [
    ["model.onnx", join(dir, MODEL_FILES.onnx)],
    ["circuit.r1cs", cached("r1cs") ?? join(dir, "build", "circuit.r1cs")],
    ["circuit.wasm", cached("wasm") ?? join(dir, MODEL_FILES.wasm)],
    ["circuit.zkey", cached("zkey") ?? join(dir, MODEL_FILES.zkey)],
    ["vkey.json", join(dir, MODEL_FILES.vkey)],
    [`${base}Groth16Verifier.sol`, solAt(`${base}Groth16Verifier.sol`)],
    [`${base}InferenceVerifier.sol`, solAt(`${base}InferenceVerifier.sol`)],
  ];
  const items: RebuildItem[] = [];
  for (const [file, path] of artifacts) {
    const rebuilt = r.sha256[file]!;
    const recorded = build.sha256[file];
    const present = path !== undefined && existsSync(path) ? await hashFile(path) : undefined;
    const item: RebuildItem = {
      file,
      recorded,
      rebuilt,
      same: rebuilt === recorded && (present ?? rebuilt) === rebuilt,
    };
    if (present !== undefined) item.present = present;
    items.push(item);
  }
  if (r.modelName !== manifest.name) {
    items.push({ file: "model name", recorded: manifest.name, rebuilt: r.modelName, same: false });
  }
  if (r.weightsCid !== manifest.weightsCid) {
    items.push({ file: "weights CID", recorded: manifest.weightsCid, rebuilt: r.weightsCid, same: false });
  }
  const same = items.every((i) => i.same);
  // a large model rebuilt on a fresh machine: the rebuild is what the cache lacks
  if (same && build.artifacts === "cache") storeInCache(r);
  return { same, items, weightsCid: r.weightsCid };
}

/** Moves rebuilt r1cs, wasm and zkey into the cache under their sha256 (where missing). */
export function storeInCache(r: Rebuilt, dir = cacheDir()): void {
  for (const ext of ["r1cs", "wasm", "zkey"] as const) {
    const to = artifactPath(r.sha256[`circuit.${ext}`]!, ext, dir);
    if (existsSync(to)) continue;
    mkdirSync(join(to, ".."), { recursive: true });
    copyFileSync(r[ext], `${to}.${process.pid}`);
    renameSync(`${to}.${process.pid}`, to);
  }
}
