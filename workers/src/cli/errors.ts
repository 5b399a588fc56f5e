// Turns whatever a CLI command threw into one sentence a person can act on: a contract's custom error decoded
// against every Sovra ABI (viem's own message for a custom error is only `The contract function "x" reverted.`),
// an unreachable RPC endpoint with its URL and how to set another, a configuration error flattened to one line.
import {
  BaseError,
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  HttpRequestError,
  decodeErrorResult,
  formatUnits,
  toFunctionSelector,
  type Abi,
  type Hex,
} from "viem";
import * as sovraAbis from "@sovra/contracts/abis";
import { jobStatusName } from "../chain/abis.ts";
import { ConfigError } from "../config.ts";

type AbiError = Extract<Abi[number], { type: "error" }>;

/** A token as the CLI prints it. */
export type TokenInfo = { symbol: string; decimals: number };

/** What a command knew when it failed: used to word the sentence (token units, the chain's time, the RPC URL). */
export type ErrorContext = {
  rpcUrl?: string;
  /** The chain's current time in seconds (for "try again in ..."); the wall clock when absent. */
  now?: bigint;
  /** The token an ERC-20 error of this command is about (the payment token for buyers, SOV for staking). */
  erc20?: TokenInfo;
  payment?: TokenInfo;
  stake?: TokenInfo;
  /** The binary's name, for the commands a sentence suggests (`sovra` or `sovra-provider`). */
  bin?: string;
};

function errorSignature(item: AbiError): string {
  return toFunctionSelector(`${item.name}(${item.inputs.map((input) => input.type).join(",")})`);
}

/** Every custom error of every Sovra contract (OpenZeppelin's included), once each. */
export const sovraErrorsAbi: readonly AbiError[] = (() => {
  const seen = new Map<string, AbiError>();
  for (const value of Object.values(sovraAbis)) {
    if (!Array.isArray(value)) continue;
    for (const item of value as Abi) {
      if (item.type !== "error") continue;
      const selector = errorSignature(item);
      if (!seen.has(selector)) seen.set(selector, item);
    }
  }
  return [...seen.values()];
})();

/** A decoded custom error: its name and positional arguments. */
export type DecodedRevert = { name: string; args: readonly unknown[] };

/** Decodes revert data against every Sovra ABI; undefined when the selector is unknown. */
export function decodeSovraRevert(data: Hex): DecodedRevert | undefined {
  try {
    const decoded = decodeErrorResult({ abi: sovraErrorsAbi, data });
    return { name: decoded.errorName, args: decoded.args ?? [] };
  } catch {
    return undefined;
  }
}

/** "1 h 5 min", "59 min 58 s", "12 s". */
export function formatDuration(seconds: bigint | number): string {
  let s = Math.max(0, Math.ceil(Number(seconds)));
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts =
    d > 0
      ? [
          [d, "d"],
          [h, "h"],
        ]
      : h > 0
        ? [
            [h, "h"],
            [m, "min"],
          ]
        : m > 0
          ? [
              [m, "min"],
              [s, "s"],
            ]
          : [[s, "s"]];
  // "2 min", not "2 min 0 s"; "0 s" stays.
  const shown = parts.filter(([value], i) => i === 0 || value !== 0);
  return shown.map(([value, unit]) => `${value} ${unit}`).join(" ");
}

/** "2026-11-30 12:00:00 UTC". */
export function formatTime(seconds: bigint | number): string {
  return `${new Date(Number(seconds) * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "")} UTC`;
}

/** "0.05 tUSD"; base units when the token is not known. */
export function formatAmount(units: bigint, token: TokenInfo | undefined): string {
  return token === undefined ? `${units} base units` : `${formatUnits(units, token.decimals)} ${token.symbol}`;
}

const short = (address: unknown): string =>
  typeof address === "string" && address.length === 42
    ? `${address.slice(0, 6)}…${address.slice(-4)}`
    : String(address);

/** One sentence per custom error a CLI user can meet; others fall back to their name and arguments. */
export function describeRevert(revert: DecodedRevert, ctx: ErrorContext = {}): string {
  const a = revert.args;
  const bin = ctx.bin ?? "sovra";
  const now = ctx.now ?? BigInt(Math.floor(Date.now() / 1000));
  const big = (i: number): bigint => (typeof a[i] === "bigint" ? (a[i] as bigint) : BigInt(Number(a[i] ?? 0)));
  const until = (i: number): string => `in ${formatDuration(big(i) - now)} (at ${formatTime(big(i))})`;
  switch (revert.name) {
    case "FaucetCooldown":
      return `faucet cooldown: try again ${until(1)}; each address may use the faucet once an hour`;
    case "OrderNotFound":
      return `order ${a[0]} is not resting in the book: no such order, or it already matched (a job), was cancelled, or was removed as stale (a removed bid's escrow is owed to you: \`${bin} withdraw\`)`;
    case "NotOrderOwner":
      return `order ${a[0]} is not your order (you are ${a[1]}): only the address that placed it can cancel it`;
    case "NothingToWithdraw":
      return `the market owes ${a[0]} nothing`;
    case "NothingToRelease":
      return `${a[0]} has no collateral of settled jobs to release`;
    case "MarketNotFound":
      return `market ${a[0]} does not exist`;
    case "MarketInactive":
      return `market ${a[0]} is paused by governance: it takes no new orders`;
    case "ModelNotApproved":
      return `model ${a[0]} is not approved by governance`;
    case "InvalidTick":
      return `price tick ${a[0]} is out of range: a price must be 1 to 65535 ticks of the market's tick size`;
    case "InvalidCapacity":
      return `capacity ${a[0]} is out of range: between 1 and the market's maxAskCapacity`;
    case "InvalidExpiry":
      return `expiry ${formatTime(big(0))} must be in the future`;
    case "InvalidDeadline":
      return `deadline ${formatTime(big(0))} is out of range: it must leave at least the market's minimum job window after now`;
    case "NotRegistered":
      return `${a[0]} is not a registered provider: run \`sovra-provider benchmark\` then \`sovra-provider register\``;
    case "InsufficientVram":
      return `the market's model needs ${a[2]} MB of memory; ${short(a[0])}'s profile declares ${a[1]} MB`;
    case "NotEligible":
      return `${a[0]} lacks an attestation that policy class ${a[1]} requires`;
    case "JobNotMatched": {
      const status = jobStatusName[Number(a[1])] ?? String(a[1]);
      return status === "None"
        ? `job ${a[0]} is not an open job: no such job, or a bid still resting`
        : `job ${a[0]} is closed: it was already ${status.toLowerCase()}`;
    }
    case "InvalidJobTerms":
      return `job ${a[0]}: the terms given do not match the market's record of the job`;
    case "NotJobProvider":
      return `job ${a[0]} belongs to another provider, not ${a[1]}`;
    case "DeadlinePassed":
      return `job ${a[0]}'s deadline passed at ${formatTime(big(1))}: it can only be expired now`;
    case "JobStillOpen":
      return `job ${a[0]} has not passed its deadline yet: it can be expired only after it`;
    case "InvalidInputHash":
      return "the input hash is not a BN254 field element, so no proof could ever match it";
    case "MarketRetired":
      return `market ${a[0]}'s verifier was retired by governance: it takes no new orders`;
    case "InvalidProof":
      return `the proof for job ${a[0]} did not verify`;
    case "InsufficientCallbackGas":
      return `job ${a[0]}: too little gas sent for the consumer's callback`;
    case "ZeroAddress":
      return "an address given is the zero address";
    case "ZeroVram":
      return "the hardware profile declares no inference memory (vramMb 0): re-run `sovra-provider benchmark`";
    case "EmptyGpuModel":
      return "the hardware profile names no GPU model";
    case "GpuModelTooLong":
      return `the GPU model name is ${a[0]} bytes long, more than the registry accepts`;
    case "RegionTooLong":
      return `the region is ${a[0]} bytes long, more than the registry accepts`;
    case "ZeroAmount":
      return "the amount must be more than 0";
    case "InsufficientFreeStake":
      return `not enough free stake: ${formatAmount(big(1), ctx.stake)} free, ${formatAmount(big(2), ctx.stake)} needed (stake more: \`sovra-provider stake AMOUNT\`)`;
    case "InsufficientLockedCollateral":
      return `only ${formatAmount(big(1), ctx.stake)} of collateral is locked, ${formatAmount(big(2), ctx.stake)} asked for`;
    case "NothingUnbonding":
      return "nothing is unbonding: start with `sovra-provider unstake AMOUNT`";
    case "UnbondingNotReady":
      return `unbonded stake is not withdrawable yet: try again ${until(0)}`;
    case "ERC20InsufficientBalance": {
      const hint = ctx.erc20 !== undefined && ctx.erc20 === ctx.payment ? ` (test tokens: \`sovra faucet\`)` : "";
      return `${a[0]} holds ${formatAmount(big(1), ctx.erc20)}, ${formatAmount(big(2), ctx.erc20)} needed${hint}`;
    }
    case "ERC20InsufficientAllowance":
      return `allowance of ${a[0]} is ${formatAmount(big(1), ctx.erc20)}, ${formatAmount(big(2), ctx.erc20)} needed`;
    case "AccessManagedUnauthorized":
      return `${a[0]} may not call this: it is reserved to governance`;
    case "Error":
      return `the contract refused: ${String(a[0])}`;
    case "Panic":
      return `the contract failed an internal check (panic code ${a[0]})`;
    default: {
      const args = a.map((v) => (typeof v === "bigint" ? v.toString() : typeof v === "string" ? v : JSON.stringify(v)));
      return `the contract refused: ${revert.name}(${args.join(", ")})`;
    }
  }
}

/** The revert inside a viem error (decoded against every Sovra ABI when the call's own ABI lacked it). */
export function revertOf(error: unknown): DecodedRevert | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return undefined;
  if (reverted.data !== undefined) return { name: reverted.data.errorName, args: reverted.data.args ?? [] };
  if (reverted.raw !== undefined) return decodeSovraRevert(reverted.raw);
  if (reverted.reason !== undefined) return { name: "Error", args: [reverted.reason] };
  return undefined;
}

function rpcHint(url: string): string {
  return `no answer from the chain's RPC endpoint at ${url}: start the chain (\`npm start\` runs a local one) or point the CLI at yours with --rpc-url URL, SOVRA_RPC_URL, or "rpcUrl" in sovra.config.json (--config FILE)`;
}

/** One line for a person: no stack, no viem "Docs:"/"Version:" footers. */
export function explainError(error: unknown, ctx: ErrorContext = {}): string {
  if (error instanceof ConfigError) return oneLine(error.message);
  if (error instanceof BaseError) {
    const revert = revertOf(error);
    if (revert !== undefined) return describeRevert(revert, ctx);
    const http = error.walk((e) => e instanceof HttpRequestError);
    if (http instanceof HttpRequestError) return rpcHint(http.url || ctx.rpcUrl || "(no URL)");
    const zero = error.walk((e) => e instanceof ContractFunctionZeroDataError);
    if (zero instanceof ContractFunctionZeroDataError) {
      return `no Sovra contract answered at the deployment's address on ${ctx.rpcUrl ?? "this chain"}: the deployment file is for another chain (or the chain was restarted): run \`npm start\` again or pass the right --config`;
    }
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) return oneLine(reverted.shortMessage);
    return oneLine(error.shortMessage);
  }
  if (error instanceof Error) return oneLine(error.message);
  return oneLine(String(error));
}

function oneLine(text: string): string {
  return text
    .split("\n")
    .map((line) => line.trim().replace(/^- /, ""))
    .filter((line) => line !== "")
    .join("; ")
    .replace(/:; /g, ": ");
}

/** Whether a revert's wording depends on the chain's time (worth one more RPC call before printing it). */
export function needsChainTime(error: unknown): boolean {
  const name = revertOf(error)?.name;
  return name === "FaucetCooldown" || name === "UnbondingNotReady";
}
