import { describe, expect, it } from "vitest";
import { weightsCid } from "../src/io/cid.ts";
import { hashBytes, packBytes } from "../src/io/hash.ts";
import { lanesPerField, packOutput, unpackOutput } from "../src/io/pack.ts";
import { decodeProofCalldata, encodeProofCalldata, fromField, FIELD_P } from "../src/prover/calldata.ts";
import { modelIdOf } from "../src/prover/prover.ts";
import { dequantize, quantizeReal } from "../src/io/input.ts";

describe("output packing", () => {
  it("packs v + 2^(B-1) in B-bit lanes, lane 0 least significant", () => {
    expect(lanesPerField(20)).toBe(12);
    expect(packOutput([0, -1, 5], 4)).toEqual([8n | (7n << 4n) | (13n << 8n)]);
    const vals = Array.from({ length: 30 }, (_, i) => (i % 2 ? -1 : 1) * i * 1000);
    const p = packOutput(vals, 20);
    expect(p).toHaveLength(3);
    for (const f of p) expect(f < 1n << 253n).toBe(true);
    expect(unpackOutput(p, 30, 20)).toEqual(vals);
  });
  it("refuses values outside the lane and garbage above the used lanes", () => {
    expect(() => packOutput([8], 4)).toThrow(/does not fit/);
    expect(() => packOutput([-9], 4)).toThrow(/does not fit/);
    expect(() => unpackOutput([1n << 12n], 3, 4)).toThrow(/beyond/);
  });
});

describe("identifiers", () => {
  it("weightsCid is CIDv1 raw sha2-256 base32", () => {
    // The well-known CID of the empty raw block.
    expect(weightsCid(new Uint8Array())).toBe("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
  });
  it("model id is keccak256 of the name", () => {
    expect(modelIdOf("mlp")).toMatch(/^0x[0-9a-f]{64}$/);
    expect(modelIdOf("mlp")).not.toBe(modelIdOf("cnn"));
  });
});

describe("input hash", () => {
  it("packs 31 bytes per element little-endian", () => {
    const b = Array.from({ length: 33 }, (_, i) => i);
    const e = packBytes(b);
    expect(e).toHaveLength(2);
    expect(e[0]! & 0xffn).toBe(0n);
    expect((e[0]! >> 8n) & 0xffn).toBe(1n);
    expect(e[1]).toBe(31n | (32n << 8n));
    expect(() => packBytes([256])).toThrow();
  });
  it("depends on every byte and on the length", async () => {
    const x = new Array<number>(784).fill(0);
    const h0 = await hashBytes(x);
    x[783] = 1;
    expect(await hashBytes(x)).not.toBe(h0);
    expect(await hashBytes(new Array<number>(783).fill(0))).not.toBe(h0);
    expect(h0 < FIELD_P).toBe(true);
  });
});

describe("proof calldata", () => {
  it("encodes (a, b with swapped G2 coordinates, c) as 256 bytes and decodes back", () => {
    const proof = {
      pi_a: ["1", "2", "1"],
      pi_b: [
        ["3", "4"],
        ["5", "6"],
        ["1", "0"],
      ],
      pi_c: ["7", "8", "1"],
      protocol: "groth16",
      curve: "bn128",
    };
    const hex = encodeProofCalldata(proof);
    expect(hex).toHaveLength(2 + 512);
    const words = Array.from({ length: 8 }, (_, i) => BigInt(`0x${hex.slice(2 + 64 * i, 66 + 64 * i)}`));
    expect(words).toEqual([1n, 2n, 4n, 3n, 6n, 5n, 7n, 8n]);
    expect(decodeProofCalldata(hex)).toEqual(proof);
  });
  it("maps p - v back to -v", () => {
    expect(fromField((FIELD_P - 5n).toString())).toBe(-5n);
    expect(fromField("5")).toBe(5n);
  });
});

describe("buyer's units", () => {
  const q = { bits: 9, signed: true, scale: 0.01, zeroPoint: 0 };
  const standardize = { mean: [40, 4000], std: [5, 800] };
  it("standardizes raw values before quantizing, and inverts it", () => {
    // 45 mm -> (45 - 40) / 5 = 1 -> 100 steps; 3200 g -> -1 -> -100 steps
    expect(quantizeReal([45, 3200], { ...q, standardize })).toEqual({ values: [100, -100], clamped: [] });
    expect(quantizeReal([1, -1], q)).toEqual({ values: [100, -100], clamped: [] });
    expect(dequantize([100, -100], { ...q, standardize })).toEqual([45, 3200]);
    // beyond +/- 2.55 standard deviations the 9-bit range clamps
    expect(quantizeReal([60, 4000], { ...q, standardize })).toEqual({ values: [255, 0], clamped: [0] });
  });
  it("refuses a standardization of another length and non-finite values", () => {
    expect(() => quantizeReal([1, 2, 3], { ...q, standardize })).toThrow(/standardizes 2 values, the input has 3/);
    expect(() => quantizeReal([Number.NaN, 1], q)).toThrow(/input\[0\] = NaN is not a finite number/);
  });
});
