import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cidOfMultihash } from "@sovra/contracts";
import { listingFields, parseClasses } from "@/lib/model-listing";

const modelDir = path.resolve(__dirname, "..", "..", "..", "circuits", "models", "mlp");
const manifest = readFileSync(path.join(modelDir, "manifest.json"), "utf8");
const vkey = readFileSync(path.join(modelDir, "vkey.json"), "utf8");

describe("listing fields from a model folder's files", () => {
  it("gives the registry's multihash, key hash and io spec (with the name)", () => {
    const fields = listingFields(manifest, vkey);
    expect(cidOfMultihash(fields.weightsMultihash)).toBe(fields.manifest.weightsCid);
    expect(fields.vkeyHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(JSON.parse(fields.ioSpec)).toMatchObject({ name: "mlp", input: { shape: [784] }, output: { count: 10 } });
  });
  it("names the file that is wrong", () => {
    expect(() => listingFields("{", vkey)).toThrow(/^manifest\.json is not JSON$/);
    expect(() => listingFields(JSON.stringify({ name: "x" }), vkey)).toThrow(/^manifest\.json is not a model manifest/);
    expect(() => listingFields(manifest, "{}")).toThrow(/^vkey\.json is not a Groth16 bn128 verifying key$/);
    expect(() => listingFields(manifest, "nope")).toThrow(/^vkey\.json is not JSON$/);
  });
  it("parses policy classes", () => {
    expect(parseClasses("0, 1,1")).toEqual([0, 1]);
    expect(() => parseClasses("0,")).toThrow(/policy classes/);
    expect(() => parseClasses("-1")).toThrow(/policy classes/);
  });
});
