// Large-model artifacts outside git: a model whose circuit.wasm / circuit.zkey live in the cache (here a temporary
// $SOVRA_CACHE_DIR, and the tabular 4-8-3 MLP compiled on the known-tau 2^10 ptau with `artifacts: "cache"`, so
// that it is quick). ensureArtifacts finds them, rebuilds them from model.onnx when missing or tampered, refuses a
// rebuild that does not give build.json's hashes, builds once for two callers; loadModelDir and `sovra-model
// setup` / `prove` work on a model directory that holds neither file.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureArtifacts } from "../src/model/artifacts.ts";
import { artifactPath, devPtauName } from "../src/model/cache.ts";
import { compileModelDir } from "../src/model/compile-dir.ts";
import { lines } from "../src/model/progress.ts";
import { readBuildRecord } from "../src/model/rebuild-dir.ts";
import { modelManifestSchema } from "../src/prover/manifest.ts";
import { PACKAGE_ROOT } from "../src/prover/paths.ts";
import { close, loadModelDir, prove, quantizeInput, verify } from "../src/prover/prover.ts";
import { TABULAR_FEATURES, tabularModel } from "../src/train/tabular.ts";

const tmp = join(PACKAGE_ROOT, ".tmp-test", `cache-${process.pid}`);
const cache = join(tmp, "cache");
const dir = join(tmp, "model");
const tab = tabularModel();
const savedEnv = process.env.SOVRA_CACHE_DIR;

/** A reporter that keeps its lines. */
function recorder(): { said: string[]; reporter: ReturnType<typeof lines> } {
  const said: string[] = [];
  return { said, reporter: lines((l) => said.push(l)) };
}

async function proveOne(): Promise<boolean> {
  const m = await loadModelDir(dir);
  const { values } = quantizeInput(m, tab.heldOut.inputs[0]!);
  const r = await prove(m, values);
  return verify(m, { inputHash: r.inputHash, output: r.output, proof: r.proof });
}

beforeAll(async () => {
  mkdirSync(tmp, { recursive: true });
  process.env.SOVRA_CACHE_DIR = cache;
  await compileModelDir({
    onnx: tab.onnx,
    name: "tabular",
    calibration: tab.train.inputs,
    features: [...TABULAR_FEATURES],
    out: dir,
    devPower: 10,
    artifacts: "cache",
  });
});
afterAll(async () => {
  await close();
  if (savedEnv === undefined) delete process.env.SOVRA_CACHE_DIR;
  else process.env.SOVRA_CACHE_DIR = savedEnv;
  rmSync(tmp, { recursive: true, force: true });
});

const cached = () => {
  const b = readBuildRecord(dir);
  return {
    wasm: artifactPath(b.sha256["circuit.wasm"]!, "wasm", cache),
    zkey: artifactPath(b.sha256["circuit.zkey"]!, "zkey", cache),
    r1cs: artifactPath(b.sha256["circuit.r1cs"]!, "r1cs", cache),
  };
};

describe("a model whose setup outputs live in the cache", () => {
  it("compile: dev power 2^10 made in the cache, labelled UNSAFE; wasm, zkey and r1cs in the cache, not the directory", () => {
    const manifest = modelManifestSchema.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
    expect(manifest.circuit.ptau).toBe(`cache:ptau/${devPtauName(10)}`);
    expect(manifest.circuit.trustedSetup).toMatch(/^UNSAFE DEV ONLY: powers of tau from a publicly known tau/);
    expect(existsSync(join(cache, "ptau", devPtauName(10)))).toBe(true);
    const b = readBuildRecord(dir);
    expect(b.artifacts).toBe("cache");
    expect(b.ptau.power).toBe(10);
    expect(existsSync(join(dir, "circuit.wasm"))).toBe(false);
    expect(existsSync(join(dir, "circuit.zkey"))).toBe(false);
    for (const p of Object.values(cached())) expect(existsSync(p), p).toBe(true);
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toMatch(/^circuit\.zkey$/m);
  });

  it("ensureArtifacts finds them in the cache; a proof verifies", async () => {
    expect(await ensureArtifacts(dir)).toEqual({ wasm: cached().wasm, zkey: cached().zkey, from: "cache" });
    expect(await proveOne()).toBe(true);
  });

  it("a tampered cached zkey is deleted and rebuilt", async () => {
    const z = readFileSync(cached().zkey);
    z.writeUInt8(z.readUInt8(z.length - 100) ^ 1, z.length - 100);
    writeFileSync(cached().zkey, z);
    const { said, reporter } = recorder();
    expect((await ensureArtifacts(dir, { reporter })).from).toBe("rebuilt");
    expect(said.join("\n")).toMatch(/not the file build\.json records \(sha256 differs\): deleted, rebuilding/);
    expect(readFileSync(cached().zkey).equals(z)).toBe(false);
    expect(await proveOne()).toBe(true);
  });

  it("two callers at once: one builds, the other waits for it and finds the result", async () => {
    rmSync(cached().zkey);
    const a = recorder();
    const b = recorder();
    const got = await Promise.all([
      ensureArtifacts(dir, { reporter: a.reporter }),
      ensureArtifacts(dir, { reporter: b.reporter }),
    ]);
    expect(got.map((g) => g.from).sort()).toEqual(["cache", "rebuilt"]);
    const waited = got[0]!.from === "cache" ? a.said : b.said;
    expect(waited.join("\n")).toMatch(/waiting for another process building/);
    expect(existsSync(join(cache, "locks", `${readBuildRecord(dir).sha256["circuit.zkey"]}.lock`))).toBe(false);
  });

  it("a build record whose zkey hash the rebuild cannot give is refused in one line", async () => {
    const buildPath = join(dir, "build.json");
    const original = readFileSync(buildPath, "utf8");
    const b = JSON.parse(original) as { sha256: Record<string, string> };
    b.sha256["circuit.zkey"] = "0".repeat(64);
    writeFileSync(buildPath, JSON.stringify(b));
    try {
      const err = await ensureArtifacts(dir).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err?.message).toMatch(/the rebuild from model\.onnx does not give the circuit\.zkey build\.json records/);
      expect(err?.message).not.toContain("\n");
      expect(existsSync(artifactPath("0".repeat(64), "zkey", cache))).toBe(false);
    } finally {
      writeFileSync(buildPath, original);
    }
  });

  it("a zkey in the directory that is not the recorded one is refused", async () => {
    writeFileSync(join(dir, "circuit.zkey"), "not a zkey");
    writeFileSync(join(dir, "circuit.wasm"), readFileSync(cached().wasm));
    try {
      await expect(ensureArtifacts(dir)).rejects.toThrow(/circuit\.zkey: sha256 [0-9a-f]{16}\.\.\. is not the/);
    } finally {
      rmSync(join(dir, "circuit.zkey"));
      rmSync(join(dir, "circuit.wasm"));
    }
  });

  it("a fresh clone: sovra-model setup rebuilds the dev ptau, wasm and zkey into an empty cache (with progress); prove finds them", async () => {
    const fresh = join(tmp, "fresh-cache");
    const run = (...args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [join(PACKAGE_ROOT, "bin", "sovra-model.js"), ...args], {
          cwd: tmp,
          env: { ...process.env, SOVRA_CACHE_DIR: fresh },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => {
          stdout += d.toString();
        });
        child.stderr.on("data", (d: Buffer) => {
          stderr += d.toString();
        });
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });
    const s = await run("setup", "model");
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ from: "rebuilt", cache: fresh });
    expect(s.stderr).toMatch(/^dev ptau 2\^10 \(UNSAFE known tau\): wrote /m);
    expect(s.stderr).toMatch(/rebuilding them from model\.onnx/);
    expect(s.stderr).toMatch(/^groth16 setup: wrote circuit\.zkey/m);
    const b = readBuildRecord(dir);
    for (const ext of ["wasm", "zkey", "r1cs"] as const) {
      expect(existsSync(artifactPath(b.sha256[`circuit.${ext}`]!, ext, fresh)), ext).toBe(true);
    }
    // the same bytes as the compile's cache: the dev ptau and the rebuild are deterministic
    expect(
      readFileSync(join(fresh, "ptau", devPtauName(10))).equals(readFileSync(join(cache, "ptau", devPtauName(10)))),
    ).toBe(true);
    writeFileSync(join(tmp, "input.json"), JSON.stringify({ input: tab.heldOut.inputs[1] }));
    const p = await run("prove", "model", "--input", "input.json", "--out", "proof");
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).not.toMatch(/groth16 setup/);
    const v = await run("verify", "model", "proof");
    expect(v.code, v.stderr).toBe(0);
  });
});
