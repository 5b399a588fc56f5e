// The CID helpers against CIDs committed before they were built on `multiformats`: the manifests and proof fixtures
// of the shipped models (made by the earlier hand-written encoder) and well-known IPFS CIDs. A changed byte in the
// encoding would change every weights CID registered on-chain, so these must stay byte-identical.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cidFromDigest, cidOf, digestOfCid, isCid, matchesCid, sha256, weightsCid } from "../src/io/cid.ts";
import { manifestSchema } from "../src/prover/manifest.ts";
import { modelDir } from "../src/prover/paths.ts";

const models = ["mlp", "cnn"];
const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex, "hex"));

describe("CIDv1 raw sha2-256 base32", () => {
  for (const name of models) {
    it(`gives ${name}'s committed weights CID for its model.onnx`, () => {
      const dir = modelDir(name);
      const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
      const fixture = JSON.parse(readFileSync(join(dir, "..", "..", "fixtures", `${name}-proof.json`), "utf8")) as {
        weightsCid: string;
      };
      const onnx = new Uint8Array(readFileSync(join(dir, manifest.files.onnx)));
      expect(manifest.weightsCid).toBe(fixture.weightsCid);
      expect(weightsCid(onnx)).toBe(manifest.weightsCid);
      expect(cidOf(onnx)).toBe(manifest.weightsCid);
      expect(matchesCid(onnx, manifest.weightsCid)).toBe(true);
      expect(Buffer.from(digestOfCid(manifest.weightsCid))).toEqual(Buffer.from(sha256(onnx)));
    });
  }

  it("gives the CIDs IPFS gives (`ipfs add --cid-version 1 --raw-leaves`)", () => {
    expect(cidOf(new Uint8Array())).toBe("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
    expect(cidOf(new TextEncoder().encode("hello world"))).toBe(
      "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e",
    );
  });

  it("encodes version 1, codec raw, multihash sha2-256 of 32 bytes, then the digest", () => {
    // sha2-256("abc") from FIPS 180-2; the binary CID is 01 55 12 20 <digest>, base32-encoded after a "b".
    const digest = fromHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(Buffer.from(sha256(new TextEncoder().encode("abc")))).toEqual(Buffer.from(digest));
    const cid = cidFromDigest(digest);
    expect(cid).toBe(cidOf(new TextEncoder().encode("abc")));
    expect(cid.startsWith("bafkrei")).toBe(true); // "afkrei" is the base32 of the 01 55 12 20 header
    expect(Buffer.from(digestOfCid(cid))).toEqual(Buffer.from(digest));
  });

  it("refuses what is not a CIDv1 raw sha2-256", () => {
    const cid = cidOf(new Uint8Array([1, 2, 3]));
    expect(isCid(cid)).toBe(true);
    expect(matchesCid(new Uint8Array([1, 2, 4]), cid)).toBe(false);
    expect(() => cidFromDigest(new Uint8Array(31))).toThrow(/32 bytes/);
    // CIDv0 (base58btc, dag-pb)
    expect(isCid("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG")).toBe(false);
    // a character outside the base32 alphabet, and a truncated CID
    expect(isCid(`${cid.slice(0, -1)}1`)).toBe(false);
    expect(isCid(cid.slice(0, -4))).toBe(false);
    // CIDv1 dag-pb (0x70) sha2-256: well formed, but not raw
    expect(isCid("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi")).toBe(false);
    expect(() => digestOfCid("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi")).toThrow(/raw sha2-256/);
    expect(() => digestOfCid("zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA")).toThrow(/base32/);
  });
});
