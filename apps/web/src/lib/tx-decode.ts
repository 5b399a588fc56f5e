// A receipt's logs in words: each log decoded with the Sovra ABIs, its arguments named, token amounts in tokens,
// times as dates, ticks as prices, known addresses labelled. Pure: the tx page passes what it knows.
import { decodeEventLog, type Abi, type Address, type Hex } from "viem";
import { formatAmount, formatDuration, formatTimestamp } from "./format";

export type Asset = "payment" | "governance";
export type TokenInfo = { symbol: string; decimals: number };

/** Contracts whose events carry token amounts, by role. */
export type ContractRoles = {
  paymentToken: Address;
  sovraToken: Address;
  spotMarket: Address;
  providerRegistry: Address;
  governor: Address;
};

export type DecodeContext = {
  roles: ContractRoles;
  /** Lower-case address -> label (`market`, `you`, ...). */
  labels: ReadonlyMap<string, string>;
  tokens: Partial<Record<Asset, TokenInfo>>;
  /** Price of one tick in a market, when known (to show ticks as prices). */
  tickSizeOf?: (marketId: number) => bigint | undefined;
  /** A market's name (model and policy class), when known. */
  marketLabelOf?: (marketId: number) => string | undefined;
  /**
   * A settled job's verified output in words, by its model's io spec (the answer, then every score or value), when
   * the job and its model are known.
   */
  outputOf?: (jobId: bigint, output: readonly bigint[]) => string | undefined;
};

/** `detail`: what `text` was read from, when it is not the value itself (a packed output's signals). */
export type ShownArg = { name: string; text: string; address?: Address; label?: string; detail?: string };
export type ShownLog = {
  logIndex: number;
  emitter: Address;
  emitterLabel?: string;
  /** Undefined when no Sovra ABI knows the event. */
  eventName?: string;
  args: ShownArg[];
};

export type RawLog = { address: Address; topics: readonly Hex[]; data: Hex; logIndex: number | null };

type Role = keyof ContractRoles;

/** Market events: argument -> the token it counts. */
const marketAmounts: Record<string, Record<string, Asset>> = {
  JobMatched: { price: "payment", collateral: "governance" },
  JobSettled: { providerAmount: "payment", fee: "payment" },
  JobExpired: { slashed: "governance" },
  Withdrawal: { amount: "payment" },
  CollateralReleased: { amount: "governance" },
  FeesFlushed: { amount: "payment" },
};
const registryAmounts = new Set(["amount", "staked", "unbonding", "locked", "amounts"]);
const timeArgs = new Set(["deadline", "expiresAt", "readyAt", "availableAt", "unbondingReadyAt"]);
const durationArgs = new Set(["delay", "oldDelay", "newDelay", "minDelay", "oldDuration", "newDuration"]);
const idArgs = new Set(["orderId", "jobId", "askId", "proposalId"]);

/** Which token an event argument counts, from the contract that emitted it. */
export function assetOf(role: Role | undefined, eventName: string, argName: string): Asset | undefined {
  switch (role) {
    case "paymentToken":
      return argName === "value" || argName === "amount" ? "payment" : undefined;
    case "sovraToken":
      return ["value", "amount", "previousVotes", "newVotes"].includes(argName) ? "governance" : undefined;
    case "providerRegistry":
      return registryAmounts.has(argName) ? "governance" : undefined;
    case "governor":
      return argName === "weight" ? "governance" : undefined;
    case "spotMarket":
      return marketAmounts[eventName]?.[argName];
    default:
      return undefined;
  }
}

/** Decodes one log with the first ABI that knows it; `undefined` for foreign events. */
export function decodeLog(
  log: RawLog,
  abis: readonly Abi[],
): { eventName: string; args: Record<string, unknown> } | undefined {
  const [signature, ...rest] = log.topics;
  if (!signature) return undefined;
  for (const abi of abis) {
    try {
      const decoded = decodeEventLog({ abi, data: log.data, topics: [signature, ...rest], strict: true });
      const args = Array.isArray(decoded.args)
        ? Object.fromEntries(decoded.args.map((value, i) => [String(i), value]))
        : decoded.args;
      return { eventName: decoded.eventName ?? "unknown", args: (args ?? {}) as Record<string, unknown> };
    } catch {
      // not this ABI's event
    }
  }
  return undefined;
}

const isAddress = (value: unknown): value is Address => typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value);

function roleOf(roles: ContractRoles, address: Address): Role | undefined {
  const lower = address.toLowerCase();
  return (Object.keys(roles) as Role[]).find((role) => roles[role].toLowerCase() === lower);
}

export function labelOf(ctx: DecodeContext, address: Address): string | undefined {
  return ctx.labels.get(address.toLowerCase());
}

function showValue(value: unknown, ctx: DecodeContext, asset: Asset | undefined): string {
  if (typeof value === "bigint") {
    const token = asset ? ctx.tokens[asset] : undefined;
    // Exact: a receipt is where a person checks amounts to the last unit.
    return token ? `${formatAmount(value, token.decimals, token.decimals)} ${token.symbol}` : value.toString();
  }
  if (isAddress(value)) {
    const label = labelOf(ctx, value);
    return label ? `${value} (${label})` : value;
  }
  if (typeof value === "string" && value.startsWith("0x")) {
    const bytes = (value.length - 2) / 2;
    return bytes > 32 ? `${bytes.toLocaleString("en-US")} bytes (${value.slice(0, 18)}…)` : value;
  }
  if (Array.isArray(value)) return value.length ? value.map((item) => showValue(item, ctx, asset)).join(", ") : "none";
  if (value && typeof value === "object") {
    return Object.entries(value)
      .map(([key, inner]) => `${key}: ${showValue(inner, ctx, undefined)}`)
      .join("; ");
  }
  return String(value);
}

/** One decoded argument in words. */
export function showArg(
  ctx: DecodeContext,
  role: Role | undefined,
  eventName: string,
  name: string,
  value: unknown,
  args: Record<string, unknown>,
): ShownArg {
  if (isAddress(value)) {
    const label = labelOf(ctx, value);
    return { name, text: value, address: value, ...(label ? { label } : {}) };
  }
  if (role === "spotMarket" && eventName === "JobSettled" && name === "output" && Array.isArray(value)) {
    // The public signals pack the model's integers: read by the job's io spec, they are the answer.
    const jobId = args.jobId;
    const signals = value.filter((item): item is bigint => typeof item === "bigint");
    const words = typeof jobId === "bigint" ? ctx.outputOf?.(jobId, signals) : undefined;
    const raw = showValue(value, ctx, undefined);
    return words ? { name, text: words, detail: `public signals ${raw}` } : { name, text: raw };
  }
  if (typeof value === "bigint" || typeof value === "number") {
    const big = BigInt(value);
    if (timeArgs.has(name)) return { name, text: formatTimestamp(Number(big)) };
    if (durationArgs.has(name)) return { name, text: formatDuration(Number(big)) };
    if (idArgs.has(name)) return { name, text: `#${big.toString()}` };
    if (name === "marketId") {
      const label = ctx.marketLabelOf?.(Number(big));
      return { name, text: label ? `${big} (${label})` : big.toString() };
    }
    if (role === "spotMarket" && (name === "tick" || name === "maxTick")) {
      const marketId = typeof args.marketId === "number" ? args.marketId : undefined;
      const tickSize = marketId === undefined ? undefined : ctx.tickSizeOf?.(marketId);
      const token = ctx.tokens.payment;
      return {
        name,
        text:
          tickSize !== undefined && token
            ? `${formatAmount(big * tickSize, token.decimals)} ${token.symbol} (tick ${big})`
            : `tick ${big}`,
      };
    }
  }
  return { name, text: showValue(value, ctx, assetOf(role, eventName, name)) };
}

/** Every log of a receipt, decoded and labelled. */
export function showLogs(logs: readonly RawLog[], abis: readonly Abi[], ctx: DecodeContext): ShownLog[] {
  return logs.map((log, position) => {
    const emitterLabel = labelOf(ctx, log.address);
    const base = {
      logIndex: log.logIndex ?? position,
      emitter: log.address,
      ...(emitterLabel ? { emitterLabel } : {}),
    };
    const decoded = decodeLog(log, abis);
    if (!decoded) return { ...base, args: [] };
    const role = roleOf(ctx.roles, log.address);
    return {
      ...base,
      eventName: decoded.eventName,
      args: Object.entries(decoded.args).map(([name, value]) =>
        showArg(ctx, role, decoded.eventName, name, value, decoded.args),
      ),
    };
  });
}
