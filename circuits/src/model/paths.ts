// Files and constants of a model build shared by the CLI, scripts/build.ts and the benchmarks.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../prover/paths.ts";

export const REPO_ROOT = join(PACKAGE_ROOT, "..");
/** Deterministic DEV powers of tau, 2^14 (scripts/dev-ptau.ts): NOT a trusted setup. */
export const DEV_PTAU = join(PACKAGE_ROOT, "ptau", "dev-14.ptau");
/** Public, fixed phase-2 beacon: makes the dev zkeys reproducible (and, like the dev ptau, NOT trusted). */
export const ZKEY_BEACON = "0c5e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6";
/** snarkjs's Solidity template for Groth16 verifiers. */
export const GROTH16_SOL_TEMPLATE = join(REPO_ROOT, "node_modules", "snarkjs", "templates", "verifier_groth16.sol.ejs");

export const sha256 = (b: Uint8Array | string): string => createHash("sha256").update(b).digest("hex");
export const sha256File = (p: string): string => sha256(readFileSync(p));

/** The files of a model directory (manifest.files). */
export const MODEL_FILES = {
  onnx: "model.onnx",
  floatOnnx: "float.onnx",
  intModel: "model.json",
  circuit: "circuit.circom",
  wasm: "circuit.wasm",
  zkey: "circuit.zkey",
  vkey: "vkey.json",
} as const;
