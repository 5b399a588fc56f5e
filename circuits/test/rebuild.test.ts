// `sovra-model rebuild` reproduces the committed hashes of every shipped model (circuits/models/*), as a user runs
// it: from model.onnx alone, circom2 and the Groth16 setup on the ptau that build.json records (the committed
// 2^14 one for the MNIST models; a cached known-tau one, made on demand, for a model built above 2^14). The
// slowest file of the suite: circom + setup per model (mlp ~105 s, cnn ~70 s on 2 idle cores; digits_cnn ~6 min,
// and its rebuild fills the cache that later suites' provider nodes load from).
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../src/prover/paths.ts";
import { cacheModels, earlyResultFile, rebuildsEarly } from "./rebuild-early.ts";

const models = readdirSync(join(PACKAGE_ROOT, "models"), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

function rebuild(name: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PACKAGE_ROOT, "bin", "sovra-model.js"), "rebuild", `models/${name}`], {
      cwd: PACKAGE_ROOT,
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
}

type Rebuild = Awaited<ReturnType<typeof rebuild>>;

/** The rebuild the suite's global setup started before the first file (rebuild-early.ts), once it has ended. */
async function earlyRebuild(name: string): Promise<Rebuild> {
  const file = earlyResultFile(name);
  while (!existsSync(file)) await new Promise((resolve) => setTimeout(resolve, 1_000));
  return JSON.parse(readFileSync(file, "utf8")) as Rebuild;
}

/**
 * Every rebuild started at once, two at a time, the largest first: circom2 runs on one thread, so the small models'
 * rebuilds share the machine with the large one's instead of waiting for it (minutes saved on 2 cores).
 */
function rebuildAll(names: readonly string[]): Map<string, Promise<Rebuild>> {
  const onnxSize = (n: string) => statSync(join(PACKAGE_ROOT, "models", n, "model.onnx")).size;
  const queue = [...names].sort((a, b) => onnxSize(b) - onnxSize(a));
  const results = new Map<string, Promise<Rebuild>>();
  const waiting = new Map<string, (r: Promise<Rebuild>) => void>();
  for (const n of queue) results.set(n, new Promise((resolve) => waiting.set(n, resolve)));
  const lane = async () => {
    for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
      const r = rebuild(n);
      waiting.get(n)!(r);
      await r.catch(() => undefined);
    }
  };
  void Promise.all([lane(), lane()]);
  return results;
}

describe("sovra-model rebuild: every shipped model", () => {
  let rebuilds: Map<string, Promise<Rebuild>>;
  beforeAll(() => {
    const early = rebuildsEarly() ? cacheModels() : [];
    rebuilds = rebuildAll(models.filter((n) => !early.includes(n)));
    for (const n of early) rebuilds.set(n, earlyRebuild(n));
  });

  it("there are shipped models (mlp and cnn at least)", () => {
    expect(models).toEqual(expect.arrayContaining(["cnn", "mlp"]));
  });

  it.each(models)("%s: r1cs, wasm, zkey, vkey and both verifiers rebuilt byte for byte", async (name) => {
    const r = await rebuilds.get(name)!;
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    for (const f of ["model.onnx", "circuit.r1cs", "circuit.wasm", "circuit.zkey", "vkey.json"]) {
      expect(lines.find((l) => l.startsWith(`${f} `)) ?? `${f}: missing`, r.stdout).toMatch(
        / {2}same {7}[0-9a-f]{64}$/,
      );
    }
    expect(lines.filter((l) => /Verifier\.sol +same /.test(l))).toHaveLength(2);
    expect(
      lines.every((l) => / same /.test(l)),
      r.stdout,
    ).toBe(true);
  });
});
