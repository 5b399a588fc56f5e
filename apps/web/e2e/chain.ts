// Node-side helpers the tests use on the Hardhat node: raw JSON-RPC, time travel, the shared state file.
import { readFileSync } from "node:fs";
import path from "node:path";
import { createPublicClient, createWalletClient, http, parseEventLogs, type Address } from "viem";
import { hardhat } from "viem/chains";
import { parseDeployment, spotMarketAbi, testStablecoinAbi, type Deployment } from "@sovra/contracts";

export const stateFile = path.join(import.meta.dirname, ".state.json");
export const screenshotsDir = path.join(import.meta.dirname, "screenshots");

export type E2eState = { baseUrl: string; rpcUrl: string; deploymentFile: string; gatewayUrl: string };

export function readState(): E2eState & { deployment: Deployment } {
  const state = JSON.parse(readFileSync(stateFile, "utf8")) as E2eState;
  return { ...state, deployment: parseDeployment(JSON.parse(readFileSync(state.deploymentFile, "utf8"))) };
}

export async function rpc<T = unknown>(rpcUrl: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/** Mines `blocks` blocks at once (the governor's clock counts blocks). */
export async function mine(rpcUrl: string, blocks: number): Promise<void> {
  await rpc(rpcUrl, "hardhat_mine", [`0x${blocks.toString(16)}`]);
}

/** Moves chain time forward by `seconds` and mines a block so that it shows. */
export async function increaseTime(rpcUrl: string, seconds: number): Promise<void> {
  await rpc(rpcUrl, "evm_increaseTime", [seconds]);
  await rpc(rpcUrl, "evm_mine", []);
}

/** Hardhat's well-known development accounts (public keys of a public mnemonic; local chain only). */
export const accounts = {
  deployer: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  node: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", // index 1: the provider node global-setup runs
  provider: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65", // index 4: registers, stakes and asks in the browser
  buyer: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", // index 5: not funded, so its first faucet call works
  reader: "0x976EA74026E726554dB657fA54763abd0C3a0aa9", // index 6: connects on a wrong chain
} as const;

/**
 * The provider node's stake (global-setup): each of its asks (100 jobs, one per model's open market) reserves
 * 1,000 SOV of collateral, plus 500 SOV left free; 4,500 SOV for the four shipped models.
 */
export const nodeStakeSov = (models: number): number => 500 + 1_000 * models;

/** The same accounts by index, for the node-side funding. */
export const accountIndex = { deployer: 0, node: 1, provider: 4, buyer: 5, reader: 6 } as const;

/** Ids of the jobs `provider` was matched to, oldest first (a job takes the id of the bid it filled). */
export async function jobsMatchedTo(
  state: E2eState & { deployment: Deployment },
  provider: Address,
): Promise<bigint[]> {
  const client = createPublicClient({ transport: http(state.rpcUrl) });
  const logs = await client.getContractEvents({
    address: state.deployment.contracts.spotMarket,
    abi: spotMarketAbi,
    eventName: "JobMatched",
    args: { provider },
    fromBlock: 0n,
  });
  return logs.flatMap((log) => (log.args.jobId === undefined ? [] : [log.args.jobId]));
}

/** Chain time: the latest block's timestamp. */
export async function chainNow(rpcUrl: string): Promise<bigint> {
  const client = createPublicClient({ transport: http(rpcUrl) });
  return (await client.getBlock()).timestamp;
}

/** Payment-token balance of `account`, in base units. */
export async function paymentBalance(state: E2eState & { deployment: Deployment }, account: Address): Promise<bigint> {
  const client = createPublicClient({ transport: http(state.rpcUrl) });
  return client.readContract({
    address: state.deployment.contracts.paymentToken,
    abi: testStablecoinAbi,
    functionName: "balanceOf",
    args: [account],
  });
}

/**
 * Places a bid from the node side, signed by the Hardhat node for its unlocked `account` (tests use it to set up
 * orders quickly; the browser flows place theirs through the dApp). Returns the bid's order id.
 */
export async function placeBidAs(
  state: E2eState & { deployment: Deployment },
  account: Address,
  options: { marketId: number; maxTick: number; windowSeconds?: number },
): Promise<bigint> {
  const transport = http(state.rpcUrl);
  const client = createPublicClient({ transport });
  const wallet = createWalletClient({ transport, account });
  const chain = hardhat;
  const market = state.deployment.contracts.spotMarket;
  const info = await client.readContract({
    address: market,
    abi: spotMarketAbi,
    functionName: "marketOf",
    args: [options.marketId],
  });
  const escrow = BigInt(options.maxTick) * info.params.tickSize;
  const approve = await wallet.writeContract({
    chain,
    address: state.deployment.contracts.paymentToken,
    abi: testStablecoinAbi,
    functionName: "approve",
    args: [market, escrow],
  });
  await client.waitForTransactionReceipt({ hash: approve });
  const deadline = (await chainNow(state.rpcUrl)) + BigInt(options.windowSeconds ?? 600);
  const hash = await wallet.writeContract({
    chain,
    address: market,
    abi: spotMarketAbi,
    functionName: "placeBid",
    args: [options.marketId, options.maxTick, 1n, "0x", deadline, false],
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`placeBid reverted in ${hash}`);
  const [placed] = parseEventLogs({ abi: spotMarketAbi, logs: receipt.logs, eventName: "BidPlaced" });
  if (!placed) throw new Error("no BidPlaced event");
  return placed.args.orderId;
}
