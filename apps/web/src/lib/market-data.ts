"use client";
// Reads of one market: its parameters, best ticks, the book rebuilt from events, and its trades.
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { usePublicClient, useReadContract, useReadContracts } from "wagmi";
import { marketAbi } from "./abis";
import { joinJobs, type BidLog, type Job, type MatchLog } from "./jobs";
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

export type Trade = Job & { time: number };

/**
 * Matched jobs (of one market, one provider or one job), oldest first, with their terms and block times:
 * the join of JobMatched and the BidPlaced of the bid each job filled.
 */
export function useTrades(deployment: Deployment, filter: { marketId?: number; provider?: Address; jobId?: bigint }) {
  const client = usePublicClient();
  return useQuery({
    queryKey: [
      "sovra-trades",
      deployment.contracts.spotMarket,
      filter.marketId ?? null,
      filter.provider ?? null,
      filter.jobId?.toString() ?? null,
    ],
    enabled: client !== undefined,
    queryFn: async (): Promise<Trade[]> => {
      if (!client) return [];
      const common = { address: deployment.contracts.spotMarket, abi: marketAbi, fromBlock: BigInt(deployment.startBlock) } as const;
      const [matchLogs, bidLogs] = await Promise.all([
        client.getContractEvents({
          ...common,
          eventName: "JobMatched",
          args: {
            ...(filter.jobId !== undefined ? { jobId: filter.jobId } : {}),
            ...(filter.provider ? { provider: filter.provider } : {}),
          },
        }),
        client.getContractEvents({
          ...common,
          eventName: "BidPlaced",
          args: {
            ...(filter.jobId !== undefined ? { orderId: filter.jobId } : {}),
            ...(filter.marketId !== undefined ? { marketId: filter.marketId } : {}),
          },
        }),
      ]);
      const bids: BidLog[] = [];
      for (const log of bidLogs) {
        const a = log.args;
        if (a.orderId === undefined || a.marketId === undefined || !a.buyer) continue;
        bids.push({
          orderId: a.orderId,
          marketId: a.marketId,
          buyer: a.buyer,
          maxTick: a.maxTick ?? 0,
          inputHash: a.inputHash ?? 0n,
          deadline: a.deadline ?? 0n,
          callback: a.callback ?? false,
        });
      }
      const matches: MatchLog[] = [];
      for (const log of matchLogs) {
        const a = log.args;
        if (a.jobId === undefined || !a.provider) continue;
        matches.push({
          jobId: a.jobId,
          provider: a.provider,
          askId: a.askId ?? 0n,
          price: a.price ?? 0n,
          collateral: a.collateral ?? 0n,
          feeBps: a.feeBps ?? 0,
          callbackGasLimit: a.callbackGasLimit ?? 0,
          txHash: log.transactionHash,
          blockNumber: log.blockNumber,
        });
      }
      const jobs = joinJobs(bids, matches);
      const times = new Map<bigint, number>();
      for (const blockNumber of new Set(jobs.map((job) => job.blockNumber))) {
        const block = await client.getBlock({ blockNumber });
        times.set(blockNumber, Number(block.timestamp));
      }
      return jobs.map((job) => ({ ...job, time: times.get(job.blockNumber) ?? 0 }));
    },
  });
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
          client.readContract({ address, abi: marketAbi, functionName: "levelOf", args: [marketId, sideOf(side), tick] }),
      };
      const [asks, bids] = await Promise.all([walkSide(reader, "ask", maxLevels), walkSide(reader, "bid", maxLevels)]);
      return { asks, bids };
    },
  });
  return { isLoading: query.isLoading, error: query.error, book: query.data };
}
