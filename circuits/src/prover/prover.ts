// Warm Groth16 prover: the wasm witness generator and the zkey are loaded once per model, the BN254 curve
// (with its worker threads, where the multi-exponentiations and FFTs run) once per process.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { keccak256, toHex } from "viem";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { groth16, type Groth16Proof } from "snarkjs";
import { parseIntModel } from "../compiler/index.ts";
import { inputQuantOf, type IntModel } from "../compiler/ir.ts";
import { evaluate } from "../compiler/reference.ts";
import { checkValues, hashInput, type InputEncoding, quantizationOf, quantizeReal } from "../io/input.ts";
import { packOutput, unpackOutput } from "../io/pack.ts";
import { type EnsureOptions, ensureArtifacts } from "../model/artifacts.ts";
import { encodeProofCalldata } from "./calldata.ts";
import { modelManifestSchema, type ModelManifest } from "./manifest.ts";
import { modelDir } from "./paths.ts";

type WitnessCalculator = Awaited<ReturnType<typeof WitnessCalculatorBuilder>>;

export interface Model {
  readonly name: string;
  readonly manifest: ModelManifest;
  readonly intModel: IntModel;
  readonly vkey: Record<string, unknown>;
  /** @internal */
  readonly zkey: Uint8Array;
  /** @internal */
  readonly wc: WitnessCalculator;
}

export interface ProveResult {
  /** the model's integer outputs (e.g. logits) */
  output: number[];
  /** public signals in circom's order: packed output elements, then the input hash (decimal strings) */
  publicSignals: string[];
  /** packed output field elements (`output` argument of verifyInference) */
  packedOutput: bigint[];
  inputHash: bigint;
  proof: Groth16Proof;
  /** `proof` argument of IInferenceVerifier.verifyInference: abi.encode(uint256[8]) */
  calldata: `0x${string}`;
}

/** bytes32 model id used on chain: keccak256 of the UTF-8 name. */
export const modelIdOf = (name: string): `0x${string}` => keccak256(toHex(name));

/**
 * Loads a built model from models/<name> (or `dir`). Validates the manifest and the integer model. The wasm and
 * zkey come from ensureArtifacts: the directory, else the cache, else rebuilt from model.onnx into the cache
 * (a model built on a powers of tau above 2^14 on a fresh clone: minutes, once).
 */
export async function loadModel(name: string, dir: string = modelDir(name), o: EnsureOptions = {}): Promise<Model> {
  const manifest = modelManifestSchema.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
  if (manifest.name !== name) throw new Error(`manifest in ${dir} is for '${manifest.name}', not '${name}'`);
  const intModel = parseIntModel(JSON.parse(readFileSync(join(dir, manifest.files.intModel), "utf8")));
  const vkey = JSON.parse(readFileSync(join(dir, manifest.files.vkey), "utf8")) as Record<string, unknown>;
  const files = await ensureArtifacts(dir, o);
  const zkey = new Uint8Array(readFileSync(files.zkey));
  const wc = await WitnessCalculatorBuilder(new Uint8Array(readFileSync(files.wasm)), {
    sanityCheck: true,
  });
  return { name, manifest, intModel, vkey, zkey, wc };
}

/** Loads a model from a directory written by `sovra-model compile` (its name comes from the manifest). */
export async function loadModelDir(dir: string, o: EnsureOptions = {}): Promise<Model> {
  const manifest = modelManifestSchema.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
  return loadModel(manifest.name, dir, o);
}

/** How the model's input integers are encoded and hashed (uint8 for the MNIST models). */
export const inputEncoding = (model: Model): InputEncoding => inputQuantOf(model.intModel);

/** Poseidon input hash of an integer input, as the model's circuit computes it (the hash of its bytes). */
export async function inputHash(model: Model, input: ArrayLike<number>): Promise<bigint> {
  checkInput(model, input);
  return hashInput(input, inputEncoding(model));
}

/**
 * A buyer's input -> the integers the circuit takes: `(q - zeroPoint) * scale` ~ x (or ~ `(x - mean) / std` when the
 * manifest declares a standardization), clamped to the input range (`clamped` lists the indices that were outside).
 */
export function quantizeInput(model: Model, x: ArrayLike<number>): { values: number[]; clamped: number[] } {
  return quantizeReal(
    x,
    quantizationOf({ ...inputQuantOf(model.intModel), standardize: model.manifest.io.input.standardize }),
  );
}

function checkInput(model: Model, input: ArrayLike<number>): void {
  const n = model.manifest.io.input.shape.reduce((a, b) => a * b, 1);
  if (input.length !== n) throw new Error(`model ${model.name}: input has ${input.length} values, expected ${n}`);
  checkValues(input, inputEncoding(model), `model ${model.name}: input`);
}

/** Circuit witness (wasm witness calculator) for one input. */
export async function witness(model: Model, input: ArrayLike<number>): Promise<bigint[]> {
  checkInput(model, input);
  return model.wc.calculateWitness({ in: Array.from(input, (v) => BigInt(v)) }, true);
}

/** Proves output = model(input). */
export async function prove(model: Model, input: ArrayLike<number>): Promise<ProveResult> {
  checkInput(model, input);
  const wtns = await model.wc.calculateWTNSBin({ in: Array.from(input, (v) => BigInt(v)) }, true);
  const { proof, publicSignals } = await groth16.prove({ type: "mem", data: model.zkey }, { type: "mem", data: wtns });
  const { count, laneBits, packedLength } = model.manifest.io.output;
  const packedOutput = publicSignals.slice(0, packedLength).map((s) => BigInt(s));
  const output = unpackOutput(packedOutput, count, laneBits);
  return {
    output,
    publicSignals,
    packedOutput,
    inputHash: BigInt(publicSignals[packedLength]!),
    proof,
    calldata: encodeProofCalldata(proof),
  };
}

/** Checks a proof against the model's verifying key and the given public values. */
export async function verify(
  model: Model,
  args: { inputHash: bigint; output: readonly number[] | readonly bigint[]; proof: Groth16Proof },
): Promise<boolean> {
  const { laneBits, packedLength } = model.manifest.io.output;
  let packed: bigint[];
  if (args.output.length > 0 && typeof args.output[0] === "number") {
    try {
      packed = packOutput(args.output as number[], laneBits);
    } catch {
      return false;
    }
  } else packed = (args.output as bigint[]).slice();
  if (packed.length !== packedLength) return false;
  return groth16.verify(model.vkey, [...packed, args.inputHash].map(String), args.proof);
}

/** The integer output the model computes (TS reference evaluator, no proof). */
export const infer = (model: Model, input: ArrayLike<number>): number[] => evaluate(model.intModel, input);

/** Terminates the curve's worker threads (snarkjs keeps them alive otherwise). */
export async function close(): Promise<void> {
  const c = globalThis.curve_bn128;
  if (c) await c.terminate();
  globalThis.curve_bn128 = null;
}
