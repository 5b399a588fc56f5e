// A model brought by a user: 4 standardized (signed, non-integer) features, a 4-8-3 MLP. The compiler chooses an
// affine signed input from the calibration rows; onnxruntime on the quantized graph and the reference evaluator
// agree bit for bit; the quantized graph reads back to the same integer model. (The circuit: cli.test.ts.)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import {
  argmax,
  compileOnnx,
  emitOnnx,
  evaluate,
  inputQuantOf,
  inputRange,
  quantizeValues,
  readIntOnnx,
} from "../src/compiler/index.ts";
import { hashBytes } from "../src/io/hash.ts";
import { decodeInput, encodeInput, hashInput, inputDtype } from "../src/io/input.ts";
import { modelDir } from "../src/prover/paths.ts";
import { rng } from "../src/train/data.ts";
import { TABULAR_FEATURES, tabularModel } from "../src/train/tabular.ts";

const tab = tabularModel();
const compiled = compileOnnx(tab.onnx, {
  name: "tabular",
  calibration: tab.train.inputs,
  featureNames: TABULAR_FEATURES,
});
const q = inputQuantOf(compiled.model);

describe("tabular 4-8-3 MLP with standardized features", () => {
  it("gets a signed affine input, 8 to 16 bits, whose range covers every calibration row", () => {
    const lo = Math.min(...tab.train.inputs.flat());
    const hi = Math.max(...tab.train.inputs.flat());
    expect(lo).toBeLessThan(0);
    expect(q.signed).toBe(true);
    expect(q.bits).toBeGreaterThanOrEqual(8);
    expect(q.bits).toBeLessThanOrEqual(16);
    expect(Number.isInteger(q.zeroPoint)).toBe(true);
    const { min, max } = inputRange(q);
    // lo and hi land on (or within half a step of) the ends of the integer range
    expect(Math.abs(lo / q.scale + q.zeroPoint - min)).toBeLessThanOrEqual(0.5 + 1e-9);
    expect(Math.abs(hi / q.scale + q.zeroPoint - max)).toBeLessThanOrEqual(0.5 + 1e-9);
    for (const x of tab.train.inputs) {
      const { values, clamped } = quantizeValues(x, q);
      expect(clamped).toEqual([]);
      // real value = (q - zeroPoint) * scale, within half a step
      values.forEach((v, j) => {
        expect(Math.abs((v - q.zeroPoint) * q.scale - x[j]!)).toBeLessThanOrEqual(q.scale / 2 + 1e-12);
      });
    }
    expect(compiled.warnings).toEqual([]);
  });

  it("onnxruntime on the quantized graph = the reference evaluator, bit for bit, over the whole input range", async () => {
    const { min, max } = inputRange(q);
    const r = rng(21);
    const inputs = [
      ...tab.heldOut.inputs.map((x) => quantizeValues(x, q).values),
      ...Array.from({ length: 500 }, () => Array.from({ length: 4 }, () => min + Math.floor(r() * (max - min + 1)))),
      [min, min, min, min],
      [max, max, max, max],
      [min, max, min, max],
    ];
    const sess = await ort.InferenceSession.create(compiled.onnx);
    const X = new Float32Array(inputs.flat());
    const res = await sess.run({ input: new ort.Tensor("float32", X, [inputs.length, 4]) });
    const out = res.output!.data as Float32Array;
    let mismatches = 0;
    inputs.forEach((x, i) => {
      evaluate(compiled.model, x).forEach((v, k) => {
        if (out[i * 3 + k] !== v) mismatches++;
      });
    });
    expect(mismatches).toBe(0);
    await sess.release();
  });

  it("loses at most 2 points of held-out accuracy to quantization", () => {
    let ok = 0;
    tab.heldOut.inputs.forEach((x, i) => {
      if (argmax(evaluate(compiled.model, quantizeValues(x, q).values)) === tab.heldOut.labels[i]) ok++;
    });
    const quantized = ok / tab.heldOut.inputs.length;
    expect(tab.floatAccuracy).toBeGreaterThan(0.85);
    expect(quantized).toBeGreaterThanOrEqual(tab.floatAccuracy - 0.02);
  });

  it("reports every layer's error against the float model, all small", () => {
    const r = compiled.report!;
    expect(r.layers.map((l) => l.node)).toEqual(["fc1", "relu1", "fc2"]);
    for (const l of r.layers) expect(l.relativeError).toBeLessThan(0.05);
    expect(r.top1Agreement).toBeGreaterThan(0.97);
  });

  it("a forced width is kept; an unsigned input refuses negative calibration values", () => {
    const wide = compileOnnx(tab.onnx, { name: "tabular", calibration: tab.train.inputs, input: { bits: 16 } });
    expect(wide.model.input.bits).toBe(16);
    expect(() =>
      compileOnnx(tab.onnx, { name: "tabular", calibration: tab.train.inputs, input: { signed: false } }),
    ).toThrow(/calibration values go down to -\d.*an unsigned input cannot hold them/);
  });
});

describe("the quantized graph reads back", () => {
  it("to the integer model that re-emits the same bytes (tabular, and the committed MNIST model.onnx)", () => {
    const back = readIntOnnx(compiled.onnx);
    expect(back.input).toEqual({ ...compiled.model.input, name: "input" });
    expect(back.layers.map((l) => l.op)).toEqual(compiled.model.layers.map((l) => l.op));
    expect(Buffer.from(emitOnnx(back)).equals(Buffer.from(compiled.onnx))).toBe(true);
    for (const name of ["mlp", "cnn"]) {
      const bytes = new Uint8Array(readFileSync(join(modelDir(name), "model.onnx")));
      const m = readIntOnnx(bytes);
      const json = JSON.parse(readFileSync(join(modelDir(name), "model.json"), "utf8"));
      expect(m.input).toEqual(json.input);
      // every layer but its node name (the float model's names are not in the quantized graph); JSON turns -0 into 0
      const plain = (layers: Array<{ node: string }>) =>
        JSON.parse(JSON.stringify(layers.map(({ node: _, ...rest }) => rest))) as unknown;
      expect(plain(m.layers)).toEqual(plain(json.layers));
    }
  });

  it("refuses a graph this compiler did not write", () => {
    expect(() => readIntOnnx(tab.onnx)).toThrow(/not a quantized model written by this compiler/);
  });
});

describe("input bytes", () => {
  it("uint8 values are their own bytes: the MNIST input hash is unchanged", async () => {
    const x = Array.from({ length: 40 }, (_, i) => (i * 37) % 256);
    const e = { bits: 8, signed: false };
    expect(Array.from(encodeInput(x, e))).toEqual(x);
    expect(await hashInput(x, e)).toBe(await hashBytes(x));
    expect(inputDtype(e)).toBe("uint8");
  });

  it("wider and signed values are little-endian two's complement, 2 bytes from 9 bits", () => {
    const e = { bits: 12, signed: true };
    expect(inputDtype(e)).toBe("int16");
    expect(Array.from(encodeInput([-1, 5, -2048, 2047], e))).toEqual([0xff, 0xff, 5, 0, 0x00, 0xf8, 0xff, 0x07]);
    expect(decodeInput([0xff, 0xff, 5, 0, 0x00, 0xf8, 0xff, 0x07], e)).toEqual([-1, 5, -2048, 2047]);
    expect(Array.from(encodeInput([-128, 127], { bits: 8, signed: true }))).toEqual([0x80, 0x7f]);
    expect(() => encodeInput([2048], e)).toThrow(/not an integer in \[-2048, 2047\]/);
    expect(() => decodeInput([0x00, 0x08], e)).toThrow(/not an integer in \[-2048, 2047\]/);
  });
});
