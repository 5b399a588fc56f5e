// What the model registry records about a model's verifier: its verifying key's hash.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { vkeyHash } from "../src/io/vkey.ts";
import { modelDir } from "../src/prover/paths.ts";

const vkey = (name: string): unknown => JSON.parse(readFileSync(join(modelDir(name), "vkey.json"), "utf8"));

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
