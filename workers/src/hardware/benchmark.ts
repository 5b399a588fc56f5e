import ort from "onnxruntime-node";
import type { ExecutionProviderName } from "../config.ts";
import { createSession, firstLine, inputTensor } from "../inference.ts";
import { matmulModel, toHalf, type MicroDtype } from "./onnx-writer.ts";

export type ProviderProbe = { device: ExecutionProviderName; available: boolean; error?: string };

export type MatmulResult =
  | {
      device: ExecutionProviderName;
      dtype: MicroDtype;
      n: number;
      runs: number;
      seconds: number;
      opsPerSecond: number;
      supported: true;
    }
  | { device: ExecutionProviderName; dtype: MicroDtype; n: number; supported: false; error: string };

export type ModelLatency = {
  name: string;
  cid: string;
  device: ExecutionProviderName;
  loadSeconds: number;
  runs: number;
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
};

/** Which execution providers can create and run a session here (each tried alone). */
export async function probeExecutionProviders(order: readonly ExecutionProviderName[]): Promise<ProviderProbe[]> {
  const model = matmulModel(8, "float32");
  const out: ProviderProbe[] = [];
  for (const device of order) {
    try {
      const session = await ort.InferenceSession.create(model, { executionProviders: [device], logSeverityLevel: 3 });
      const a = new ort.Tensor("float32", new Float32Array(64).fill(1), [8, 8]);
      const result = await session.run({ a, b: a });
      await session.release();
      if (result.c?.data[0] !== 8) throw new Error("wrong result from the probe model");
      out.push({ device, available: true });
    } catch (error) {
      out.push({ device, available: false, error: firstLine(error) });
    }
  }
  return out;
}

function operand(n: number, dtype: MicroDtype): ort.Tensor {
  const count = n * n;
  if (dtype === "float32") {
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = ((i * 7919) % 17) / 17 - 0.5;
    return new ort.Tensor("float32", data, [n, n]);
  }
  const data = new Uint16Array(count);
  for (let i = 0; i < count; i++) data[i] = toHalf(((i * 7919) % 17) / 17 - 0.5);
  return new ort.Tensor("float16", data, [n, n]);
}

/**
 * Measures `n x n` matrix multiplication on one execution provider: one warm-up run, then runs until
 * `minSeconds` have passed (at least `minRuns`). Counts 2 n^3 operations per run; includes the host/device
 * copies onnxruntime makes, as a job would.
 */
export async function measureMatmul(
  device: ExecutionProviderName,
  dtype: MicroDtype,
  n: number,
  options: { minSeconds?: number; minRuns?: number } = {},
): Promise<MatmulResult> {
  let session: ort.InferenceSession | undefined;
  try {
    session = await ort.InferenceSession.create(matmulModel(n, dtype), {
      executionProviders: [device],
      logSeverityLevel: 3,
    });
    const a = operand(n, dtype);
    const feeds = { a, b: a };
    await session.run(feeds);
    const minSeconds = options.minSeconds ?? 1;
    const minRuns = options.minRuns ?? 3;
    let runs = 0;
    const started = performance.now();
    let seconds = 0;
    while (runs < minRuns || seconds < minSeconds) {
      await session.run(feeds);
      runs++;
      seconds = (performance.now() - started) / 1000;
    }
    return { device, dtype, n, runs, seconds, opsPerSecond: (2 * n ** 3 * runs) / seconds, supported: true };
  } catch (error) {
    return { device, dtype, n, supported: false, error: firstLine(error) };
  } finally {
    await session?.release();
  }
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** Latency of one model on the first provider of `order` that loads it, with an all-zero input. */
export async function measureModel(
  name: string,
  cid: string,
  bytes: Uint8Array,
  order: readonly ExecutionProviderName[],
  runs = 50,
): Promise<ModelLatency> {
  const started = performance.now();
  const { session, device } = await createSession(bytes, order);
  const loadSeconds = (performance.now() - started) / 1000;
  if (session.inputMetadata.length !== 1)
    throw new Error(`model ${name} has ${session.inputMetadata.length} inputs; served models take one`);
  const meta = session.inputMetadata[0];
  const size =
    meta?.isTensor === true ? meta.shape.reduce<number>((a, d) => a * (typeof d === "number" && d > 0 ? d : 1), 1) : 1;
  const feeds = inputTensor(session, new Array<number>(size).fill(0));
  await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t);
  }
  await session.release();
  times.sort((a, b) => a - b);
  return {
    name,
    cid,
    device,
    loadSeconds,
    runs,
    p50Ms: percentile(times, 0.5),
    p95Ms: percentile(times, 0.95),
    meanMs: times.reduce((a, b) => a + b, 0) / times.length,
  };
}
