// Market selection and prices as people write them (tokens), turned into what the market takes (ticks).
import { formatUnits, parseUnits } from "viem";
import type { Deployment } from "@sovra/contracts";
import { formatAmount, type TokenInfo } from "./errors.ts";

/** Highest tick a price may have (`uint16`). */
export const MAX_TICK = 65_535n;

/** "cnn (policy classes 0, 1), mlp (policy classes 0, 1)": each model once. */
export function describeMarkets(deployment: Deployment): string {
  const classes = new Map<string, number[]>();
  for (const m of deployment.markets) classes.set(m.model, [...(classes.get(m.model) ?? []), m.policyClass]);
  if (classes.size === 0) return "none";
  return [...classes.entries()]
    .map(
      ([model, list]) =>
        `${model} (policy class${list.length > 1 ? "es" : ""} ${[...new Set(list)].sort((a, b) => a - b).join(", ")})`,
    )
    .join(", ");
}

/** The market of `model` in `policyClass` (default: the lowest class the model trades in, the open class 0). */
export function selectMarket(
  deployment: Deployment,
  model: string,
  policyClass?: number,
): Deployment["markets"][number] {
  const ofModel = deployment.markets.filter((m) => m.model === model);
  if (ofModel.length === 0)
    throw new Error(`no market for model '${model}': markets are ${describeMarkets(deployment)}`);
  if (policyClass === undefined)
    return [...ofModel].sort((a, b) => a.policyClass - b.policyClass)[0] as Deployment["markets"][number];
  const entry = ofModel.find((m) => m.policyClass === policyClass);
  if (entry === undefined)
    throw new Error(
      `model '${model}' has no market in policy class ${policyClass}: it trades in policy class${ofModel.length > 1 ? "es" : ""} ${ofModel.map((m) => m.policyClass).join(", ")}`,
    );
  return entry;
}

/**
 * A price in tokens ("0.05") as a number of ticks, refused in tokens when it is not one: `what` names it
 * ("max price", "price").
 */
export function priceToTicks(text: string, what: string, token: TokenInfo, tickSize: bigint): bigint {
  const tick = (units: bigint): string => formatAmount(units, token);
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(text.trim()))
    throw new Error(`${what} '${text}' is not an amount of ${token.symbol} (write it like 0.05)`);
  const fraction = text.trim().split(".")[1] ?? "";
  if (fraction.length > token.decimals)
    throw new Error(`${what} ${text} ${token.symbol} has more decimals than ${token.symbol}'s ${token.decimals}`);
  const units = parseUnits(text.trim(), token.decimals);
  if (units < tickSize)
    throw new Error(`${what} ${text} ${token.symbol} is below the market's tick size ${tick(tickSize)}`);
  if (units % tickSize !== 0n) {
    const below = (units / tickSize) * tickSize;
    throw new Error(
      `${what} ${text} ${token.symbol} is not a multiple of the market's tick size ${tick(tickSize)}: use ${formatUnits(below, token.decimals)} or ${formatUnits(below + tickSize, token.decimals)}`,
    );
  }
  const ticks = units / tickSize;
  if (ticks > MAX_TICK)
    throw new Error(`${what} ${text} ${token.symbol} is above the market's highest price ${tick(MAX_TICK * tickSize)}`);
  return ticks;
}

/** A whole number option ("600"), refused with its name when it is not one. */
export function parseCount(text: string, what: string, { min = 0n, max }: { min?: bigint; max?: bigint } = {}): bigint {
  if (!/^\d+$/.test(text.trim())) throw new Error(`${what} '${text}' is not a whole number`);
  const value = BigInt(text.trim());
  if (value < min) throw new Error(`${what} ${text} is below ${min}`);
  if (max !== undefined && value > max) throw new Error(`${what} ${text} is above ${max}`);
  return value;
}
