import { describe, expect, it } from "vitest";
import { cidOf, digestOfCid, isCid, matchesCid, sha256 } from "../src/cid.ts";

describe("CIDv1 raw sha2-256", () => {
  it("matches the CID IPFS gives for the bytes 'hello world'", () => {
    // `ipfs add --cid-version 1 --raw-leaves` of "hello world" (no newline).
    expect(cidOf(new TextEncoder().encode("hello world"))).toBe("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e");
  });

  it("round-trips the digest and rejects other CIDs", () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const cid = cidOf(bytes);
    expect(Buffer.from(digestOfCid(cid))).toEqual(Buffer.from(sha256(bytes)));
    expect(matchesCid(bytes, cid)).toBe(true);
    expect(matchesCid(new Uint8Array([1, 2, 4]), cid)).toBe(false);
    expect(isCid("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG")).toBe(false);
    expect(isCid(`${cid.slice(0, -1)}1`)).toBe(false);
  });
});
