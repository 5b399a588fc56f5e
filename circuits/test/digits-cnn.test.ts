// digits-cnn (sources/digits-cnn/float.onnx, from scripts/train-digits-cnn.ts): the committed float model compiles
// as a CNN with a MaxPool, the quantized model keeps >= 98 % top-1 on the 2,000 held-out digits, and onnxruntime on
// its quantized graph (model.onnx) gives the reference's integers on every one of them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { argmax, compileOnnx, evaluate } from "../src/compiler/index.ts";
import { PACKAGE_ROOT } from "../src/prover/paths.ts";
import { mnistCalibration, pixelsToUnit } from "../src/train/calibration.ts";
import { digits } from "./helpers.ts";

describe("digits-cnn: the committed float model, quantized", () => {
  const onnx = new Uint8Array(readFileSync(join(PACKAGE_ROOT, "sources", "digits-cnn", "float.onnx")));
  // the calibration `sovra-model compile` gets from sources/digits-cnn/calib.json (the script writes the same rows)
  const c = compileOnnx(onnx, { name: "digits_cnn", calibration: mnistCalibration(digits.train) });
  const held = digits.heldOut;
  const refs = held.map((s) => evaluate(c.model, s.pixels));

  it("compiles to conv, sum pool, conv, MaxPool, two Gemms, with uint8 pixel input", () => {
    expect(c.model.layers.map((l) => l.op)).toEqual([
      "conv",
      "sumpool",
      "requant",
      "conv",
      "maxpool",
      "requant",
      "flatten",
      "dense",
      "requant",
      "dense",
    ]);
    expect(c.model.input).toMatchObject({ bits: 8, scale: 1 / 255 });
    expect(c.analysis.maxpool.size).toBe(1);
  });

  it("quantized top-1 accuracy on the 2,000 held-out digits is at least 98 %", () => {
    const ok = held.filter((s, i) => argmax(refs[i]!) === s.label).length;
    console.log(`digits-cnn quantized held-out accuracy: ${((100 * ok) / held.length).toFixed(2)}%`);
    expect(held.length).toBe(2000);
    expect(ok / held.length).toBeGreaterThanOrEqual(0.98);
  });

  it("onnxruntime on the quantized graph gives the reference's integers on every held-out digit", async () => {
    const sess = await ort.InferenceSession.create(c.onnx);
    const X = new Float32Array(held.length * 784);
    held.forEach((s, i) => {
      X.set(s.pixels, i * 784);
    });
    const res = await sess.run({ [sess.inputNames[0]!]: new ort.Tensor("float32", X, [held.length, 1, 28, 28]) });
    const out = res[sess.outputNames[0]!]!.data as Float32Array;
    expect(out.length).toBe(held.length * 10);
    let mismatches = 0;
    refs.forEach((r, i) => {
      r.forEach((v, k) => {
        if (out[i * 10 + k] !== v) mismatches++;
      });
    });
    expect(mismatches).toBe(0);
    await sess.release();
  });

  it("the float model (onnxruntime) is also at least 98 % on the held-out digits", async () => {
    const sess = await ort.InferenceSession.create(onnx);
    const X = Float32Array.from(held.flatMap((s) => pixelsToUnit(s.pixels)));
    const res = await sess.run({ [sess.inputNames[0]!]: new ort.Tensor("float32", X, [held.length, 1, 28, 28]) });
    const out = res[sess.outputNames[0]!]!.data as Float32Array;
    const ok = held.filter((s, i) => argmax(out.subarray(i * 10, i * 10 + 10)) === s.label).length;
    console.log(`digits-cnn float held-out accuracy: ${((100 * ok) / held.length).toFixed(2)}%`);
    expect(ok / held.length).toBeGreaterThanOrEqual(0.98);
    await sess.release();
  });
});
