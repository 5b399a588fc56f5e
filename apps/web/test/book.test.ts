import { describe, expect, it } from "vitest";
import { cumulative, spreadTicks } from "../src/lib/book";

describe("cumulative", () => {
  it("sums depth outwards from the best price", () => {
    expect(
      cumulative([
        { tick: 100, quantity: 3 },
        { tick: 120, quantity: 2 },
      ]),
    ).toEqual([
      { tick: 100, total: 3 },
      { tick: 120, total: 5 },
    ]);
    expect(cumulative([])).toEqual([]);
  });
});

describe("spreadTicks", () => {
  it("is the distance between best ask and best bid", () => {
    expect(spreadTicks(105, 100)).toBe(5);
    expect(spreadTicks(null, 100)).toBeUndefined();
    expect(spreadTicks(105, undefined)).toBeUndefined();
  });
});

import { walkSide, type BookReader, type BookSide } from "../src/lib/book";

/** A book held in plain maps, read the way the market's views answer. */
function bookOf(sides: Record<BookSide, Record<number, number>>): BookReader & { reads: number } {
  const reader = {
    reads: 0,
    async nextTick(side: BookSide, tick: number) {
      reader.reads += 1;
      const ticks = Object.keys(sides[side]).map(Number);
      const found =
        side === "ask"
          ? ticks.filter((t) => t >= tick).sort((a, b) => a - b)
          : ticks.filter((t) => t <= tick).sort((a, b) => b - a);
      return found[0] ?? null;
    },
    async levelOf(side: BookSide, tick: number) {
      reader.reads += 1;
      const quantity = BigInt(sides[side][tick] ?? 0);
      return { tick, orders: quantity > 0n ? 1 : 0, quantity, head: 0n };
    },
  };
  return reader;
}

describe("walkSide", () => {
  const book = { ask: { 120: 2, 100: 3, 65535: 1 }, bid: { 0: 4, 90: 1, 95: 2 } };
  it("walks asks upwards and bids downwards from the best tick, edges included", async () => {
    expect(await walkSide(bookOf(book), "ask", 10)).toEqual([
      { tick: 100, quantity: 3 },
      { tick: 120, quantity: 2 },
      { tick: 65_535, quantity: 1 },
    ]);
    expect(await walkSide(bookOf(book), "bid", 10)).toEqual([
      { tick: 95, quantity: 2 },
      { tick: 90, quantity: 1 },
      { tick: 0, quantity: 4 },
    ]);
  });
  it("stops after maxLevels levels", async () => {
    const reader = bookOf(book);
    expect(await walkSide(reader, "ask", 1)).toEqual([{ tick: 100, quantity: 3 }]);
    expect(reader.reads).toBe(3);
  });
  it("returns nothing for an empty side", async () => {
    expect(await walkSide(bookOf({ ask: {}, bid: {} }), "bid", 10)).toEqual([]);
  });
});
