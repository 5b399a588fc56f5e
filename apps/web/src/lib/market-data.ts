"use client";
// Reads of the markets: parameters, best ticks, and a book's depth from the per-tick views. Trades and jobs come
// from the ledger (ledger-data.ts).
import { useQuery } from "@tanstack/react-query";
import { usePublicClient, useReadContract, useReadContracts } from "wagmi";
import { marketAbi } from "./abis";
import { walkSide, type BookReader, type BookSide, type Level } from "./book";
import type { Deployment } from "./runtime-config";

export const SIDE_ASK = 0;
export const SIDE_BID = 1;

export function useMarketInfo(deployment: Deployment, marketId: number | undefined) {
  const address = deployment.contracts.spotMarket;
  const enabled = marketId !== undefined;
  const info = useReadContract({
    address,
    abi: marketAbi,
    functionName: "marketOf",
    args: [marketId ?? 0],
    query: { enabled },
  });
  const best = useReadContracts({
    contracts: [
      { address, abi: marketAbi, functionName: "bestTick", args: [marketId ?? 0, SIDE_ASK] },
      { address, abi: marketAbi, functionName: "bestTick", args: [marketId ?? 0, SIDE_BID] },
    ],
    query: { enabled },
  });
  const ask = best.data?.[0]?.result;
  const bid = best.data?.[1]?.result;
  return {
    info: info.data,
    isLoading: info.isLoading,
    error: info.error,
    bestAsk: ask ? (ask[0] ? ask[1] : null) : undefined,
    bestBid: bid ? (bid[0] ? bid[1] : null) : undefined,
  };
}

/** Tick size, fee and best prices of every market of the deployment (for overviews). */
export function useMarketsOverview(deployment: Deployment) {
  const address = deployment.contracts.spotMarket;
  const reads = useReadContracts({
    contracts: deployment.markets.flatMap((market) => [
      { address, abi: marketAbi, functionName: "marketOf" as const, args: [market.marketId] as const },
      { address, abi: marketAbi, functionName: "bestTick" as const, args: [market.marketId, SIDE_ASK] as const },
      { address, abi: marketAbi, functionName: "bestTick" as const, args: [market.marketId, SIDE_BID] as const },
    ]),
  });
  const overview = new Map<
    number,
    { tickSize: bigint; feeBps: number; active: boolean; bestAsk: number | null; bestBid: number | null }
  >();
  deployment.markets.forEach((market, index) => {
    const info = reads.data?.[index * 3]?.result;
    const ask = reads.data?.[index * 3 + 1]?.result;
    const bid = reads.data?.[index * 3 + 2]?.result;
    if (!info || typeof info !== "object" || !("params" in info) || !Array.isArray(ask) || !Array.isArray(bid)) return;
    overview.set(market.marketId, {
      tickSize: info.params.tickSize,
      feeBps: info.params.feeBps,
      active: info.params.active,
      bestAsk: ask[0] ? Number(ask[1]) : null,
      bestBid: bid[0] ? Number(bid[1]) : null,
    });
  });
  return { isLoading: reads.isLoading, overview };
}

/** The open book of a market from its on-chain per-tick levels, best first, both sides. */
export function useDepth(deployment: Deployment, marketId: number | undefined, maxLevels = 30) {
  const client = usePublicClient();
  const address = deployment.contracts.spotMarket;
  const query = useQuery({
    queryKey: ["sovra-depth", address, marketId ?? null, maxLevels],
    enabled: client !== undefined && marketId !== undefined,
    queryFn: async (): Promise<{ asks: Level[]; bids: Level[] }> => {
      if (!client || marketId === undefined) return { asks: [], bids: [] };
      const sideOf = (side: BookSide) => (side === "ask" ? SIDE_ASK : SIDE_BID);
      const reader: BookReader = {
        async nextTick(side, tick) {
          const [exists, next] = await client.readContract({
            address,
            abi: marketAbi,
            functionName: "nextTick",
            args: [marketId, sideOf(side), tick],
          });
          return exists ? next : null;
        },
        levelOf: (side, tick) =>
          client.readContract({
            address,
            abi: marketAbi,
            functionName: "levelOf",
            args: [marketId, sideOf(side), tick],
          }),
      };
      const [asks, bids] = await Promise.all([walkSide(reader, "ask", maxLevels), walkSide(reader, "bid", maxLevels)]);
      return { asks, bids };
    },
  });
  return { isLoading: query.isLoading, error: query.error, book: query.data };
}
