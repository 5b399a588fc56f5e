"use client";
// Shared client hooks: chain time, token metadata, and the transaction runner every write goes through.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useState } from "react";
import type { Abi, Address, Hash, TransactionReceipt } from "viem";
import { useBlock, useConfig, useReadContracts } from "wagmi";
import { waitForTransactionReceipt, getPublicClient } from "wagmi/actions";
import { allAbis, paymentTokenAbi } from "./abis";
import { describeError } from "./errors";

/**
 * Chain time in unix seconds: the latest block's timestamp plus the wall time since it was seen. Countdowns use
 * it rather than the wall clock because contracts compare against block time (and tests move it).
 */
export function useChainNow(): number | undefined {
  const { data: block } = useBlock({ watch: true });
  const [seenAt, setSeenAt] = useState(() => Date.now());
  const [, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the dependency is the trigger: re-stamp when a new block arrives.
  useEffect(() => setSeenAt(Date.now()), [block?.timestamp]);
  useEffect(() => {
    const timer = setInterval(() => setTick((value) => value + 1), 1_000);
    return () => clearInterval(timer);
  }, []);
  if (!block) return undefined;
  return Number(block.timestamp) + Math.floor((Date.now() - seenAt) / 1_000);
}

export type TokenInfo = { symbol: string; decimals: number };

/** Symbol and decimals of an ERC20 (both tokens share the standard getters). */
export function useTokenInfo(address: Address | undefined): TokenInfo | undefined {
  const { data } = useReadContracts({
    contracts: [
      { address, abi: paymentTokenAbi, functionName: "symbol" },
      { address, abi: paymentTokenAbi, functionName: "decimals" },
    ],
    query: { enabled: address !== undefined, staleTime: Number.POSITIVE_INFINITY },
  });
  const symbol = data?.[0]?.result;
  const decimals = data?.[1]?.result;
  return typeof symbol === "string" && typeof decimals === "number" ? { symbol, decimals } : undefined;
}

export type TxState =
  | { status: "idle" }
  | { status: "signing"; label: string }
  | { status: "pending"; label: string; hash: Hash }
  | { status: "confirmed"; label: string; hash: Hash }
  | { status: "failed"; label: string; message: string; hash?: Hash };

export type TxRunner = {
  state: TxState;
  busy: boolean;
  /** Sends with `send`, waits for the receipt, decodes any failure. Resolves to the receipt when it succeeded. */
  run: (label: string, send: () => Promise<Hash>) => Promise<TransactionReceipt | undefined>;
  reset: () => void;
  /** Shows a failure that happened before anything was sent. */
  fail: (label: string, message: string) => void;
};

export function useTx(extraAbis: readonly Abi[] = []): TxRunner {
  const config = useConfig();
  const queryClient = useQueryClient();
  const [state, setState] = useState<TxState>({ status: "idle" });
  const abis = [...allAbis, ...extraAbis];

  // `abis` and `revertReason` are rebuilt every render from `config` and the caller's ABIs: listing them would give
  // `run` a new identity on every render.
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above.
  const run = useCallback(
    async (label: string, send: () => Promise<Hash>) => {
      setState({ status: "signing", label });
      let hash: Hash | undefined;
      try {
        hash = await send();
        setState({ status: "pending", label, hash });
        const receipt = await waitForTransactionReceipt(config, { hash });
        if (receipt.status === "reverted") {
          setState({ status: "failed", label, hash, message: await revertReason(hash) });
          return undefined;
        }
        setState({ status: "confirmed", label, hash });
        await queryClient.invalidateQueries();
        return receipt;
      } catch (error) {
        setState({ status: "failed", label, message: describeError(error, abis).message, ...(hash ? { hash } : {}) });
        return undefined;
      }
    },
    [config, queryClient],
  );

  /** Replays a mined, reverted transaction to read its revert data. */
  async function revertReason(hash: Hash): Promise<string> {
    const client = getPublicClient(config);
    if (!client) return "The transaction reverted.";
    try {
      const tx = await client.getTransaction({ hash });
      await client.call({
        account: tx.from,
        to: tx.to,
        data: tx.input,
        value: tx.value,
        blockNumber: tx.blockNumber ?? undefined,
      });
      return "The transaction reverted.";
    } catch (error) {
      return describeError(error, abis).message;
    }
  }

  return {
    state,
    busy: state.status === "signing" || state.status === "pending",
    run,
    reset: () => setState({ status: "idle" }),
    fail: (label, message) => setState({ status: "failed", label, message }),
  };
}
