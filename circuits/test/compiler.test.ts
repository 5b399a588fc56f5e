// Malformed and out-of-range models must be refused with an error that names the problem.
import { describe, expect, it } from "vitest";
import { compileOnnx, ModelCompileError, readOnnx } from "../src/compiler/index.ts";
import { encodeModel, floatTensor, node } from "../src/compiler/onnx-write.ts";
import { exportFloatOnnx } from "../src/train/export.ts";
import type { FloatLayer } from "../src/compiler/ir.ts";
import { rng } from "../src/train/data.ts";
import { PIXELS, pixelsToUnit } from "../src/train/calibration.ts";

const r = rng(7);
const rand = (n: number, a = 0.1) => Float64Array.from({ length: n }, () => (r() * 2 - 1) * a);
const calib = [Uint8Array.from({ length: 16 }, (_, i) => i * 16), Uint8Array.from({ length: 16 }, () => 255)];
const opts = { name: "tiny", calibration: calib.map(pixelsToUnit), input: PIXELS };
const tinyLayers = (): FloatLayer[] => [
  { op: "dense", node: "fc1", inSize: 16, outSize: 4, w: rand(64), b: rand(4) },
  { op: "relu", node: "act" },
  { op: "dense", node: "fc2", inSize: 4, outSize: 3, w: rand(12), b: rand(3) },
];

function graph(
  nodes: ReturnType<typeof node>[],
  inits: ReturnType<typeof floatTensor>[],
  inputShape = [16],
  out = "y",
) {
  return encodeModel({
    name: "g",
    inputName: "x",
    inputShape,
    outputName: out,
    outputShape: [3],
    nodes,
    initializers: inits,
  });
}

describe("compiler refuses what it cannot compile exactly", () => {
  it("compiles a small valid model", () => {
    const c = compileOnnx(exportFloatOnnx("tiny", [16], tinyLayers()), opts);
    expect(c.model.layers.map((l) => l.op)).toEqual(["dense", "requant", "dense"]);
    expect(c.circom).toContain("template Model()");
  });
  it("names an unsupported op and its node", () => {
    const bytes = graph([node("LpPool", "pool_7", ["x"], ["y"], { kernel_shape: [2, 2] })], [], [1, 4, 4]);
    expect(() => readOnnx(bytes)).toThrow(ModelCompileError);
    expect(() => readOnnx(bytes)).toThrow(/ONNX node 'pool_7': unsupported op 'LpPool'/);
  });
  it("names a node whose weight shape does not match its input", () => {
    const bytes = graph(
      [node("Gemm", "fc_bad", ["x", "w", "b"], ["y"], { transB: 1 })],
      [floatTensor("w", [3, 15], rand(45)), floatTensor("b", [3], rand(3))],
    );
    expect(() => readOnnx(bytes)).toThrow(/ONNX node 'fc_bad': weight \[3,15\] does not match input size 16/);
  });
  it("refuses a Gemm on a 4-D tensor without Flatten", () => {
    const bytes = graph(
      [node("Gemm", "fc", ["x", "w"], ["y"], { transB: 1 })],
      [floatTensor("w", [3, 16], rand(48))],
      [1, 4, 4],
    );
    expect(() => readOnnx(bytes)).toThrow(/ONNX node 'fc': Gemm needs a flat input, got shape \[1,4,4\]/);
  });
  it("refuses branches (a node off the chain)", () => {
    const bytes = graph([node("Relu", "a", ["x"], ["h"]), node("Relu", "b", ["x"], ["y"])], []);
    expect(() => readOnnx(bytes)).toThrow(/ONNX node 'b': takes 'x' but the chain is at 'h'/);
  });
  it("refuses unsupported attributes and non-float initializers", () => {
    const conv = graph(
      [node("Conv", "c1", ["x", "w"], ["y"], { group: 2 })],
      [floatTensor("w", [2, 1, 3, 3], rand(18))],
      [1, 4, 4],
    );
    expect(() => readOnnx(conv)).toThrow(/ONNX node 'c1': only group = 1/);
    const bad = graph(
      [node("Gemm", "fc", ["x", "w"], ["y"], { transB: 1 })],
      [{ ...floatTensor("w", [3, 16], rand(48)), dataType: 7 }],
    );
    expect(() => readOnnx(bad)).toThrow(/initializer 'w' has data type 7/);
  });
  it("reports bytes that are not ONNX and graphs without an output", () => {
    expect(() => readOnnx(new Uint8Array([1, 2, 3, 4, 5, 6, 7]))).toThrow(/not an ONNX model|malformed ONNX/);
    expect(() => readOnnx(new Uint8Array())).toThrow(/malformed ONNX model/);
  });
  it("refuses a model whose accumulator can exceed 2^24, naming the node", () => {
    // 784 inputs x 255 x 127 > 2^24: float32 could not hold the partial sums exactly.
    const layers: FloatLayer[] = [
      {
        op: "dense",
        node: "wide",
        inSize: 784,
        outSize: 2,
        w: new Float64Array(784 * 2).fill(0.5),
        b: new Float64Array(2),
      },
    ];
    const big = [Uint8Array.from({ length: 784 }, () => 255)];
    expect(() => compileOnnx(exportFloatOnnx("wide", [784], layers), { ...opts, calibration: big })).toThrow(
      /ONNX node 'wide': a partial sum of output 0 can reach \d+ >= 2\^24/,
    );
  });
  it("is deterministic: same weights, same ONNX bytes and circuit source", () => {
    const layers = tinyLayers();
    const a = compileOnnx(exportFloatOnnx("tiny", [16], layers), opts);
    const b = compileOnnx(exportFloatOnnx("tiny", [16], layers), opts);
    expect(Buffer.from(a.onnx).equals(Buffer.from(b.onnx))).toBe(true);
    expect(a.circom).toBe(b.circom);
  });
});
