// Vitest global setup of the whole suite (`npm test` sets SOVRA_REBUILD_EARLY=1): the rebuild of each model kept in
// the cache (digits_cnn: circom2 + a 2^17 Groth16 setup, minutes) starts before the first test file and runs while the
// others do, instead of after them; test/rebuild.test.ts then checks its output. A run of chosen files (no variable)
// starts nothing: rebuild.test.ts rebuilds those models itself.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../src/prover/paths.ts";

export const EARLY_DIR = join(PACKAGE_ROOT, ".tmp-test", "rebuild-early");
export const earlyResultFile = (name: string): string => join(EARLY_DIR, `${name}.json`);
export const rebuildsEarly = (): boolean => process.env.SOVRA_REBUILD_EARLY === "1";

/** The shipped models whose artifacts live in the cache (build.json `"artifacts": "cache"`). */
export function cacheModels(): string[] {
  const dir = join(PACKAGE_ROOT, "models");
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, "build.json")))
    .map((d) => d.name)
    .filter((name) => {
      const build = JSON.parse(readFileSync(join(dir, name, "build.json"), "utf8")) as { artifacts?: string };
      return build.artifacts === "cache";
    })
    .sort();
}

export default function setup(): () => void {
  if (!rebuildsEarly()) return () => {};
  rmSync(EARLY_DIR, { recursive: true, force: true });
  mkdirSync(EARLY_DIR, { recursive: true });
  const children: ChildProcess[] = [];
  for (const name of cacheModels()) {
    const child = spawn(process.execPath, [join(PACKAGE_ROOT, "bin", "sovra-model.js"), "rebuild", `models/${name}`], {
      cwd: PACKAGE_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("close", (code) => {
      const file = earlyResultFile(name);
      writeFileSync(`${file}.part`, JSON.stringify({ code, stdout, stderr }));
      renameSync(`${file}.part`, file);
    });
    children.push(child);
  }
  return () => {
    for (const child of children) if (child.exitCode === null) child.kill();
  };
}
