// What a governance proposal to list a model says, read from the model folder `sovra-model compile` wrote: the
// weights' multihash (checked against the folder's model.onnx), the verifying key's hash (of its vkey.json), the io
// spec. The proposal itself is built by `@sovra/contracts` (`modelProposal`), the same one the dApp submits.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Address, Hex } from "viem";
import { matchesCid } from "@sovra/circuits/io/cid";
import { multihashOfCid } from "@sovra/contracts";
import { vkeyHash } from "@sovra/circuits/io/vkey";
import { ioSpecOf, type ModelManifest, modelManifestSchema } from "@sovra/circuits/manifest";

export type ModelFolder = {
  manifest: ModelManifest;
  weightsMultihash: Hex;
  vkeyHash: Hex;
  ioSpec: string;
};

async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new Error(`${file}: cannot read the ${what} (is this a folder written by sovra-model compile?)`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${file}: the ${what} is not JSON`);
  }
}

/** Reads and cross-checks a model folder; every error is one line naming the file. */
export async function readModelFolder(dir: string): Promise<ModelFolder> {
  const manifestFile = path.join(dir, "manifest.json");
  const parsed = modelManifestSchema.safeParse(await readJsonFile(manifestFile, "manifest"));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${manifestFile}: not a model manifest (${issue?.path.join(".") ?? ""}: ${issue?.message ?? ""})`);
  }
  const manifest = parsed.data;
  const onnxFile = path.join(dir, manifest.files.onnx);
  let onnx: Uint8Array;
  try {
    onnx = new Uint8Array(await readFile(onnxFile));
  } catch {
    throw new Error(`${onnxFile}: cannot read the quantized model`);
  }
  if (!matchesCid(onnx, manifest.weightsCid))
    throw new Error(`${onnxFile} does not hash to the manifest's weights CID ${manifest.weightsCid}`);
  const vkeyFile = path.join(dir, manifest.files.vkey);
  let key: Hex;
  try {
    key = vkeyHash(await readJsonFile(vkeyFile, "verifying key"));
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(vkeyFile)) throw error;
    throw new Error(`${vkeyFile}: not a Groth16 bn128 verifying key`);
  }
  return {
    manifest,
    weightsMultihash: multihashOfCid(manifest.weightsCid),
    vkeyHash: key,
    ioSpec: ioSpecOf(manifest),
  };
}

/** "0,1" -> [0, 1]: the policy classes a listing opens markets in. */
export function parsePolicyClasses(text: string): number[] {
  const classes = text.split(",").map((part) => Number(part.trim()));
  if (classes.length === 0 || classes.some((c) => !Number.isInteger(c) || c < 0 || c > 0xffffffff))
    throw new Error(`--classes '${text}': expected policy class numbers separated by commas, e.g. 0,1`);
  return [...new Set(classes)];
}

export type VerifierCheck = { verifier: Address; reported: Hex; expected: Hex };

/** One line for a verifier whose key is not the folder's (the registry would refuse the proposal on execution). */
export function verifierMismatch(check: VerifierCheck): string {
  return `verifier ${check.verifier} reports verifying key ${check.reported}, but the model folder's vkey.json hashes to ${check.expected}: it is not this model's verifier`;
}
