import type { ModelConfig } from "../ignition/modules/Sovra.ts";

export type LocalModel = { name: string; config: ModelConfig };

/**
 * Models registered on the local chain. Filled from the circuits package's manifests (each model's weights CID
 * and the verifier generated from its circuit) once that package ships them; none until then.
 */
export async function localModels(): Promise<LocalModel[]> {
  return [];
}
