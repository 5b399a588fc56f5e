// Order book levels read from the market's per-tick views, and the cumulative steps a depth chart draws.

export type Level = { tick: number; quantity: number };

/** Shape of the market's `LevelView` (asks: unfilled capacity; bids: number of bids). */
export type LevelView = { tick: number; orders: number; quantity: bigint; head: bigint };

/** Cumulative depth from the best price outwards. */
export function cumulative(levels: readonly Level[]): Array<{ tick: number; total: number }> {
  let total = 0;
  return levels.map((level) => {
    total += level.quantity;
    return { tick: level.tick, total };
  });
}

/** Bid-ask spread in ticks, or `undefined` when a side is empty. */
export function spreadTicks(
  bestAsk: number | null | undefined,
  bestBid: number | null | undefined,
): number | undefined {
  if (bestAsk === null || bestAsk === undefined || bestBid === null || bestBid === undefined) return undefined;
  return bestAsk - bestBid;
}

export type BookSide = "ask" | "bid";

/** What walking one side of the book needs from the market (its `nextTick` and `levelOf` views). */
export type BookReader = {
  /** First non-empty tick at or beyond `tick` in the side's worse direction (asks up, bids down). */
  nextTick(side: BookSide, tick: number): Promise<number | null>;
  levelOf(side: BookSide, tick: number): Promise<LevelView>;
};

/**
 * Walks one side of the book from the best tick outwards through the market's bitmap of non-empty ticks,
 * reading each level's on-chain quantity; at most `maxLevels` levels.
 */
export async function walkSide(reader: BookReader, side: BookSide, maxLevels: number): Promise<Level[]> {
  const levels: Level[] = [];
  let tick = await reader.nextTick(side, side === "ask" ? 0 : 65_535);
  while (tick !== null && levels.length < maxLevels) {
    const view = await reader.levelOf(side, tick);
    if (view.quantity > 0n) levels.push({ tick, quantity: Number(view.quantity) });
    if (side === "ask" ? tick >= 65_535 : tick <= 0) break;
    tick = await reader.nextTick(side, side === "ask" ? tick + 1 : tick - 1);
  }
  return levels;
}
