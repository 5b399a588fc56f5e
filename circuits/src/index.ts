export * from "./compiler/index.ts";
export {
  loadModel,
  loadModelDir,
  prove,
  verify,
  witness,
  infer,
  inputHash,
  inputEncoding,
  quantizeInput,
  close,
  modelIdOf,
} from "./prover/prover.ts";
export type { Model, ProveResult } from "./prover/prover.ts";
export { encodeProofCalldata, decodeProofCalldata, proofWords, fromField, FIELD_P } from "./prover/calldata.ts";
export { manifestSchema, modelManifestSchema, type Manifest, type ModelManifest } from "./prover/manifest.ts";
export { modelDir } from "./prover/paths.ts";
export { compileModelDir, type CompileDirOptions } from "./model/compile-dir.ts";
export { ensureArtifacts, type EnsureOptions, type ModelArtifacts } from "./model/artifacts.ts";
export { cacheDir, devPtauPath, ensureDevPtau, COMMITTED_DEV_POWER, DEV_POWERS } from "./model/cache.ts";
export { writeKnownTauPtau, powerFor, SOVRA_DEV_TAU, type KnownTau } from "./ptau/known-tau.ts";
export { packOutput, unpackOutput, lanesPerField, packedLength } from "./io/pack.ts";
export { hashBytes, packBytes } from "./io/hash.ts";
export { encodeInput, decodeInput, hashInput, inputDtype, bytesPerValue, type InputEncoding } from "./io/input.ts";
export { weightsCid } from "./io/cid.ts";
