/** `ISpotMarket.MarketParams`, field for field: one market's policy, as `createMarket` and `setMarketParams` take it. */
export type MarketParams = {
  /** Payment-token units per price tick. */
  tickSize: bigint;
  /** Governance-token units of collateral reserved per unit of ask capacity. */
  collateralPerJob: bigint;
  /** Protocol fee on each settled job, in basis points. */
  feeBps: number;
  /** Share of slashed collateral to the buyer, in basis points. */
  slashBuyerBps: number;
  /** Share of slashed collateral to whoever calls `expire`, in basis points. */
  slashCallerBps: number;
  /** Seconds a provider gets at least between match and deadline. */
  minJobWindow: number;
  /** Gas cap of consumer callbacks. */
  callbackGasLimit: number;
  /** Most jobs one ask can take. */
  maxAskCapacity: number;
  /** Whether new orders are accepted. */
  active: boolean;
};
