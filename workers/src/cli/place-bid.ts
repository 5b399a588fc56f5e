// A bid as both buyer commands place it (a zk model's inline input, an optimistic model's input by CID): the
// escrow approved when the allowance falls short, the deadline counted from the chain's clock, then `placeBid`,
// whose order id comes from the mined transaction's events.
import { parseEventLogs, type Address, type Hex, type PublicClient, type TransactionReceipt } from "viem";
import { erc20PermitAbi, spotMarketAbi } from "../chain/abis.ts";
import { txLink, type walletClientFor } from "../chain/context.ts";
import type { Config } from "../config.ts";
import { send } from "./common.ts";
import { chainNow } from "./session.ts";

export type BidRequest = {
  market: Address;
  token: Address;
  marketId: number;
  maxTick: bigint;
  /** maxTick x tickSize: what the bid holds in escrow */
  escrow: bigint;
  inputHash: bigint;
  inputRef: Hex;
  /** seconds from the chain's "now" to the deadline */
  window: bigint;
};

export type PlacedBid = {
  orderId: bigint;
  deadline: bigint;
  hash: Hex;
  blockNumber: bigint;
  gasUsed: bigint;
  receipt: TransactionReceipt;
};

export async function placeBid(
  config: Pick<Config, "explorerUrl">,
  publicClient: PublicClient,
  walletClient: ReturnType<typeof walletClientFor>,
  r: BidRequest,
): Promise<PlacedBid> {
  const allowance = await publicClient.readContract({
    address: r.token,
    abi: erc20PermitAbi,
    functionName: "allowance",
    args: [walletClient.account.address, r.market],
  });
  if (allowance < r.escrow)
    await send(publicClient, walletClient, {
      address: r.token,
      abi: erc20PermitAbi,
      functionName: "approve",
      args: [r.market, r.escrow],
    });
  // The deadline counts from the chain's "now" as the next block will see it: an idle local chain's latest
  // block may be much older than the wall clock.
  const deadline = (await chainNow(publicClient)) + r.window;
  const bid = await send(publicClient, walletClient, {
    address: r.market,
    abi: spotMarketAbi,
    functionName: "placeBid",
    args: [r.marketId, Number(r.maxTick), r.inputHash, r.inputRef, deadline, false],
  });
  // The ids come from the mined transaction's events, not from the simulation: another bid landing in between
  // would shift the simulated ids.
  const receipt = await publicClient.getTransactionReceipt({ hash: bid.hash });
  const placed = parseEventLogs({ abi: spotMarketAbi, eventName: "BidPlaced", logs: receipt.logs }).find(
    (l) => l.address.toLowerCase() === r.market.toLowerCase(),
  );
  const orderId = placed?.args.orderId ?? 0n;
  if (orderId === 0n)
    throw new Error(
      `bid not placed: the market first removed stale asks and ran out of its sweep budget; place it again (tx ${txLink(config, bid.hash)})`,
    );
  return { orderId, deadline, hash: bid.hash, blockNumber: bid.blockNumber, gasUsed: bid.gasUsed, receipt };
}
