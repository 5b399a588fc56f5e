// Policy classes in words. A market's policy class names the compliance claims (GDPR, SOC2, TEE...) a provider
// must hold a valid attestation for; class 0 requires none. An attestation counts only while its attester is
// trusted for the claim, so a class whose claim has no trusted attester cannot take any ask. Pure.
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
