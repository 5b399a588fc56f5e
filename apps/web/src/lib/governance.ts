// Pure helpers of the governance page: proposal states, known claim names, parameter-change templates.
import { encodeFunctionData, keccak256, toHex, type Address, type Hex } from "viem";
import type { MarketParams } from "@sovra/contracts";
import { attestationRegistryAbi, marketAbi, registryAbi } from "./abis";

/** OpenZeppelin Governor's ProposalState, by value. */
export const PROPOSAL_STATES = [
  "Pending",
  "Active",
  "Canceled",
  "Defeated",
  "Succeeded",
  "Queued",
  "Expired",
  "Executed",
] as const;
export type ProposalStateName = (typeof PROPOSAL_STATES)[number];

export function proposalStateName(value: number): ProposalStateName | "Unknown" {
  return PROPOSAL_STATES[value] ?? "Unknown";
}

/** Claims the dApp knows by name (a claim id is keccak256 of its name). */
export const KNOWN_CLAIMS = ["GDPR", "SOC2", "TEE", "HIPAA", "ISO27001"] as const;

export function claimId(name: string): Hex {
  return keccak256(toHex(name));
}

export function claimName(id: Hex): string {
  return KNOWN_CLAIMS.find((name) => claimId(name) === id.toLowerCase()) ?? id;
}

/** Governor's descriptionHash for queue/execute. */
export function descriptionHash(description: string): Hex {
  return keccak256(toHex(description));
}

export type ProposalAction = { target: Address; value: bigint; calldata: Hex; summary: string };

export type { MarketParams };

export function unbondingDelayAction(registry: Address, seconds: bigint): ProposalAction {
  return {
    target: registry,
    value: 0n,
    calldata: encodeFunctionData({ abi: registryAbi, functionName: "setUnbondingDelay", args: [seconds] }),
    summary: `Set the provider unbonding delay to ${seconds.toString()} s`,
  };
}

export function marketFeeAction(
  market: Address,
  marketId: number,
  current: MarketParams,
  feeBps: number,
): ProposalAction {
  return {
    target: market,
    value: 0n,
    calldata: encodeFunctionData({
      abi: marketAbi,
      functionName: "setMarketParams",
      args: [marketId, { ...current, feeBps }],
    }),
    summary: `Set market ${marketId}'s protocol fee to ${feeBps} bps`,
  };
}

export function trustAttesterAction(
  registry: Address,
  claim: string,
  attester: Address,
  trusted: boolean,
): ProposalAction {
  return {
    target: registry,
    value: 0n,
    calldata: encodeFunctionData({
      abi: attestationRegistryAbi,
      functionName: "setAttesterTrusted",
      args: [claimId(claim), attester, trusted],
    }),
    summary: `${trusted ? "Trust" : "Distrust"} ${attester} for ${claim}`,
  };
}
