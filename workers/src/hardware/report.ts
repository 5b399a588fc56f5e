import { bytesToHex, recoverMessageAddress, type Address, type Hex } from "viem";
import type { LocalAccount } from "viem/accounts";
import { cidOf, sha256 } from "@sovra/circuits/io/cid";
import type { MatmulResult, ModelLatency, ProviderProbe } from "./benchmark.ts";
import type { GpuInfo, HostInfo } from "./detect.ts";

export const REPORT_SCHEMA = "sovra.benchmark/1";

export type BenchmarkReport = {
  schema: typeof REPORT_SCHEMA;
  provider: Address;
  createdAt: string;
  host: HostInfo;
  onnxruntime: string;
  gpus: GpuInfo[];
  gpuNote?: string;
  executionProviders: ProviderProbe[];
  matmul: MatmulResult[];
  models: ModelLatency[];
  /** What goes into the on-chain hardware profile, derived from the measurements above. */
  summary: {
    gpuModel: string;
    /** Memory the inference device can use: the GPU's VRAM, or on a CPU-only host the RAM onnxruntime's cpu provider allocates from. */
    vramMb: number;
    /** Where `vramMb` comes from: `gpu` (nvidia-smi) or `host-ram` (cpu execution provider: host RAM, cgroup limit applied). */
    memorySource: "gpu" | "host-ram";
    throughputMilliOpsPerSec: string;
    bestDevice: string;
  };
};

export type SignedReport = { report: BenchmarkReport; signature: Hex };

/** JSON with object keys sorted, so a report signs and hashes the same everywhere. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * Memory, in MiB, that onnxruntime's cpu execution provider can allocate: the host's RAM, capped by the process's
 * cgroup limit when there is one (`host.memoryLimitBytes`).
 */
export function hostInferenceMemoryMb(host: HostInfo): number {
  const limit = host.memoryLimitBytes;
  const bytes = limit !== undefined && limit > 0 && limit < host.memoryBytes ? limit : host.memoryBytes;
  return Math.floor(bytes / 1024 ** 2);
}

/**
 * Profile figures from measurements only: the first GPU nvidia-smi lists and its VRAM, else the CPU and the
 * host RAM its execution provider can use (the registry refuses 0, and 0 would be false: a CPU-only node does
 * have memory for models, host RAM), and the best measured matrix throughput, in thousandths of an operation
 * per second.
 */
export function summarize(host: HostInfo, gpus: GpuInfo[], matmul: MatmulResult[]): BenchmarkReport["summary"] {
  const best = matmul.filter((m) => m.supported).sort((a, b) => b.opsPerSecond - a.opsPerSecond)[0];
  const gpu = gpus[0];
  return {
    gpuModel:
      gpu !== undefined ? `${gpu.name}${gpus.length > 1 ? ` x${gpus.length}` : ""}` : `none (CPU: ${host.cpuModel})`,
    vramMb: gpu !== undefined ? gpu.memoryMb : hostInferenceMemoryMb(host),
    memorySource: gpu !== undefined ? "gpu" : "host-ram",
    throughputMilliOpsPerSec: best === undefined ? "0" : `${BigInt(Math.floor(best.opsPerSecond)) * 1000n}`,
    bestDevice: best === undefined ? "none" : `${best.device}/${best.dtype}`,
  };
}

/** Signs the canonical JSON of the report with EIP-191 (personal_sign) by the provider key. */
export async function signReport(report: BenchmarkReport, account: LocalAccount): Promise<SignedReport> {
  if (report.provider.toLowerCase() !== account.address.toLowerCase())
    throw new Error("report.provider must be the signing account");
  return { report, signature: await account.signMessage({ message: canonicalJson(report) }) };
}

/** The exact bytes written to disk and hashed for the chain. */
export function reportBytes(signed: SignedReport): Uint8Array {
  return new TextEncoder().encode(`${canonicalJson(signed)}\n`);
}

/** sha2-256 digest (the on-chain `benchmarkReport`) and CIDv1 of the report file's bytes. */
export function reportDigest(bytes: Uint8Array): { digest: Hex; cid: string } {
  return { digest: bytesToHex(sha256(bytes)), cid: cidOf(bytes) };
}

/** Recovers the signer of a report and checks it is the provider the report names. */
export async function verifyReport(signed: SignedReport): Promise<boolean> {
  const signer = await recoverMessageAddress({ message: canonicalJson(signed.report), signature: signed.signature });
  return signer.toLowerCase() === signed.report.provider.toLowerCase();
}
