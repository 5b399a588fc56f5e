// `sovra-provider status` in words and in JSON. Amounts are tokens with their symbols (base units only in the JSON,
// next to the tokens), and the profile's "VRAM" says what it is on a CPU-only host: the host RAM onnxruntime's
// cpu execution provider can use, as the benchmark report records it (`memorySource: host-ram`).
import { formatUnits, type Address, type Hex } from "viem";
import { formatAmount, formatTime, type TokenInfo } from "./errors.ts";
import type { Tokens } from "./session.ts";

export type MemorySource = "gpu" | "host-ram";

export type ProviderStatus = {
  provider: Address;
  chainId: number;
  chainHead: bigint;
  registered: boolean;
  profile: {
    gpuModel: string;
    vramMb: number;
    throughputMilliOpsPerSec: bigint;
    region: string;
    benchmarkReport: Hex;
  } | null;
  /** Where the profile's memory figure comes from, and how that is known. */
  memory: { source: MemorySource; from: "report" | "gpuModel" } | null;
  stake: { staked: bigint; locked: bigint; unbonding: bigint; unbondingReadyAt: bigint; free: bigint };
  owed: bigint;
  releasableCollateral: bigint;
  pendingProtocolFees: bigint;
  balances: { stake: bigint; payment: bigint };
  watcherCursor: bigint | null;
  queue: Record<string, Record<string, number>> | null;
  redisUrl: string;
};

/**
 * Whether a registered memory figure is GPU VRAM or host RAM. The benchmark report says so (`summary.memorySource`)
 * when the local report is the one registered; otherwise the GPU model tells: the benchmark names a host without a
 * GPU "none (CPU: ...)", and only then records host RAM.
 */
export function memorySourceOf(
  gpuModel: string,
  report: { digest: Hex; memorySource: MemorySource } | undefined,
  registeredDigest: Hex,
): ProviderStatus["memory"] {
  if (report !== undefined && report.digest.toLowerCase() === registeredDigest.toLowerCase())
    return { source: report.memorySource, from: "report" };
  return { source: gpuModel.startsWith("none (") ? "host-ram" : "gpu", from: "gpuModel" };
}

function amount(units: bigint, token: TokenInfo): { units: string; amount: string; symbol: string } {
  return { units: units.toString(), amount: formatUnits(units, token.decimals), symbol: token.symbol };
}

const OPS_PREFIXES: [number, string][] = [
  [1e12, "T"],
  [1e9, "G"],
  [1e6, "M"],
  [1e3, "k"],
];

/** "411.2 Gops/s" from thousandths of an operation per second. */
export function formatThroughput(milliOps: bigint): string {
  const ops = Number(milliOps) / 1000;
  for (const [scale, prefix] of OPS_PREFIXES) if (ops >= scale) return `${(ops / scale).toFixed(1)} ${prefix}ops/s`;
  return `${ops.toFixed(1)} ops/s`;
}

export function memoryText(vramMb: number, memory: ProviderStatus["memory"]): string {
  if (memory?.source === "host-ram")
    return `${vramMb} MB of host RAM usable by onnxruntime (no GPU: memorySource host-ram${memory.from === "gpuModel" ? ", from the GPU model name" : ""})`;
  return `${vramMb} MB of GPU VRAM`;
}

/** The status as lines for a person. */
export function statusLines(s: ProviderStatus, tokens: Tokens): string[] {
  const sov = (units: bigint) => formatAmount(units, tokens.stake);
  const usd = (units: bigint) => formatAmount(units, tokens.payment);
  const lines = [`provider ${s.provider} on chain ${s.chainId} (head block ${s.chainHead})`];
  if (s.profile === null) lines.push("registered: no (run `sovra-provider benchmark`, then `sovra-provider register`)");
  else {
    const p = s.profile;
    lines.push(`registered: yes, region ${p.region || "unknown"}`);
    lines.push(
      `  hardware: ${p.gpuModel}; ${memoryText(p.vramMb, s.memory)}; throughput ${formatThroughput(p.throughputMilliOpsPerSec)}`,
    );
    lines.push(
      `  benchmark report: sha256 ${p.benchmarkReport}${s.memory?.from === "report" ? " (the local report file)" : ""}`,
    );
  }
  const unbonding =
    s.stake.unbonding > 0n
      ? `, ${sov(s.stake.unbonding)} unbonding (withdrawable ${formatTime(s.stake.unbondingReadyAt)})`
      : "";
  lines.push(
    `stake: ${sov(s.stake.staked)} staked: ${sov(s.stake.free)} free, ${sov(s.stake.locked)} locked as collateral${unbonding}`,
  );
  const withdraw = s.owed > 0n || s.releasableCollateral > 0n ? " (`sovra-provider withdraw`)" : "";
  lines.push(
    `earnings: ${usd(s.owed)} owed, ${sov(s.releasableCollateral)} of settled jobs' collateral releasable, ${usd(s.pendingProtocolFees)} protocol fees pending${withdraw}`,
  );
  lines.push(`wallet: ${sov(s.balances.stake)}, ${usd(s.balances.payment)}`);
  lines.push(
    s.watcherCursor === null
      ? "watcher: no cursor yet (the node has not run against this Redis)"
      : `watcher: cursor at block ${s.watcherCursor}, ${s.chainHead - s.watcherCursor} blocks behind the head`,
  );
  if (s.queue === null) lines.push(`queue: Redis unreachable at ${s.redisUrl}`);
  else {
    const stages = Object.entries(s.queue).map(
      ([stage, c]) =>
        `${stage} ${c.waiting ?? 0} waiting, ${c.active ?? 0} active, ${c.delayed ?? 0} delayed, ${c.failed ?? 0} failed, ${c.completed ?? 0} done`,
    );
    lines.push(`queue: ${stages.join("; ")}`);
  }
  return lines;
}

/** The status for machines: every amount in base units and in tokens. */
export function statusJson(s: ProviderStatus, tokens: Tokens): Record<string, unknown> {
  return {
    provider: s.provider,
    chainId: s.chainId,
    registered: s.registered,
    profile:
      s.profile === null
        ? null
        : {
            ...s.profile,
            throughputMilliOpsPerSec: s.profile.throughputMilliOpsPerSec.toString(),
            memorySource: s.memory?.source ?? null,
            memorySourceFrom: s.memory?.from ?? null,
            memory: memoryText(s.profile.vramMb, s.memory),
          },
    stake: {
      staked: amount(s.stake.staked, tokens.stake),
      free: amount(s.stake.free, tokens.stake),
      locked: amount(s.stake.locked, tokens.stake),
      unbonding: amount(s.stake.unbonding, tokens.stake),
      unbondingReadyAt: s.stake.unbondingReadyAt.toString(),
    },
    owed: amount(s.owed, tokens.payment),
    releasableCollateral: amount(s.releasableCollateral, tokens.stake),
    pendingProtocolFees: amount(s.pendingProtocolFees, tokens.payment),
    balances: { stake: amount(s.balances.stake, tokens.stake), payment: amount(s.balances.payment, tokens.payment) },
    chainHead: s.chainHead.toString(),
    watcherCursor: s.watcherCursor?.toString() ?? null,
    lagBlocks: s.watcherCursor === null ? null : (s.chainHead - s.watcherCursor).toString(),
    queue: s.queue ?? `redis unreachable at ${s.redisUrl}`,
  };
}
