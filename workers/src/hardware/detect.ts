import { execFile } from "node:child_process";
import os from "node:os";
import { promisify } from "node:util";

const run = promisify(execFile);

export type GpuInfo = { name: string; memoryMb: number; driver: string; uuid: string };

export type HostInfo = {
  os: string;
  arch: string;
  cpuModel: string;
  cpuCores: number;
  memoryBytes: number;
  /** The process's cgroup memory limit (`process.constrainedMemory()`), when the host sets one below its RAM. */
  memoryLimitBytes?: number;
  freeMemoryBytes: number;
  node: string;
};

/** Parses `nvidia-smi --query-gpu=name,memory.total,driver_version,uuid --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(text: string): GpuInfo[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const [name = "", memory = "0", driver = "", uuid = ""] = line.split(",").map((s) => s.trim());
      return { name, memoryMb: Number.parseInt(memory, 10) || 0, driver, uuid };
    });
}

/** NVIDIA GPUs as `nvidia-smi` reports them; empty when there is no `nvidia-smi` or no GPU. */
export async function detectGpus(): Promise<{ gpus: GpuInfo[]; note?: string }> {
  try {
    const { stdout } = await run(
      "nvidia-smi",
      ["--query-gpu=name,memory.total,driver_version,uuid", "--format=csv,noheader,nounits"],
      {
        timeout: 15_000,
      },
    );
    return { gpus: parseNvidiaSmi(stdout) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      gpus: [],
      note:
        code === "ENOENT" ? "nvidia-smi not found" : `nvidia-smi failed: ${(error as Error).message.split("\n")[0]}`,
    };
  }
}

export function hostInfo(): HostInfo {
  const cpus = os.cpus();
  const limit = process.constrainedMemory();
  return {
    os: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cpuCores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    ...(limit > 0 && limit < os.totalmem() ? { memoryLimitBytes: limit } : {}),
    freeMemoryBytes: os.freemem(),
    node: process.version,
  };
}
