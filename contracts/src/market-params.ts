/** `ISpotMarket.MarketParams`, field for field: one market's policy, as `createMarket` and `setMarketParams` take it. */
export type MarketParams = {
  /** Payment-token units per price tick. */
  tickSize: bigint;
  /** Governance-token units of collateral reserved per unit of ask capacity. */
  collateralPerJob: bigint;
  /** Payment-token units a callback job adds to its price: the provider pays the callback's gas. */
  callbackPremium: bigint;
  /** Protocol fee on each settled job, in basis points. */
  feeBps: number;
  /** A bid's deadline is at least this many seconds after the block that includes it. */
  minJobWindow: number;
  /** ... and at most this many (bounds how long a job can hold a provider's collateral). */
  maxJobWindow: number;
  /** Gas cap of consumer callbacks. */
  callbackGasLimit: number;
  /** Most jobs one ask can take. */
  maxAskCapacity: number;
  /** Whether new orders are accepted. */
  active: boolean;
};
