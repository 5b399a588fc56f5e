// Helpers shared by the build, bench and compare scripts.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PACKAGE_ROOT } from '../src/prover/paths.ts';

export const REPO_ROOT = join(PACKAGE_ROOT, '..');
export const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
export const sha256File = (p: string): string => sha256(readFileSync(p));

/** Runs the wasm circom compiler (circom2) with --O2; returns the compiler's report. */
export function circomCompile(circuitPath: string, outDir: string): string {
  // circom2 runs under WASI with the cwd's parents preopened: use paths relative to the repo root.
  const rel = (p: string) => relative(REPO_ROOT, p);
  return execFileSync(process.execPath, [
    join(REPO_ROOT, 'node_modules', 'circom2', 'cli.js'),
    rel(circuitPath), '--r1cs', '--wasm', '--O2', '-l', 'node_modules', '-o', rel(outDir),
  ], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
}

export const DEV_PTAU = join(PACKAGE_ROOT, 'ptau', 'dev-14.ptau');
/** Public, fixed phase-2 beacon: makes the dev zkeys reproducible (and, like the dev ptau, NOT trusted). */
export const ZKEY_BEACON = '0c5e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6';
