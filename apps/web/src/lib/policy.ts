// Policy classes in words. A market's policy class names the compliance claims (GDPR, SOC2, TEE...) a provider
// must hold a valid attestation for; class 0 requires none. An attestation counts only while its attester is
// trusted for the claim, so a class whose claim has no trusted attester cannot take any ask, and a provider that
// holds no valid attestation for a claim the class requires cannot either. Pure.
import { getAddress, keccak256, toHex, type Address, type Hex } from "viem";

/** Claims the DAO is expected to use, by name; others show as their id. */
export const knownClaimNames = ["GDPR", "SOC2", "TEE", "HIPAA", "ISO27001"] as const;

const claimNames = new Map<string, string>(knownClaimNames.map((name) => [keccak256(toHex(name)).toLowerCase(), name]));

/** `keccak256("GDPR")` -> `GDPR`; an unknown claim id -> `0x1234abcd…`. */
export function claimName(claim: Hex): string {
  return claimNames.get(claim.toLowerCase()) ?? `${claim.slice(0, 10)}…`;
}

export type TrustEvent = { claim: Hex; attester: Address; trusted: boolean };

/** Folds `AttesterTrustSet` events (oldest first) into claim -> attesters trusted now. */
export function trustedAttesters(events: readonly TrustEvent[]): Map<string, Set<Address>> {
  const trust = new Map<string, Set<Address>>();
  for (const event of events) {
    const claim = event.claim.toLowerCase();
    const set = trust.get(claim) ?? new Set<Address>();
    const attester = getAddress(event.attester);
    if (event.trusted) set.add(attester);
    else set.delete(attester);
    trust.set(claim, set);
  }
  return trust;
}

export type ClassStatus = {
  classId: number;
  /** No claim required: any registered, staked provider may list. */
  open: boolean;
  claims: Array<{ claim: Hex; name: string; trustedAttesters: number }>;
  /** Every required claim has at least one trusted attester, so a provider can become eligible. */
  listable: boolean;
};

export function classStatus(
  classId: number,
  claims: readonly Hex[],
  trust: ReadonlyMap<string, ReadonlySet<Address>>,
): ClassStatus {
  const rows = claims.map((claim) => ({
    claim,
    name: claimName(claim),
    trustedAttesters: trust.get(claim.toLowerCase())?.size ?? 0,
  }));
  return { classId, open: rows.length === 0, claims: rows, listable: rows.every((row) => row.trustedAttesters > 0) };
}

/** One line on what a class requires. */
export function describeClass(status: ClassStatus): string {
  if (status.open) return `Policy class ${status.classId} is open: any registered provider with stake may sell here.`;
  return `Policy class ${status.classId}: a provider must hold a valid attestation for ${status.claims
    .map((row) => row.name)
    .join(" and ")} from an attester the DAO trusts.`;
}

export const NO_ATTESTER_WARNING = "No trusted attester yet: no provider can list on this market.";

/** Claims of the class that no attester is trusted for (empty when the class is listable). */
export function claimsWithoutAttester(status: ClassStatus): string[] {
  return status.claims.filter((row) => row.trustedAttesters === 0).map((row) => row.name);
}

/** The warning, naming the claims nobody can attest yet. */
export function noAttesterLine(claims: readonly string[]): string {
  return `${NO_ATTESTER_WARNING} (Missing: ${claims.join(", ")}.)`;
}

/**
 * Whether a provider may place an ask on a market of a class, and if not, why. `held[i]` says whether the provider
 * holds a valid attestation (unexpired, from an attester trusted now: the registry's `hasValidAttestation`) for
 * `status.claims[i]`; undefined while it is being read.
 */
export type AskEligibility =
  | { kind: "eligible" }
  /** Still reading the class or the provider's attestations: nothing to say yet, nothing to send either. */
  | { kind: "checking" }
  /** Some required claim has no trusted attester: nobody can list, whatever they hold. */
  | { kind: "no-attester"; claims: string[] }
  /** Attesters exist, but this provider holds no valid attestation for these claims. */
  | { kind: "not-attested"; claims: string[] };

export function askEligibility(
  policyClass: number,
  status: ClassStatus | undefined,
  held: readonly (boolean | undefined)[] | undefined,
): AskEligibility {
  // Class 0 requires no claim on every deployment (the registry cannot redefine it): no read is needed.
  if (policyClass === 0) return { kind: "eligible" };
  if (!status) return { kind: "checking" };
  if (status.open) return { kind: "eligible" };
  if (!status.listable) {
    return { kind: "no-attester", claims: claimsWithoutAttester(status) };
  }
  if (!held || held.length !== status.claims.length || held.some((value) => value === undefined))
    return { kind: "checking" };
  const missing = status.claims.filter((_, index) => held[index] !== true).map((row) => row.name);
  return missing.length === 0 ? { kind: "eligible" } : { kind: "not-attested", claims: missing };
}

/** The one line the ask form shows when the ask cannot be placed; undefined when it can (or is still being read). */
export function askEligibilityMessage(eligibility: AskEligibility): string | undefined {
  switch (eligibility.kind) {
    case "no-attester":
      return noAttesterLine(eligibility.claims);
    case "not-attested":
      return `You hold no valid attestation for ${eligibility.claims.join(", ")}: ask a trusted attester to attest your provider before you list on this market.`;
    default:
      return undefined;
  }
}
