// What a new user's model or data can get wrong, and the one-line refusal each gets (API level; cli.test.ts checks
// that the command line shows the same lines without a stack trace).
import { describe, expect, it } from "vitest";
import { compileOnnx, DataError, ModelCompileError, readOnnx } from "../src/compiler/index.ts";
import type { FloatLayer } from "../src/compiler/ir.ts";
import { onnx } from "../src/compiler/onnx-proto.ts";
import { encodeModel, floatTensor, node } from "../src/compiler/onnx-write.ts";
import { tabularModel } from "../src/train/tabular.ts";

const tab = tabularModel();
const calibration = tab.train.inputs;

/** The tabular model as a graph we can bend: Gemm/Relu/Gemm, declared output [N,3], opset 13. */
function tabularGraph(
  opts: { outputShape?: number[]; opset?: number; domain?: string; batch?: number; w1?: Float64Array } = {},
): Uint8Array {
  const [fc1, , fc2] = tab.layers as [
    Extract<FloatLayer, { op: "dense" }>,
    FloatLayer,
    Extract<FloatLayer, { op: "dense" }>,
  ];
  const gemm2 = node("Gemm", "fc2", ["h", "fc2.weight", "fc2.bias"], ["logits"], { transB: 1 });
  if (opts.domain !== undefined) gemm2.domain = opts.domain;
  const bytes = encodeModel({
    name: "tabular",
    inputName: "features",
    inputShape: [4],
    outputName: "logits",
    outputShape: opts.outputShape ?? [3],
    opset: opts.opset,
    nodes: [
      node("Gemm", "fc1", ["features", "fc1.weight", "fc1.bias"], ["a"], { transB: 1 }),
      node("Relu", "relu1", ["a"], ["h"]),
      gemm2,
    ],
    initializers: [
      floatTensor("fc1.weight", [8, 4], opts.w1 ?? fc1.w),
      floatTensor("fc1.bias", [8], fc1.b),
      floatTensor("fc2.weight", [3, 8], fc2.w),
      floatTensor("fc2.bias", [3], fc2.b),
    ],
  });
  return bytes;
}

const compile = (bytes: Uint8Array, cal: unknown = calibration) =>
  compileOnnx(bytes, { name: "tabular", calibration: cal as number[][] });

describe("adversarial ONNX files", () => {
  it("the unbent graph compiles (the cases below fail for the reason they name)", () => {
    expect(compile(tabularGraph()).model.layers.map((l) => l.op)).toEqual(["dense", "requant", "dense"]);
  });

  it("refuses a 1e30 weight that would round the other 31 to 0, naming the node", () => {
    const w1 = Float64Array.from((tab.layers[0] as { w: Float64Array }).w);
    w1[5] = 1e30;
    expect(() => compile(tabularGraph({ w1 }))).toThrow(ModelCompileError);
    expect(() => compile(tabularGraph({ w1 }))).toThrow(
      /^ONNX node 'fc1': 31 of 32 non-zero weights round to 0 at int8 \(largest \|w\| 1\.00e\+30, median [\d.]+\): quantization would destroy this layer$/,
    );
  });

  it("refuses a declared output shape that disagrees with the graph", () => {
    expect(() => readOnnx(tabularGraph({ outputShape: [4] }))).toThrow(
      /^output 'logits' is declared \[N,4\] but the graph computes \[N,3\]$/,
    );
    expect(() => readOnnx(tabularGraph({ outputShape: [3, 1] }))).toThrow(
      /declared \[N,3,1\] but the graph computes \[N,3\]/,
    );
  });

  it("refuses an op of a foreign domain, naming the node", () => {
    expect(() => readOnnx(tabularGraph({ domain: "com.microsoft" }))).toThrow(
      /^ONNX node 'fc2': op 'Gemm' of domain 'com.microsoft' is not supported \(only the default ONNX domain\)$/,
    );
    expect(compile(tabularGraph({ domain: "ai.onnx" })).model.layers).toHaveLength(3);
  });

  it("refuses opset 1 (and any opset whose semantics the reader does not implement)", () => {
    expect(() => readOnnx(tabularGraph({ opset: 1 }))).toThrow(/^opset 1 is not supported \(7 to 23\)/);
    expect(() => readOnnx(tabularGraph({ opset: 99 }))).toThrow(/^opset 99 is not supported/);
    expect(readOnnx(tabularGraph({ opset: 7 })).layers).toHaveLength(3);
  });

  it("refuses a fixed batch dimension other than 1", () => {
    const withBatch = (n: number): Uint8Array => {
      const m = onnx.ModelProto.decode(tabularGraph());
      m.graph!.input![0]!.type!.tensorType!.shape!.dim![0] = { dimValue: n };
      return onnx.ModelProto.encode(m).finish();
    };
    expect(readOnnx(withBatch(1)).inputShape).toEqual([4]);
    expect(() => readOnnx(withBatch(8))).toThrow(
      /^input 'features' has a fixed batch dimension of 8: make it 1 or symbolic$/,
    );
  });
});

describe("malformed calibration", () => {
  const bytes = tabularGraph();
  const row = [0.1, -0.2, 0.3, 0.4];
  it.each([
    ["no rows", [], /^calibration: no rows \(at least one is needed\)$/],
    ["not an array", { a: 1 }, /^calibration: 'inputs' must be an array of rows, got object$/],
    ["a row too short", [row, [1, 2, 3]], /^calibration row 1 has 3 values; the model's input takes 4$/],
    ["a row too long", [[...row, 5]], /^calibration row 0 has 5 values; the model's input takes 4$/],
    ["Infinity", [row, [1, Infinity, 0, 0]], /^calibration row 1, value 1 is Infinity, not a finite number$/],
    ["NaN", [[Number.NaN, 0, 0, 0]], /^calibration row 0, value 0 is NaN, not a finite number$/],
    ["a string", [[0, 0, "0.5", 0]], /^calibration row 0, value 2 is "0.5", not a number$/],
    ["null", [[0, null, 0, 0]], /^calibration row 0, value 1 is null, not a number$/],
    [
      "a nested row",
      [
        [
          [0, 0],
          [0, 0],
        ],
      ],
      /^calibration row 0 has 2 values; the model's input takes 4$/,
    ],
    ["a nested value", [[[0], 0, 0, 0]], /^calibration row 0, value 0 is an array: rows must be flat \(row-major\)$/],
    ["a number for a row", [3], /^calibration row 0 is 3, not an array of 4 numbers$/],
  ])("refuses %s", (_, cal, msg) => {
    expect(() => compile(bytes, cal)).toThrow(DataError);
    expect(() => compile(bytes, cal)).toThrow(msg);
  });

  it("refuses all-zero calibration and warns about too few rows", () => {
    expect(() => compile(bytes, [[0, 0, 0, 0]])).toThrow(/every calibration value is 0/);
    const c = compile(bytes, calibration.slice(0, 5));
    expect(c.warnings.some((w) => /^only 5 calibration rows/.test(w))).toBe(true);
  });
});
