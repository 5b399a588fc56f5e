// What a bid costs the buyer, before the wallet is asked to sign. Mirrors SpotMarket: a bid that crosses the best
// ask trades at once at the ask's price and escrows only that; otherwise it rests and escrows its own price
// (`maxTick * tickSize`), which a provider filling it later is paid. The protocol fee comes out of the provider's
// payment at settlement (`fee = price * feeBps / 10000`): the buyer never pays more than the price. Pure.

const BPS = 10_000n;

export type BidCost = {
  /** The bid trades now against the best ask. */
  matchesNow: boolean;
  /** Tokens taken from the buyer when the bid is placed (the price of the job). */
  charged: bigint;
  /** Protocol fee, taken out of the provider's payment. */
  fee: bigint;
  /** What the provider is paid once the proof verifies. */
  providerGets: bigint;
};

export function bidCost(options: {
  maxTick: number;
  bestAsk: number | null | undefined;
  tickSize: bigint;
  feeBps: number;
}): BidCost {
  const { maxTick, bestAsk, tickSize, feeBps } = options;
  const matchesNow = bestAsk !== null && bestAsk !== undefined && bestAsk <= maxTick;
  const charged = BigInt(matchesNow ? bestAsk : maxTick) * tickSize;
  const fee = (charged * BigInt(feeBps)) / BPS;
  return { matchesNow, charged, fee, providerGets: charged - fee };
}
