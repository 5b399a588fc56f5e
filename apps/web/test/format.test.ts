import { describe, expect, it } from "vitest";
import {
  countdown,
  formatOpsPerSecond,
  formatAmount,
  formatBps,
  formatDuration,
  formatTimestamp,
  parseAmount,
  priceToTick,
  shortAddress,
  tickToPrice,
  txHref,
} from "../src/lib/format";

describe("formatAmount", () => {
  it("groups thousands and cuts trailing zeros", () => {
    expect(formatAmount(1_234_567_890n, 6)).toBe("1,234.56789");
    expect(formatAmount(1_000_000_000n, 6)).toBe("1,000");
    expect(formatAmount(0n, 18)).toBe("0");
  });
  it("cuts (does not round) extra fraction digits", () => {
    expect(formatAmount(1_999_999n, 6, 2)).toBe("1.99");
  });
  it("keeps the sign", () => {
    expect(formatAmount(-1_500_000n, 6)).toBe("-1.5");
  });
});

describe("parseAmount", () => {
  it("parses decimals into base units", () => {
    expect(parseAmount("1.5", 6)).toBe(1_500_000n);
    expect(parseAmount("1,000", 6)).toBe(1_000_000_000n);
    expect(parseAmount(".25", 18)).toBe(250_000_000_000_000_000n);
  });
  it("rejects what is not an amount", () => {
    expect(parseAmount("", 6)).toBeUndefined();
    expect(parseAmount("-1", 6)).toBeUndefined();
    expect(parseAmount("1e3", 6)).toBeUndefined();
    expect(parseAmount("0.0000001", 6)).toBeUndefined();
  });
});

describe("ticks", () => {
  it("converts between ticks and prices", () => {
    expect(tickToPrice(250, 10_000n)).toBe(2_500_000n);
    expect(priceToTick(2_509_999n, 10_000n)).toBe(250);
    expect(priceToTick(10n ** 30n, 1n)).toBe(65_535);
    expect(() => priceToTick(1n, 0n)).toThrow();
  });
});

describe("time", () => {
  it("formats durations with the two largest units", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(59)).toBe("59s");
    expect(formatDuration(3_661)).toBe("1h 1m");
    expect(formatDuration(2 * 86_400 + 3 * 3_600 + 5)).toBe("2d 3h");
    expect(formatDuration(-5)).toBe("0s");
  });
  it("formats timestamps in UTC", () => {
    expect(formatTimestamp(0)).toBe("1970-01-01 00:00:00 UTC");
  });
  it("counts down to a target", () => {
    expect(countdown(100, 40)).toEqual({ done: false, text: "in 1m" });
    expect(countdown(100, 100)).toEqual({ done: true, text: "ready" });
  });
});

describe("misc", () => {
  it("shortens addresses", () => {
    expect(shortAddress("0x1234567890abcdef1234567890abcdef12345678")).toBe("0x1234…5678");
  });
  it("formats basis points", () => {
    expect(formatBps(250)).toBe("2.5%");
    expect(formatBps(100)).toBe("1%");
  });
  it("links transactions to the explorer or the local receipt page", () => {
    expect(txHref("0xab")).toBe("/tx/0xab");
    expect(txHref("0xab", "https://scan.example/")).toBe("https://scan.example/tx/0xab");
  });
});

describe("formatOpsPerSecond", () => {
  it("shows the benchmark's throughput with an SI prefix", () => {
    expect(formatOpsPerSecond(2_275_908_449_000n)).toBe("2.28 G ops/s");
    expect(formatOpsPerSecond(989_000_000_000_000_000n)).toBe("989 T ops/s");
    expect(formatOpsPerSecond(120_500n)).toBe("121 ops/s");
    expect(formatOpsPerSecond(0n)).toBe("0 ops/s");
  });
});
