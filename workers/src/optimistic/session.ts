// onnxruntime sessions for the optimistic runners. The execution provider is chosen by the caller (and goes in
// the result's record); nothing falls back silently, because a result's comparison rule was measured per
// provider (see scripts/compare-optimistic.ts).
import ort from "onnxruntime-node";
import type { ExecutionProviderName } from "../config.ts";

// onnxruntime logs a provider that fails to load at error level; openSession reports it once, in one line.
ort.env.logLevel = "fatal";

export type RunnerOptions = {
  /** Execution provider (default cpu). */
  device?: ExecutionProviderName;
  /** Intra-op threads on the cpu provider (default: onnxruntime's choice, one per core). */
  threads?: number;
};

export async function openSession(model: Uint8Array, options: RunnerOptions): Promise<ort.InferenceSession> {
  const device = options.device ?? "cpu";
  try {
    return await ort.InferenceSession.create(model, {
      executionProviders: [device],
      logSeverityLevel: 3,
      ...(options.threads === undefined ? {} : { intraOpNumThreads: options.threads }),
    });
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
    throw new Error(`execution provider ${device} could not load the model: ${reason.slice(0, 200)}`);
  }
}

/** The float32 data of a session output (copied: onnxruntime may reuse its buffers). */
export function floatOutput(outputs: ort.InferenceSession.ReturnType, name: string): Float32Array<ArrayBuffer> {
  const tensor = outputs[name];
  if (tensor === undefined || tensor.type !== "float32") throw new Error(`model output ${name} missing`);
  return Float32Array.from(tensor.data as Float32Array);
}

export { ort };
