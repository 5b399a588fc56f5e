import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { ioSpecOf, type ModelManifest, modelManifestSchema } from "@sovra/circuits/manifest";
import { multihashOfCid } from "@sovra/contracts";
import { vkeyHash } from "@sovra/circuits/io/vkey";
import type { ModelConfig } from "../ignition/modules/Sovra.ts";
import { repoRoot } from "./paths.ts";

export type LocalModel = { name: string; config: ModelConfig };

const modelsDir = path.join(repoRoot, "circuits", "models");

/** The market publishes a model's held-out figure: a model compiled without held-out data stops the deploy. */
function checkHeldOut(m: ModelManifest, folder: string): void {
  if (m.accuracy === undefined && m.meanAbsError === undefined)
    throw new Error(
      `circuits/models/${folder}/manifest.json publishes neither accuracy nor meanAbsError: compile it with --data`,
    );
}

/**
 * The models the circuits package ships (one folder per model with a `manifest.json`): each is registered with its
 * weights CID (as a multihash), its verifying key's hash and the verifier generated from its circuit, and gets a
 * market in the open policy class (0) and in the GDPR + SOC2 class (1). The io spec stored on-chain is the manifest's
 * `io` section plus the quantized model's held-out figure (`ioSpecOf`): `accuracy` for a classifier, `meanAbsError`
 * for a regressor.
 */
export async function localModels(): Promise<LocalModel[]> {
  let entries: string[];
  try {
    entries = (await readdir(modelsDir)).sort();
  } catch {
    return [];
  }
  const models: LocalModel[] = [];
  for (const entry of entries) {
    let text: string;
    try {
      text = await readFile(path.join(modelsDir, entry, "manifest.json"), "utf8");
    } catch {
      continue; // a model folder that is not built yet
    }
    const manifest = modelManifestSchema.parse(JSON.parse(text));
    checkHeldOut(manifest, entry);
    const vkey: unknown = JSON.parse(await readFile(path.join(modelsDir, entry, manifest.files.vkey), "utf8"));
    models.push({
      name: manifest.name,
      config: {
        modelId: manifest.modelId as `0x${string}`,
        verifierContract: manifest.verifier.contract,
        weightsCid: manifest.weightsCid,
        weightsMultihash: multihashOfCid(manifest.weightsCid),
        vkeyHash: vkeyHash(vkey),
        ioSpec: ioSpecOf(manifest),
        minVramMb: 0,
        policyClasses: [0, 1],
      },
    });
  }
  return models;
}
