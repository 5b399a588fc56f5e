// Pure formatting helpers: amounts, prices, addresses, times. No React, no I/O.
import { formatUnits, parseUnits } from "viem";

/** `1234567890n, 6` -> `1,234.56789`. Keeps at most `maxFraction` fraction digits (cut, not rounded). */
export function formatAmount(value: bigint, decimals: number, maxFraction = 6): string {
  const negative = value < 0n;
  const text = formatUnits(negative ? -value : value, decimals);
  const [whole = "0", fraction = ""] = text.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cut = fraction.slice(0, maxFraction).replace(/0+$/, "");
  return `${negative ? "-" : ""}${grouped}${cut ? `.${cut}` : ""}`;
}

/** Parses a decimal amount typed by a person; `undefined` when it is not a valid non-negative amount. */
export function parseAmount(text: string, decimals: number): bigint | undefined {
  const clean = text.trim().replace(/,/g, "");
  if (!/^\d+(\.\d*)?$|^\.\d+$/.test(clean)) return undefined;
  const [, fraction = ""] = clean.split(".");
  if (fraction.length > decimals) return undefined;
  return parseUnits(clean, decimals);
}

/** A market price: `tick * tickSize` in payment-token units. */
export function tickToPrice(tick: number, tickSize: bigint): bigint {
  return BigInt(tick) * tickSize;
}

/** The highest tick whose price is at most `price` (what a buyer willing to pay `price` bids). */
export function priceToTick(price: bigint, tickSize: bigint): number {
  if (tickSize <= 0n) throw new Error("tick size must be positive");
  const tick = price / tickSize;
  return tick > 65_535n ? 65_535 : Number(tick);
}

/** `0x1234...abcd`. */
export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

/** `0x12345678…` for hashes and ids. */
export function shortHex(hex: string, keep = 10): string {
  return hex.length > keep + 2 ? `${hex.slice(0, keep)}…` : hex;
}

/** Seconds -> `2d 3h`, `5m 10s`, `0s`; negative counts as 0. */
export function formatDuration(seconds: number): string {
  let rest = Math.max(0, Math.floor(seconds));
  const units: Array<[string, number]> = [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
    ["s", 1],
  ];
  const parts: string[] = [];
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count}${unit}`);
    if (parts.length === 2) break;
  }
  return parts.length ? parts.join(" ") : "0s";
}

/** Unix seconds -> `2026-11-27 14:05:09 UTC` (fixed format: same on server and client). */
export function formatTimestamp(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** What a countdown to `target` (unix seconds) shows at `now`. */
export function countdown(target: number, now: number): { done: boolean; text: string } {
  const left = target - now;
  return left <= 0 ? { done: true, text: "ready" } : { done: false, text: `in ${formatDuration(left)}` };
}

/** Basis points -> `2.5%`. */
export function formatBps(bps: number): string {
  const percent = bps / 100;
  return `${Number.isInteger(percent) ? percent.toFixed(0) : String(percent)}%`;
}

/** Link to a transaction: the configured explorer, or the dApp's own receipt page on a local chain. */
export function txHref(hash: string, explorer?: string): string {
  return explorer ? `${explorer.replace(/\/$/, "")}/tx/${hash}` : `/tx/${hash}`;
}

/** Link to an address on the configured explorer; `undefined` on a local chain. */
export function addressHref(address: string, explorer?: string): string | undefined {
  return explorer ? `${explorer.replace(/\/$/, "")}/address/${address}` : undefined;
}

/**
 * A registry throughput (`throughputMilliOpsPerSec`, thousandths of an operation per second as the provider node's
 * matrix-multiply benchmark measures them) -> `2.28 G ops/s`.
 */
export function formatOpsPerSecond(milliOps: bigint): string {
  const ops = Number(milliOps) / 1000;
  const prefixes: Array<[number, string]> = [
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  const [size, prefix] = prefixes.find(([limit]) => ops >= limit) ?? [1, ""];
  const scaled = Number((ops / size).toPrecision(3));
  return `${scaled.toLocaleString("en-US")} ${prefix ? `${prefix} ` : ""}ops/s`;
}
