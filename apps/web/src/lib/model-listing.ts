// What the Models page proposes when a user lists a model: read from the manifest.json and vkey.json that
// `sovra-model compile` wrote (uploaded, so checked here), turned into the registry's fields. The proposal's
// calldata is `modelProposal` of `@sovra/contracts`, the same one `sovra propose-model` sends.
import type { Hex } from "viem";
import { multihashOfCid } from "@sovra/contracts";
import { vkeyHash } from "@sovra/circuits/io/vkey";
import { ioSpecOf, type ModelManifest, modelManifestSchema } from "@sovra/circuits/manifest";

export type ListingFields = {
  manifest: ModelManifest;
  weightsMultihash: Hex;
  vkeyHash: Hex;
  ioSpec: string;
};

function json(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${file} is not JSON`);
  }
}

/** Parses the two files; one-line errors that name the file. */
export function listingFields(manifestText: string, vkeyText: string): ListingFields {
  const parsed = modelManifestSchema.safeParse(json(manifestText, "manifest.json"));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`manifest.json is not a model manifest (${issue?.path.join(".") ?? ""}: ${issue?.message ?? ""})`);
  }
  let key: Hex;
  try {
    key = vkeyHash(json(vkeyText, "vkey.json"));
  } catch (error) {
    if (error instanceof Error && error.message === "vkey.json is not JSON") throw error;
    throw new Error("vkey.json is not a Groth16 bn128 verifying key");
  }
  return {
    manifest: parsed.data,
    weightsMultihash: multihashOfCid(parsed.data.weightsCid),
    vkeyHash: key,
    ioSpec: ioSpecOf(parsed.data),
  };
}

/** "0, 1" -> [0, 1], or an error naming the field. */
export function parseClasses(text: string): number[] {
  const parts = text.split(",").map((part) => part.trim());
  const classes = parts.map(Number);
  if (parts.some((p) => p === "") || classes.some((c) => !Number.isInteger(c) || c < 0 || c > 0xffffffff))
    throw new Error("policy classes: whole numbers separated by commas, e.g. 0, 1");
  return [...new Set(classes)];
}
