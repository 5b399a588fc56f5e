import { describe, expect, it } from "vitest";
import { countTicks, formatTimeTick, niceTicks, timeTicks } from "../src/lib/chart-scale";

describe("niceTicks", () => {
  it("uses 1-2-5 steps and widens the domain to whole steps", () => {
    expect(niceTicks(20_000, 50_000, 4)).toEqual({ ticks: [20_000, 30_000, 40_000, 50_000], min: 20_000, max: 50_000 });
    expect(niceTicks(0.013, 0.048, 4).ticks).toEqual([0.01, 0.02, 0.03, 0.04, 0.05]);
  });
  it("frames a single value", () => {
    const { ticks, min, max } = niceTicks(50_000, 50_000, 4);
    expect(min).toBeLessThan(50_000);
    expect(max).toBeGreaterThan(50_000);
    expect(ticks).toContain(50_000);
  });
  it("never steps below the given unit", () => {
    expect(niceTicks(1, 3, 10, 1).ticks).toEqual([1, 2, 3]);
  });
});

describe("countTicks", () => {
  it("counts jobs in whole numbers from zero", () => {
    expect(countTicks(1)).toEqual({ ticks: [0, 1], max: 1 });
    expect(countTicks(100)).toEqual({ ticks: [0, 50, 100], max: 100 });
    expect(countTicks(7).ticks.every(Number.isInteger)).toBe(true);
  });
});

describe("timeTicks", () => {
  const noon = Date.UTC(2026, 10, 27, 12, 0, 0) / 1000;
  it("labels a span within a day with clock times", () => {
    const { ticks } = timeTicks(noon, noon + 3_600, 4);
    expect(ticks.map((tick) => tick.label)).toEqual(["12:00", "12:15", "12:30", "12:45", "13:00"]);
  });
  it("shows a minute around trades of one block, with seconds", () => {
    const { ticks, min, max } = timeTicks(noon, noon, 4);
    expect(min).toBeLessThan(noon);
    expect(max).toBeGreaterThan(noon);
    expect(ticks.some((tick) => tick.label === "12:00:00")).toBe(true);
  });
  it("adds the date when the span crosses days", () => {
    const { ticks } = timeTicks(noon, noon + 3 * 86_400, 4);
    expect(ticks[0]?.label).toBe("11-28");
  });
  it("formats one tick", () => {
    expect(formatTimeTick(noon + 30, 15, false)).toBe("12:00:30");
    expect(formatTimeTick(noon, 3_600, true)).toBe("11-27 12:00");
  });
});
