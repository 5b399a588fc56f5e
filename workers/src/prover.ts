import { existsSync } from "node:fs";
import path from "node:path";
import type { Hex } from "viem";
import { modelManifestSchema, type ModelManifest } from "@sovra/circuits/manifest";

/** What the submit stage sends on-chain: the public output signals and the verifier's proof bytes. */
export type ProofResult = { output: bigint[]; proof: Hex; seconds: number };

/**
 * The prover the pipeline needs. The real one is `@sovra/circuits` (warm Groth16 prover, weights as circuit
 * constants); `loadCircuitsProver` adapts it. There is deliberately no stand-in: a node without a prover
 * cannot earn.
 */
export type Prover = {
  /** Poseidon hash of the input values' bytes (the io spec's encoding), exactly as the bid commits to it. */
  inputHash(model: string, input: ArrayLike<number>): Promise<bigint>;
  prove(model: string, input: ArrayLike<number>): Promise<ProofResult>;
  /** The model's manifest (io spec, weights CID), validated. */
  manifest(model: string): Promise<ModelManifest>;
  /** Unpacks on-chain output signals into the model's values (e.g. 10 logits), when the prover knows how. */
  decodeOutput?(model: string, packed: bigint[]): Promise<number[]>;
  close(): Promise<void>;
};

type CircuitsModule = {
  loadModel: (name: string, dir?: string) => Promise<unknown>;
  loadModelDir?: (dir: string) => Promise<unknown>;
  prove: (
    model: unknown,
    input: unknown,
  ) => Promise<{ output?: unknown; publicSignals?: unknown; packedOutput?: unknown; calldata?: unknown }>;
  inputHash: (model: unknown, input: unknown) => unknown;
  close?: () => Promise<void> | void;
  unpackOutput?: (packed: readonly bigint[], count: number, laneBits: number) => number[];
};

/** Output layout from a loaded model's manifest (`io.output.{count|size, laneBits}`), when present. */
function outputLayout(handle: unknown): { count: number; laneBits: number } | undefined {
  const io =
    (handle as {
      manifest?: { io?: { output?: Record<string, unknown> } };
      io?: { output?: Record<string, unknown> };
    } | null) ?? null;
  const output = io?.manifest?.io?.output ?? io?.io?.output;
  if (output === undefined) return undefined;
  const count =
    output.count ??
    output.size ??
    (Array.isArray(output.shape) ? (output.shape as number[]).reduce((a, b) => a * b, 1) : undefined);
  const laneBits = output.laneBits;
  return typeof count === "number" && typeof laneBits === "number" ? { count, laneBits } : undefined;
}

/** A model by name (circuits/models/<name>), from a configured folder, or from a path given as its name. */
async function loadOne(circuits: CircuitsModule, name: string, dir: string | undefined): Promise<unknown> {
  if (dir !== undefined) return circuits.loadModel(name, path.resolve(dir));
  const looksLikePath = name.includes("/") || name.includes(path.sep);
  if (looksLikePath && existsSync(path.join(name, "manifest.json")) && circuits.loadModelDir !== undefined)
    return circuits.loadModelDir(path.resolve(name));
  return circuits.loadModel(name);
}

function isCircuitsModule(value: unknown): value is CircuitsModule {
  if (typeof value !== "object" || value === null) return false;
  const m = value as Record<string, unknown>;
  return typeof m.loadModel === "function" && typeof m.prove === "function" && typeof m.inputHash === "function";
}

function toBigints(value: unknown, what: string): bigint[] {
  if (!Array.isArray(value)) throw new Error(`prover returned no ${what} array`);
  return value.map((v) => BigInt(v as string | number | bigint));
}

export type ProverOptions = {
  /**
   * Model name -> the folder `sovra-model compile` wrote for it. Names not listed load from
   * `circuits/models/<name>`; a name that is itself a folder path (holding a manifest.json) loads from there.
   */
  modelDirs?: Record<string, string>;
};

/** Loads `@sovra/circuits`; throws with what is missing when the package does not export a prover yet. */
export async function loadCircuitsProver(options: ProverOptions = {}): Promise<Prover> {
  // A variable specifier keeps type-checking independent of whether the circuits package is built yet.
  const specifier = "@sovra/circuits";
  let mod: unknown;
  try {
    mod = await import(specifier);
  } catch (error) {
    throw new Error(`cannot load the prover from ${specifier}: ${(error as Error).message.split("\n")[0]}`);
  }
  if (!isCircuitsModule(mod)) throw new Error(`${specifier} does not export loadModel/prove/inputHash yet`);
  const circuits = mod;
  const models = new Map<string, Promise<unknown>>();
  const model = (name: string): Promise<unknown> => {
    let handle = models.get(name);
    if (handle === undefined) {
      handle = loadOne(circuits, name, options.modelDirs?.[name]);
      models.set(name, handle);
      handle.catch(() => models.delete(name));
    }
    return handle;
  };
  return {
    async inputHash(name, input) {
      return BigInt((await circuits.inputHash(await model(name), Array.from(input))) as string | bigint);
    },
    async manifest(name) {
      const handle = (await model(name)) as { manifest?: unknown } | null;
      const parsed = modelManifestSchema.safeParse(handle?.manifest);
      if (!parsed.success) throw new Error(`model ${name}: the prover's manifest is not a sovra-model manifest`);
      return parsed.data;
    },
    async prove(name, input) {
      const started = performance.now();
      const result = await circuits.prove(await model(name), Array.from(input));
      const seconds = (performance.now() - started) / 1000;
      if (typeof result.calldata !== "string" || !result.calldata.startsWith("0x")) {
        throw new Error("prover returned no hex calldata for submitResult");
      }
      // On-chain output = the public signals before the trailing input hash (the circuit's order: out..., inputHash).
      const signals = result.publicSignals !== undefined ? toBigints(result.publicSignals, "publicSignals") : undefined;
      const output =
        result.packedOutput !== undefined
          ? toBigints(result.packedOutput, "packedOutput")
          : signals !== undefined
            ? signals.slice(0, -1)
            : toBigints(result.output, "output");
      if (signals !== undefined) {
        const expected = BigInt((await circuits.inputHash(await model(name), Array.from(input))) as string | bigint);
        if (signals[signals.length - 1] !== expected)
          throw new Error("prover's last public signal is not the input hash");
      }
      return { output, proof: result.calldata as Hex, seconds };
    },
    async decodeOutput(name, packed) {
      const layout = outputLayout(await model(name));
      if (layout === undefined || circuits.unpackOutput === undefined)
        throw new Error(`no output layout known for ${name}`);
      return circuits.unpackOutput(packed, layout.count, layout.laneBits);
    },
    async close() {
      await circuits.close?.();
    },
  };
}
