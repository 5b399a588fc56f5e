import { keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import {
  askEligibility,
  askEligibilityMessage,
  claimName,
  classStatus,
  describeClass,
  NO_ATTESTER_WARNING,
  trustedAttesters,
} from "../src/lib/policy";

const gdpr = keccak256(toHex("GDPR"));
const soc2 = keccak256(toHex("SOC2"));
const attester = "0x00000000000000000000000000000000000000a7";

describe("policy classes", () => {
  it("names known claims", () => {
    expect(claimName(gdpr)).toBe("GDPR");
    expect(claimName(keccak256(toHex("SOMETHING")))).toMatch(/^0x[0-9a-f]{8}…$/);
  });
  it("class 0 (no claims) is open and listable", () => {
    const status = classStatus(0, [], new Map());
    expect(status).toMatchObject({ open: true, listable: true });
    expect(describeClass(status)).toBe("Policy class 0 is open: any registered provider with stake may sell here.");
  });
  it("a class whose claim has no trusted attester is not listable", () => {
    const status = classStatus(1, [gdpr, soc2], trustedAttesters([{ claim: gdpr, attester, trusted: true }]));
    expect(status.listable).toBe(false);
    expect(status.claims.map((claim) => [claim.name, claim.trustedAttesters])).toEqual([
      ["GDPR", 1],
      ["SOC2", 0],
    ]);
    expect(describeClass(status)).toBe(
      "Policy class 1: a provider must hold a valid attestation for GDPR and SOC2 from an attester the DAO trusts.",
    );
  });
  it("folds trust changes: a revoked attester no longer counts", () => {
    const trust = trustedAttesters([
      { claim: gdpr, attester, trusted: true },
      { claim: gdpr, attester: attester.toUpperCase().replace("0X", "0x") as `0x${string}`, trusted: false },
    ]);
    expect(classStatus(1, [gdpr], trust).listable).toBe(false);
    expect(classStatus(1, [gdpr], trustedAttesters([{ claim: gdpr, attester, trusted: true }])).listable).toBe(true);
  });
});

describe("who may place an ask", () => {
  const gdprAndSoc2 = (trust: ReturnType<typeof trustedAttesters>) => classStatus(1, [gdpr, soc2], trust);
  const bothTrusted = trustedAttesters([
    { claim: gdpr, attester, trusted: true },
    { claim: soc2, attester, trusted: true },
  ]);

  it("class 0 takes anyone's ask, before anything is read", () => {
    expect(askEligibility(0, undefined, undefined)).toEqual({ kind: "eligible" });
    expect(askEligibilityMessage({ kind: "eligible" })).toBeUndefined();
  });

  it("a class with a claim nobody is trusted for takes no ask, whatever the provider holds", () => {
    const status = gdprAndSoc2(trustedAttesters([{ claim: gdpr, attester, trusted: true }]));
    const eligibility = askEligibility(1, status, [true, true]);
    expect(eligibility).toEqual({ kind: "no-attester", claims: ["SOC2"] });
    expect(askEligibilityMessage(eligibility)).toBe(`${NO_ATTESTER_WARNING} (Missing: SOC2.)`);
    // No attester at all: both claims are named.
    expect(askEligibility(1, gdprAndSoc2(new Map()), undefined)).toEqual({
      kind: "no-attester",
      claims: ["GDPR", "SOC2"],
    });
  });

  it("a provider without valid attestations is told which claims it lacks and whom to ask", () => {
    const eligibility = askEligibility(1, gdprAndSoc2(bothTrusted), [false, false]);
    expect(eligibility).toEqual({ kind: "not-attested", claims: ["GDPR", "SOC2"] });
    expect(askEligibilityMessage(eligibility)).toBe(
      "You hold no valid attestation for GDPR, SOC2: ask a trusted attester to attest your provider before you list on this market.",
    );
    // Holding one of the two is not enough: only the missing one is named.
    expect(askEligibility(1, gdprAndSoc2(bothTrusted), [true, false])).toEqual({
      kind: "not-attested",
      claims: ["SOC2"],
    });
  });

  it("a provider holding every required attestation may ask", () => {
    expect(askEligibility(1, gdprAndSoc2(bothTrusted), [true, true])).toEqual({ kind: "eligible" });
  });

  it("says nothing, and allows nothing, while the class or the attestations are still being read", () => {
    expect(askEligibility(1, undefined, [true, true])).toEqual({ kind: "checking" });
    expect(askEligibility(1, gdprAndSoc2(bothTrusted), undefined)).toEqual({ kind: "checking" });
    expect(askEligibility(1, gdprAndSoc2(bothTrusted), [true, undefined])).toEqual({ kind: "checking" });
    // Answers for another class's claims (a stale read) are not taken for this one's.
    expect(askEligibility(1, gdprAndSoc2(bothTrusted), [true])).toEqual({ kind: "checking" });
    expect(askEligibilityMessage({ kind: "checking" })).toBeUndefined();
  });
});
