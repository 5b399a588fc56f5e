// One entry point for the provider node, auditors and `--verify`: input bytes in, canonical bytes and their
// commitment out, with the device that produced them (it goes in the result's record).
import type { ExecutionProviderName } from "../config.ts";
import { canonicalBytes, type OutputHash, outputHash } from "./canonical.ts";
import { installedOnnxruntimeVersion, type OptimisticModelName } from "./models.ts";
import { OcrRunner } from "./ocr.ts";
import type { RunnerOptions } from "./session.ts";
import { VadRunner } from "./vad.ts";

export type OptimisticRun = {
  model: OptimisticModelName;
  canonical: Uint8Array;
  hash: OutputHash;
  device: ExecutionProviderName;
  onnxruntime: string;
  ms: number;
};

export type OptimisticRunner = {
  model: OptimisticModelName;
  run(input: Uint8Array): Promise<OptimisticRun>;
  release(): Promise<void>;
};

export async function createOptimisticRunner(
  model: OptimisticModelName,
  options: RunnerOptions = {},
): Promise<OptimisticRunner> {
  const device = options.device ?? "cpu";
  const record = (canonical: Uint8Array, started: number): OptimisticRun => ({
    model,
    canonical,
    hash: outputHash(canonical),
    device,
    onnxruntime: installedOnnxruntimeVersion(),
    ms: performance.now() - started,
  });
  if (model === "ocr") {
    const ocr = await OcrRunner.create(options);
    return {
      model,
      async run(input) {
        const started = performance.now();
        const { lines } = await ocr.recognize(input);
        return record(canonicalBytes("ocr", { lines: lines.map((l) => l.text) }), started);
      },
      release: () => ocr.release(),
    };
  }
  const vad = await VadRunner.create(options);
  return {
    model,
    async run(input) {
      const started = performance.now();
      const { segments } = await vad.detect(input);
      return record(canonicalBytes("vad", { segments }), started);
    },
    release: () => vad.release(),
  };
}
