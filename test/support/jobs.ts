// Buyer-side helpers that talk to the market directly (the buyer CLI is exercised in job.test.ts): place a bid with
// any inputRef / inputHash (including wrong ones), rebuild a job's terms from its events, expire it.
import { bytesToHex, maxUint256, parseEventLogs, type Hex } from "viem";
import type { HDAccount } from "viem/accounts";
import { jobTermsFromEvents, spotMarketAbi, testStablecoinAbi, type JobTerms } from "@sovra/contracts";
import { hashBytes } from "@sovra/circuits";
import { testClient, wallet, type System } from "./system.ts";

export type PlacedBid = { jobId: bigint; matched: boolean; blockNumber: bigint; escrow: bigint };

export async function approveMarket(sys: System, account: HDAccount): Promise<void> {
  const hash = await wallet(sys, account).writeContract({
    address: sys.deployment.contracts.paymentToken,
    abi: testStablecoinAbi,
    functionName: "approve",
    args: [sys.market, maxUint256],
  });
  await sys.client.waitForTransactionReceipt({ hash });
}

/**
 * The chain's clock now: mines an empty block and returns its timestamp. The latest block's timestamp is not it:
 * Hardhat mines only on transactions, so after a quiet minute (a test waiting on a slow job) that block is a
 * minute old, and a deadline computed from it can fall short of the market's minimum job window
 * (`InvalidDeadline`). A block mined now also carries any time a test moved the clock by (`increaseTime`).
 */
export async function chainNow(sys: System): Promise<bigint> {
  await testClient(sys).mine({ blocks: 1 });
  return (await sys.client.getBlock({ blockTag: "latest" })).timestamp;
}

/**
 * Places a bid on `marketId` (default: the mlp market of the open class). `inputHash` defaults to the input's. The
 * deadline is `deadlineIn` (default 300) seconds after the chain's clock now.
 */
export async function placeBid(
  sys: System,
  options: {
    pixels: ArrayLike<number>;
    inputRef?: Hex;
    inputHash?: bigint;
    maxTick?: number;
    deadlineIn?: bigint;
    marketId?: number;
    account?: HDAccount;
  },
): Promise<PlacedBid> {
  const marketId =
    options.marketId ?? sys.deployment.markets.find((m) => m.model === "mlp" && m.policyClass === 0)?.marketId ?? 0;
  const inputRef = options.inputRef ?? bytesToHex(Uint8Array.from(options.pixels));
  const inputHash = options.inputHash ?? (await hashBytes(options.pixels));
  const now = await chainNow(sys);
  const hash = await wallet(sys, options.account ?? sys.buyer).writeContract({
    address: sys.market,
    abi: spotMarketAbi,
    functionName: "placeBid",
    args: [marketId, options.maxTick ?? 50, inputHash, inputRef, now + (options.deadlineIn ?? 300n), false],
  });
  const receipt = await sys.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`placeBid reverted: ${hash}`);
  const placed = parseEventLogs({ abi: spotMarketAbi, eventName: "BidPlaced", logs: receipt.logs })[0];
  const matched = parseEventLogs({ abi: spotMarketAbi, eventName: "JobMatched", logs: receipt.logs })[0];
  if (placed === undefined) throw new Error("no BidPlaced event");
  return {
    jobId: placed.args.orderId,
    matched: matched !== undefined,
    blockNumber: receipt.blockNumber,
    escrow: matched?.args.price ?? 0n,
  };
}

/** A job's terms, joined from its BidPlaced and JobMatched events. */
export async function termsOf(sys: System, jobId: bigint): Promise<JobTerms> {
  const fromBlock = BigInt(sys.deployment.startBlock);
  const [bid] = await sys.client.getContractEvents({
    address: sys.market,
    abi: spotMarketAbi,
    eventName: "BidPlaced",
    args: { orderId: jobId },
    fromBlock,
    strict: true,
  });
  const [match] = await sys.client.getContractEvents({
    address: sys.market,
    abi: spotMarketAbi,
    eventName: "JobMatched",
    args: { jobId },
    fromBlock,
    strict: true,
  });
  if (bid === undefined || match === undefined) throw new Error(`job ${jobId}: events not found`);
  return jobTermsFromEvents(bid.args, match.args);
}

/** Moves the chain's clock past `deadline` and mines a block. */
export async function passDeadline(sys: System, deadline: bigint): Promise<void> {
  const now = (await sys.client.getBlock()).timestamp;
  const test = testClient(sys);
  if (deadline >= now) await test.increaseTime({ seconds: Number(deadline - now + 1n) });
  await test.mine({ blocks: 1 });
}

/** Expires a job as `caller`. */
export async function expireJob(sys: System, jobId: bigint, caller: HDAccount): Promise<void> {
  const terms = await termsOf(sys, jobId);
  const hash = await wallet(sys, caller).writeContract({
    address: sys.market,
    abi: spotMarketAbi,
    functionName: "expire",
    args: [jobId, terms],
  });
  const receipt = await sys.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`expire(${jobId}) reverted`);
}

export async function jobStatus(sys: System, jobId: bigint): Promise<number> {
  return sys.client.readContract({ address: sys.market, abi: spotMarketAbi, functionName: "jobStatus", args: [jobId] });
}
