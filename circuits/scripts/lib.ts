// Helpers shared by the build, bench and compare scripts.
import { execFileSync } from "node:child_process";
import { join, relative } from "node:path";
import { REPO_ROOT } from "../src/model/paths.ts";

export { DEV_PTAU, REPO_ROOT, sha256, sha256File, ZKEY_BEACON } from "../src/model/paths.ts";

/** Runs the wasm circom compiler (circom2) with --O2; returns the compiler's report. */
export function circomCompile(circuitPath: string, outDir: string): string {
  // circom2 runs under WASI with the cwd's parents preopened: use paths relative to the repo root.
  const rel = (p: string) => relative(REPO_ROOT, p);
  return execFileSync(
    process.execPath,
    [
      join(REPO_ROOT, "node_modules", "circom2", "cli.js"),
      rel(circuitPath),
      "--r1cs",
      "--wasm",
      "--O2",
      "-l",
      "node_modules",
      "-o",
      rel(outDir),
    ],
    { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 1 << 26 },
  );
}
