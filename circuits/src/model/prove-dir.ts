// `sovra-model prove` and `verify`: a proof for one input of a model directory, written in snarkjs's formats
// (proof.json, public.json), and its check against the directory's verifying key.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { groth16 } from "snarkjs";
import { z } from "zod";
import { DataError } from "../compiler/errors.ts";
import { unpackOutput } from "../io/pack.ts";
import { modelManifestSchema } from "../prover/manifest.ts";
import { loadModelDir, prove, quantizeInput } from "../prover/prover.ts";
import { readJson } from "./files.ts";
import { MODEL_FILES } from "./paths.ts";
import { type Reporter, silent } from "./progress.ts";

export interface ProveSummary {
  model: string;
  /** the input as the circuit takes it (integers, before the zero point is subtracted) */
  quantizedInput: number[];
  /** the model's integer outputs, and the same in real units (x output scale) */
  output: number[];
  outputReal: number[];
  /** index of the largest output (classifiers) */
  argmax: number;
  inputHash: string;
  /** `proof` bytes for verifyInference on chain */
  calldata: string;
}

export async function proveDir(
  dir: string,
  input: number[],
  outDir: string,
  reporter: Reporter = silent,
): Promise<ProveSummary> {
  const m = await loadModelDir(dir, { reporter });
  const n = m.manifest.io.input.shape.reduce((a, b) => a * b, 1);
  if (input.length !== n) throw new DataError(`input has ${input.length} values; model '${m.name}' takes ${n}`);
  const { values, clamped } = quantizeInput(m, input);
  if (clamped.length > 0) {
    const names = m.manifest.io.input.features;
    const list = clamped.slice(0, 5).map((i) => (names?.[i] !== undefined ? `'${names[i]}'` : `${i}`));
    reporter.warn(
      `${clamped.length} input value${clamped.length > 1 ? "s" : ""} outside the calibrated range, clamped: ` +
        `${list.join(", ")}${clamped.length > 5 ? ", ..." : ""}`,
    );
  }
  const task = reporter.task("groth16 prove", false);
  const r = await prove(m, values);
  task.done(`${r.publicSignals.length} public signals`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "proof.json"), `${JSON.stringify(r.proof, null, 1)}\n`);
  writeFileSync(join(outDir, "public.json"), `${JSON.stringify(r.publicSignals, null, 1)}\n`);
  let best = 0;
  r.output.forEach((v, i) => {
    if (v > r.output[best]!) best = i;
  });
  return {
    model: m.name,
    quantizedInput: values,
    output: r.output,
    outputReal: r.output.map((v) => v * m.manifest.io.output.scale),
    argmax: best,
    inputHash: `0x${r.inputHash.toString(16).padStart(64, "0")}`,
    calldata: r.calldata,
  };
}

const proofSchema = z.object({
  pi_a: z.array(z.string().regex(/^\d+$/)).length(3),
  pi_b: z.array(z.array(z.string().regex(/^\d+$/)).length(2)).length(3),
  pi_c: z.array(z.string().regex(/^\d+$/)).length(3),
  protocol: z.literal("groth16"),
  curve: z.literal("bn128"),
});
const publicSchema = z.array(z.string().regex(/^\d+$/)).min(1);

export interface VerifySummary {
  ok: boolean;
  /** the outputs the public signals claim (absent when they do not unpack) */
  output?: number[];
  inputHash: string;
}

export async function verifyDir(dir: string, proofDir: string): Promise<VerifySummary> {
  const manifest = modelManifestSchema.parse(readJson(join(dir, "manifest.json"), "manifest"));
  const vkey = readJson(join(dir, MODEL_FILES.vkey), "verifying key");
  const proofPath = join(proofDir, "proof.json");
  const publicPath = join(proofDir, "public.json");
  const proof = proofSchema.safeParse(readJson(proofPath, "proof"));
  if (!proof.success)
    throw new DataError(`${proofPath}: not a snarkjs Groth16 proof (${proof.error.issues[0]?.message})`);
  const pub = publicSchema.safeParse(readJson(publicPath, "public signals"));
  if (!pub.success) throw new DataError(`${publicPath}: not an array of decimal public signals`);
  const { packedLength, count, laneBits } = manifest.io.output;
  if (pub.data.length !== packedLength + 1) {
    throw new DataError(
      `${publicPath}: ${pub.data.length} public signals; model '${manifest.name}' has ${packedLength + 1}`,
    );
  }
  const inputHash = `0x${BigInt(pub.data[packedLength]!).toString(16).padStart(64, "0")}`;
  let output: number[] | undefined;
  try {
    output = unpackOutput(
      pub.data.slice(0, packedLength).map((s) => BigInt(s)),
      count,
      laneBits,
    );
  } catch {
    output = undefined;
  }
  let ok: boolean;
  try {
    ok = await groth16.verify(vkey, pub.data, proof.data);
  } catch {
    ok = false; // points off the curve and the like: not a valid proof
  }
  return output === undefined ? { ok, inputHash } : { ok, output, inputHash };
}
