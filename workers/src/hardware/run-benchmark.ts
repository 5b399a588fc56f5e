import { createRequire } from "node:module";
import type { LocalAccount } from "viem/accounts";
import type { ExecutionProviderName } from "../config.ts";
import {
  measureMatmul,
  measureModel,
  probeExecutionProviders,
  type MatmulResult,
  type ModelLatency,
} from "./benchmark.ts";
import { detectGpus, hostInfo } from "./detect.ts";
import {
  REPORT_SCHEMA,
  reportBytes,
  reportDigest,
  signReport,
  summarize,
  type BenchmarkReport,
  type SignedReport,
} from "./report.ts";

export type BenchmarkOptions = {
  account: LocalAccount;
  order: readonly ExecutionProviderName[];
  /** Models to time: name, CID and ONNX bytes (already verified by the weight store). */
  models: { name: string; cid: string; bytes: Uint8Array }[];
  /** Matrix size per device; default 512 on cpu, 2048 elsewhere. */
  size?: number;
  secondsPerMeasurement?: number;
  onStep?: (step: string, done: number, total: number) => void;
};

export type BenchmarkOutcome = { signed: SignedReport; bytes: Uint8Array; digest: `0x${string}`; cid: string };

function onnxruntimeVersion(): string {
  const require = createRequire(import.meta.url);
  return (require("onnxruntime-node/package.json") as { version: string }).version;
}

/** Detects, measures and signs: every figure in the report comes from this machine, now. */
export async function runBenchmark(options: BenchmarkOptions): Promise<BenchmarkOutcome> {
  const { gpus, note } = await detectGpus();
  const probes = await probeExecutionProviders(options.order);
  const available = probes.filter((p) => p.available).map((p) => p.device);
  const total = available.length * 2 + options.models.length;
  let done = 0;
  const matmul: MatmulResult[] = [];
  for (const device of available) {
    for (const dtype of ["float32", "float16"] as const) {
      options.onStep?.(`${device} ${dtype}`, done, total);
      matmul.push(
        await measureMatmul(device, dtype, options.size ?? (device === "cpu" ? 512 : 2048), {
          minSeconds: options.secondsPerMeasurement ?? 1,
        }),
      );
      done++;
    }
  }
  const models: ModelLatency[] = [];
  for (const model of options.models) {
    options.onStep?.(model.name, done, total);
    models.push(await measureModel(model.name, model.cid, model.bytes, options.order));
    done++;
  }
  options.onStep?.("done", done, total);
  const host = hostInfo();
  const report: BenchmarkReport = {
    schema: REPORT_SCHEMA,
    provider: options.account.address,
    createdAt: new Date().toISOString(),
    host,
    onnxruntime: onnxruntimeVersion(),
    gpus,
    ...(note !== undefined ? { gpuNote: note } : {}),
    executionProviders: probes,
    matmul,
    models,
    summary: summarize(host, gpus, matmul),
  };
  const signed = await signReport(report, options.account);
  const bytes = reportBytes(signed);
  const { digest, cid } = reportDigest(bytes);
  return { signed, bytes, digest, cid };
}
