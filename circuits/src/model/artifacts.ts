// ensureArtifacts (`sovra-model setup DIR`): the witness generator and proving key of a model directory, wherever
// they are. A model built on a powers of tau above 2^14 keeps circuit.wasm, circuit.zkey and its r1cs in the
// cache (cache.ts), not in git, so a fresh clone has only model.onnx and the hashes in build.json: the first use
// rebuilds them (circom + Groth16 setup, minutes) into the cache, later uses find them there.
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { artifactPath, cacheDir, hashFile, withLock } from "./cache.ts";
import { MODEL_FILES } from "./paths.ts";
import { type Reporter, silent } from "./progress.ts";
import { readBuildRecord, rebuildArtifacts, storeInCache } from "./rebuild-dir.ts";

export interface ModelArtifacts {
  wasm: string;
  zkey: string;
  /** "dir": the model directory holds them; "cache": found in the cache; "rebuilt": built into the cache now */
  from: "dir" | "cache" | "rebuilt";
}

export interface EnsureOptions {
  /** default: $SOVRA_CACHE_DIR, else ~/.cache/sovra */
  cacheDir?: string;
  reporter?: Reporter;
}

/**
 * Paths of `dir`'s circuit.wasm and circuit.zkey: from the directory when there, else from the cache when their
 * sha256 is the one build.json records, else rebuilt from model.onnx into the cache (one process at a time; the
 * others wait) and checked against build.json. A file whose sha256 differs from build.json's is refused: in the
 * directory with an error, in the cache by deleting and rebuilding it. A rebuild that does not give the recorded
 * hashes is an error (one line).
 */
export async function ensureArtifacts(dir: string, o: EnsureOptions = {}): Promise<ModelArtifacts> {
  const rep = o.reporter ?? silent;
  const cache = o.cacheDir ?? cacheDir();
  const build = readBuildRecord(dir);
  const wasmSha = build.sha256["circuit.wasm"];
  const zkeySha = build.sha256["circuit.zkey"];
  if (wasmSha === undefined || zkeySha === undefined) {
    throw new Error(`${join(dir, "build.json")}: no sha256 for circuit.wasm and circuit.zkey`);
  }
  const want = { wasm: wasmSha, zkey: zkeySha };
  const inDir = { wasm: join(dir, MODEL_FILES.wasm), zkey: join(dir, MODEL_FILES.zkey) };
  if (existsSync(inDir.wasm) && existsSync(inDir.zkey)) {
    for (const ext of ["wasm", "zkey"] as const) {
      const got = await hashFile(inDir[ext]);
      if (got !== want[ext]) {
        throw new Error(
          `${inDir[ext]}: sha256 ${got.slice(0, 16)}... is not the ${want[ext].slice(0, 16)}... build.json records`,
        );
      }
    }
    return { ...inDir, from: "dir" };
  }

  const cached = { wasm: artifactPath(want.wasm, "wasm", cache), zkey: artifactPath(want.zkey, "zkey", cache) };
  /** true when both cached files are there and intact; a tampered one is deleted */
  const cachedOk = async (): Promise<boolean> => {
    let ok = true;
    for (const ext of ["wasm", "zkey"] as const) {
      if (!existsSync(cached[ext])) {
        ok = false;
        continue;
      }
      if ((await hashFile(cached[ext])) !== want[ext]) {
        rep.warn(`${cached[ext]}: not the file build.json records (sha256 differs): deleted, rebuilding`);
        rmSync(cached[ext], { force: true });
        ok = false;
      }
    }
    return ok;
  };
  if (await cachedOk()) return { ...cached, from: "cache" };

  return withLock(
    want.zkey,
    async (): Promise<ModelArtifacts> => {
      // another process may have built them while this one waited
      if (await cachedOk()) return { ...cached, from: "cache" };
      rep.info(`${dir}: circuit.wasm and circuit.zkey not in the cache ${cache}: rebuilding them from model.onnx`);
      const work = join(cache, "work", `${want.zkey.slice(0, 16)}-${process.pid}`);
      try {
        const r = await rebuildArtifacts(dir, work, { reporter: rep });
        const bad = (["circuit.r1cs", "circuit.wasm", "circuit.zkey"] as const).filter(
          (f) => build.sha256[f] !== undefined && r.sha256[f] !== build.sha256[f],
        );
        if (bad.length > 0) {
          throw new Error(
            `${dir}: the rebuild from model.onnx does not give the ${bad.join(", ")} build.json records ` +
              `(${bad.map((f) => `${f} ${r.sha256[f]!.slice(0, 16)}...`).join(", ")}): refusing`,
          );
        }
        storeInCache(r, cache);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
      return { ...cached, from: "rebuilt" };
    },
    { dir: cache, onWait: () => rep.info(`waiting for another process building ${dir}'s circuit.zkey`) },
  );
}
