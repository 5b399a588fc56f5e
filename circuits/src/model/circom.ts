// circom2 (the wasm build of the circom compiler) in a child process, so a progress display keeps moving while
// it works (minutes for the MNIST circuits).
import { spawn } from "node:child_process";
import { join, relative } from "node:path";
import { REPO_ROOT } from "./paths.ts";
import type { Reporter } from "./progress.ts";

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips the compiler's ANSI colour codes
const ANSI = /\x1b\[[0-9;]*m/g;

/** Compiles `circuitPath` with --O2 into `outDir` (circuit.r1cs, circuit_js/circuit.wasm); returns the report. */
export async function compileCircom(circuitPath: string, outDir: string, reporter: Reporter): Promise<string> {
  // circom2 runs under WASI with the cwd's parents preopened: paths relative to the repo root reach any file.
  const rel = (p: string) => relative(REPO_ROOT, p);
  const cli = join(REPO_ROOT, "node_modules", "circom2", "cli.js");
  const args = [cli, rel(circuitPath), "--r1cs", "--wasm", "--O2", "-l", "node_modules", "-o", rel(outDir)];
  const task = reporter.task("circom2 --O2", false);
  const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("error", reject);
    child.on("close", (c) => resolve({ code: c, out }));
  });
  const text = out.replace(ANSI, "");
  if (code !== 0) {
    task.fail();
    const why = text.split("\n").find((l) => /error/i.test(l)) ?? text.trim().split("\n").at(-1) ?? "";
    throw new Error(`circom2 failed on ${circuitPath}: ${why.trim()}`);
  }
  const constraints = /non-linear constraints: (\d+)/.exec(text)?.[1];
  task.done(constraints === undefined ? "compiled" : `${constraints} non-linear constraints`);
  return text;
}
