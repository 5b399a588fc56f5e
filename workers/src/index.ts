// @sovra/workers: the provider node's modules, for the CLIs, the end-to-end tests and the root `npm start`.
// The content-id helpers live in the circuits package (one implementation for the project); re-exported here.
export { cidFromDigest, cidOf, digestOfCid, isCid, matchesCid, sha256 } from "@sovra/circuits/io/cid";
export * from "./config.ts";
export * from "./input.ts";
export * from "./image.ts";
export * from "./keystore.ts";
export * from "./logger.ts";
export * from "./metrics.ts";
export * from "./prover.ts";
export * from "./inference.ts";
export * from "./engine.ts";
export * from "./node.ts";
export * from "./chain/abis.ts";
export * from "./chain/context.ts";
export * from "./chain/submitter.ts";
export * from "./chain/watcher.ts";
export * from "./hardware/benchmark.ts";
export * from "./hardware/detect.ts";
export * from "./hardware/onnx-writer.ts";
export * from "./hardware/report.ts";
export * from "./hardware/run-benchmark.ts";
export * from "./pipeline/jobs.ts";
export * from "./pipeline/processors.ts";
export * from "./pipeline/runtime.ts";
export * from "./weights/folder.ts";
export * from "./weights/gateway.ts";
export * from "./weights/store.ts";
