// Same weights -> same circuit source and same r1cs (hash); other weights -> another r1cs. Compiles a tiny
// model with the real circom2 compiler (the MLP/CNN take minutes: scripts/build.ts records their r1cs hash).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { afterAll, describe, expect, it } from "vitest";
import { compileOnnx } from "../src/compiler/index.ts";
import { emitCircom } from "../src/compiler/emit-circom.ts";
import type { FloatLayer } from "../src/compiler/ir.ts";
import { evaluate } from "../src/compiler/reference.ts";
import { hashBytes } from "../src/io/hash.ts";
import { packOutput } from "../src/io/pack.ts";
import { PACKAGE_ROOT } from "../src/prover/paths.ts";
import { exportFloatOnnx } from "../src/train/export.ts";
import { rng } from "../src/train/data.ts";
import { PIXELS, pixelsToUnit } from "../src/train/calibration.ts";
import { circomCompile } from "../scripts/lib.ts";
import { randomInputs } from "./helpers.ts";

const tmp = join(PACKAGE_ROOT, ".tmp-test", `circom-${process.pid}`);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tinyModel(seed: number) {
  const r = rng(seed);
  const rand = (n: number) => Float64Array.from({ length: n }, () => (r() * 2 - 1) * 0.3);
  const layers: FloatLayer[] = [
    {
      op: "conv",
      node: "c",
      inShape: [1, 6, 6],
      outShape: [2, 4, 4],
      kernel: [3, 3],
      stride: [1, 1],
      pads: [0, 0, 0, 0],
      w: rand(18),
      b: rand(2),
    },
    { op: "avgpool", node: "p", inShape: [2, 4, 4], outShape: [2, 2, 2], kernel: [2, 2], stride: [2, 2] },
    { op: "relu", node: "r" },
    { op: "flatten", node: "f", inShape: [2, 2, 2], outShape: [8] },
    { op: "dense", node: "d", inSize: 8, outSize: 3, w: rand(24), b: rand(3) },
  ];
  const calib = randomInputs(20, 36, seed);
  return compileOnnx(exportFloatOnnx("tiny", [1, 6, 6], layers), {
    name: "tiny",
    calibration: calib.map(pixelsToUnit),
    input: PIXELS,
  });
}
const tiny = (seed: number): string => tinyModel(seed).circom;

/** mConstraints from an r1cs file's header section (type 1): n8, prime, 4 counts, nLabels (8 bytes), then it. */
function constraints(sub: string): number {
  const f = readFileSync(join(tmp, sub, "circuit.r1cs"));
  for (let at = 12; at < f.length; ) {
    const type = f.readUInt32LE(at);
    const size = Number(f.readBigUInt64LE(at + 4));
    if (type === 1) {
      const n8 = f.readUInt32LE(at + 12);
      return f.readUInt32LE(at + 12 + 4 + n8 + 16 + 8);
    }
    at += 12 + size;
  }
  throw new Error("no header section");
}

function compile(src: string, sub: string): { r1cs: string; wasm: Uint8Array } {
  const d = join(tmp, sub);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, "circuit.circom"), src);
  circomCompile(join(d, "circuit.circom"), d);
  return {
    r1cs: createHash("sha256")
      .update(readFileSync(join(d, "circuit.r1cs")))
      .digest("hex"),
    wasm: new Uint8Array(readFileSync(join(d, "circuit_js", "circuit.wasm"))),
  };
}

describe("circom determinism", () => {
  it("same weights give the same source and r1cs hash; different weights do not", async () => {
    const a = tiny(1);
    expect(tiny(1)).toBe(a);
    const r1 = compile(a, "a");
    const r2 = compile(tiny(1), "b");
    expect(r2.r1cs).toBe(r1.r1cs);
    const r3 = compile(tiny(2), "c");
    expect(r3.r1cs).not.toBe(r1.r1cs);

    // and the tiny circuit computes what the reference computes
    const { model, analysis } = tinyModel(1);
    const wc = await WitnessCalculatorBuilder(r1.wasm, { sanityCheck: true });
    for (const x of randomInputs(200, 36, 5)) {
      const w = await wc.calculateWitness({ in: Array.from(x, BigInt) }, true);
      expect(w[1]).toBe(packOutput(evaluate(model, x), analysis.laneBits)[0]);
      expect(w[2]).toBe(await hashBytes(x));
    }
  });
});

describe("linear layers split into templates (the form of models above SPLIT_TERMS weights)", () => {
  it("computes what the one-template form computes, with the same constraints", async () => {
    const { model, analysis } = tinyModel(3);
    const whole = emitCircom(model);
    // 40 terms a template: the conv (32 outputs of 9 terms) and the dense layer (3 of 8) both split
    const split = emitCircom(model, { splitTerms: 0, partTerms: 40 });
    expect(whole).not.toMatch(/template Layer/);
    expect(split.match(/^template Layer\d+Part\d+\(\)/gm)?.length).toBe(Math.ceil(32 / 4) + 1);
    compile(whole, "whole");
    const b = compile(split, "split");
    expect(constraints("split")).toBe(constraints("whole"));
    const wc = await WitnessCalculatorBuilder(b.wasm, { sanityCheck: true });
    for (const x of randomInputs(100, 36, 9)) {
      const w = await wc.calculateWitness({ in: Array.from(x, BigInt) }, true);
      expect(w[1]).toBe(packOutput(evaluate(model, x), analysis.laneBits)[0]);
      expect(w[2]).toBe(await hashBytes(x));
    }
  });
});
