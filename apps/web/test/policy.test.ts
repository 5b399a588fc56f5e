import { keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import { claimName, classStatus, describeClass, trustedAttesters } from "../src/lib/policy";

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
