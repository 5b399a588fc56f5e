// What the model registry records about a model: its weights CID as a multihash, and its verifying key's hash.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { digestOfCid } from "../src/io/cid.ts";
import { cidOfMultihash, multihashOfCid } from "../src/io/multihash.ts";
import { vkeyHash } from "../src/io/vkey.ts";
import { modelDir } from "../src/prover/paths.ts";

const manifest = (name: string) =>
  JSON.parse(readFileSync(join(modelDir(name), "manifest.json"), "utf8")) as { weightsCid: string };
const vkey = (name: string): unknown => JSON.parse(readFileSync(join(modelDir(name), "vkey.json"), "utf8"));

describe("weights multihash", () => {
  it("is 0x1220 + the sha2-256 digest of the CID, and gives the CID back", () => {
    const cid = manifest("mlp").weightsCid;
    const mh = multihashOfCid(cid);
    expect(mh).toBe(`0x1220${Buffer.from(digestOfCid(cid)).toString("hex")}`);
    expect(cidOfMultihash(mh)).toBe(cid);
  });
  it("refuses what is not a CIDv1 raw, or not a multihash", () => {
    expect(() => multihashOfCid("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG")).toThrow(/not a CIDv1 in base32/);
    expect(() => cidOfMultihash("0x12")).toThrow(/not a multihash/);
    expect(() => cidOfMultihash("0x1220abcd")).toThrow(/not a multihash/);
  });
});

describe("verifying key hash", () => {
  it("differs between models and changes with any coordinate", () => {
    const mlp = vkey("mlp") as { IC: string[][] };
    const h = vkeyHash(mlp);
    expect(h).toMatch(/^0x[0-9a-f]{64}$/);
    expect(vkeyHash(vkey("cnn"))).not.toBe(h);
    const changed = structuredClone(mlp);
    changed.IC[0]![0] = (BigInt(changed.IC[0]![0]!) + 1n).toString();
    expect(vkeyHash(changed)).not.toBe(h);
  });
  it("refuses what is not a Groth16 bn128 key", () => {
    expect(() => vkeyHash({ protocol: "plonk" })).toThrow();
  });
});
