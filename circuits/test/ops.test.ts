// The ops small real models use beyond the MNIST ones: BatchNormalization (folded), Softmax (last: the circuit proves
// the logits), Reshape / Flatten variants, Identity / Dropout, MaxPool. For each, a small float ONNX model is built
// here, compiled, and onnxruntime on the quantized graph, the circuit witness (real circom2) and the reference
// evaluator must agree bit for bit on random inputs and the ends of the input range; one model goes all the way to a
// Groth16 proof on the dev ptau that verifies. Each refusal is a ModelCompileError naming the node.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WitnessCalculatorBuilder } from "circom_runtime";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import {
  argmax,
  type Compiled,
  compileOnnx,
  emitOnnx,
  evaluate,
  inputQuantOf,
  inputRange,
  ModelCompileError,
  readIntOnnx,
  readOnnx,
} from "../src/compiler/index.ts";
import { CIRCOM_MAX } from "../src/compiler/emit-circom.ts";
import { evalFloatLayers } from "../src/compiler/float-reference.ts";
import { type INodeProto, type ITensorProto, onnx } from "../src/compiler/onnx-proto.ts";
import { encodeModel, floatTensor, int64Tensor, node } from "../src/compiler/onnx-write.ts";
import { hashInput } from "../src/io/input.ts";
import { packOutput } from "../src/io/pack.ts";
import { compileModelDir } from "../src/model/compile-dir.ts";
import { proveDir, verifyDir } from "../src/model/prove-dir.ts";
import { modelManifestSchema } from "../src/prover/manifest.ts";
import { PACKAGE_ROOT } from "../src/prover/paths.ts";
import { close } from "../src/prover/prover.ts";
import { rng } from "../src/train/data.ts";
import { PIXELS, pixelsToUnit } from "../src/train/calibration.ts";
import { circomCompile } from "../scripts/lib.ts";
import { randomInputs } from "./helpers.ts";

const tmp = join(PACKAGE_ROOT, ".tmp-test", `ops-${process.pid}`);
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await close();
});

// Each describe reseeds at its start, so that a model's weights (and so its constraint count) do not depend on
// which tests ran before it.
let r = rng(31);
const reseed = (seed: number): void => {
  r = rng(seed);
};
const rand = (n: number, a = 0.5) => Float64Array.from({ length: n }, () => (r() * 2 - 1) * a);
const positive = (n: number) => Float64Array.from({ length: n }, () => 0.5 + r());

/** A float ONNX graph x -> ... -> y from nodes and initializers (opset 13 unless given). */
function graph(
  nodes: INodeProto[],
  inits: ITensorProto[],
  inputShape: number[],
  outputShape: number[],
  opset?: number,
): Uint8Array {
  return encodeModel({
    name: "g",
    inputName: "x",
    inputShape,
    outputName: "y",
    outputShape,
    nodes,
    initializers: inits,
    opset,
  });
}

/** The four constant inputs of a BatchNormalization over c channels, as initializers named p.*. */
const bnParams = (p: string, c: number): ITensorProto[] => [
  floatTensor(`${p}.scale`, [c], positive(c)),
  floatTensor(`${p}.bias`, [c], rand(c)),
  floatTensor(`${p}.mean`, [c], rand(c)),
  floatTensor(`${p}.var`, [c], positive(c)),
];
const bn = (name: string, x: string, y: string, attrs: Record<string, number | { f: number }> = {}): INodeProto =>
  node("BatchNormalization", name, [x, `${name}.scale`, `${name}.bias`, `${name}.mean`, `${name}.var`], [y], attrs);

const pixelOpts = (n: number, seed: number) => ({
  name: "ops",
  calibration: randomInputs(40, n, seed).map(pixelsToUnit),
  input: PIXELS,
});

/** Float model outputs from onnxruntime, one row per input. */
async function runFloat(bytes: Uint8Array, inputs: number[][], shape: number[]): Promise<number[][]> {
  const sess = await ort.InferenceSession.create(bytes);
  const res = await sess.run({
    [sess.inputNames[0]!]: new ort.Tensor("float32", Float32Array.from(inputs.flat()), [inputs.length, ...shape]),
  });
  const out = res[sess.outputNames[0]!]!.data as Float32Array;
  await sess.release();
  const k = out.length / inputs.length;
  return inputs.map((_, i) => Array.from(out.subarray(i * k, (i + 1) * k)));
}

/**
 * onnxruntime (quantized graph) = circuit witness = reference, bit for bit, on `inputs` plus the two ends of the
 * input range; the witness also gives the input hash. Returns the circuit's constraint count (circom2's report).
 */
async function expectAgreement(c: Compiled, inputs: number[][], sub: string): Promise<number> {
  const q = inputQuantOf(c.model);
  const { min, max } = inputRange(q);
  const n = c.model.input.shape.reduce((a, b) => a * b, 1);
  const all = [...inputs, new Array<number>(n).fill(min), new Array<number>(n).fill(max)];
  const refs = all.map((x) => evaluate(c.model, x));

  const ortOut = await runFloat(c.onnx, all, c.model.input.shape);
  let mismatches = 0;
  refs.forEach((ref, i) => {
    ref.forEach((v, k) => {
      if (ortOut[i]![k] !== v) mismatches++;
    });
  });
  expect(mismatches, "onnxruntime vs reference").toBe(0);

  const d = join(tmp, sub);
  mkdirSync(d, { recursive: true });
  const src = join(d, "circuit.circom");
  rmSync(src, { force: true });
  writeFileSync(src, c.circom);
  const report = circomCompile(src, d);
  const wc = await WitnessCalculatorBuilder(new Uint8Array(readFileSync(join(d, "circuit_js", "circuit.wasm"))), {
    sanityCheck: true,
  });
  const B = c.analysis.laneBits;
  for (const [i, x] of all.entries()) {
    const w = await wc.calculateWitness({ in: x.map((v) => BigInt(v)) }, true);
    const packed = packOutput(refs[i]!, B);
    packed.forEach((p, f) => {
      if (w[1 + f] !== p) mismatches++;
    });
    if (i % 10 === 0 && w[1 + packed.length] !== (await hashInput(x, q))) mismatches++;
  }
  expect(mismatches, "circuit vs reference").toBe(0);
  // The quantized graph reads back to the integer model that re-emits it byte for byte (`sovra-model rebuild`).
  expect(Buffer.from(emitOnnx(readIntOnnx(c.onnx))).equals(Buffer.from(c.onnx))).toBe(true);
  return constraintsOf(report);
}

/** circom2 reports "non-linear constraints: a" and "linear constraints: b": the r1cs has a + b. */
function constraintsOf(report: string): number {
  let total = 0;
  for (const k of report.matchAll(/linear constraints: (\d+)/g)) total += Number(k[1]);
  return total;
}

const uint8Rows = (count: number, n: number, seed: number): number[][] =>
  randomInputs(count, n, seed).map((x) => Array.from(x));

describe("BatchNormalization is folded into the Conv or Gemm before it", () => {
  reseed(1);
  // [1,6,6] -> Conv 2@3x3 -> BN -> Relu -> Flatten -> Gemm 32->4 -> BN
  const bytes = graph(
    [
      node("Conv", "conv1", ["x", "conv1.w", "conv1.b"], ["c"], { kernel_shape: [3, 3] }),
      bn("bn1", "c", "cb", { epsilon: { f: 1e-3 } }),
      node("Relu", "relu1", ["cb"], ["h"]),
      node("Flatten", "flat", ["h"], ["f"], { axis: 1 }),
      node("Gemm", "fc", ["f", "fc.w", "fc.b"], ["g"], { transB: 1 }),
      bn("bn2", "g", "y"),
    ],
    [
      floatTensor("conv1.w", [2, 1, 3, 3], rand(18)),
      floatTensor("conv1.b", [2], rand(2, 0.1)),
      ...bnParams("bn1", 2),
      floatTensor("fc.w", [4, 32], rand(128, 0.3)),
      floatTensor("fc.b", [4], rand(4, 0.1)),
      ...bnParams("bn2", 4),
    ],
    [1, 6, 6],
    [4],
  );

  it("the folded float layers compute what onnxruntime computes on the graph with the BatchNormalizations", async () => {
    const fm = readOnnx(bytes);
    expect(fm.layers.map((l) => l.op)).toEqual(["conv", "relu", "flatten", "dense"]);
    const xs = uint8Rows(50, 36, 3).map(pixelsToUnit);
    const want = await runFloat(bytes, xs, [1, 6, 6]);
    xs.forEach((x, i) => {
      const got = evalFloatLayers(fm.layers, x).at(-1)!;
      got.forEach((v, k) => {
        expect(Math.abs(v - want[i]![k]!)).toBeLessThan(1e-4 * (1 + Math.abs(want[i]![k]!)));
      });
    });
  });

  it("adds no layer, and onnxruntime = circuit = reference bit for bit", async () => {
    const c = compileOnnx(bytes, pixelOpts(36, 4));
    expect(c.model.layers.map((l) => l.op)).toEqual(["conv", "requant", "flatten", "dense"]);
    const constraints = await expectAgreement(c, uint8Rows(300, 36, 5), "bn");
    console.log(`BatchNormalization model: ${constraints} constraints`);
  });

  it("is refused where it cannot be folded, naming the node", () => {
    const afterRelu = graph(
      [
        node("Gemm", "fc", ["x", "fc.w"], ["g"], { transB: 1 }),
        node("Relu", "relu1", ["g"], ["h"]),
        bn("bn1", "h", "y"),
      ],
      [floatTensor("fc.w", [3, 4], rand(12)), ...bnParams("bn1", 3)],
      [4],
      [3],
    );
    expect(() => readOnnx(afterRelu)).toThrow(ModelCompileError);
    expect(() => readOnnx(afterRelu)).toThrow(
      /^ONNX node 'bn1': BatchNormalization can be folded only right after Conv, Gemm or MatMul \(it follows relu1\)$/,
    );
    const first = graph([bn("bn0", "x", "y")], bnParams("bn0", 4), [4], [4]);
    expect(() => readOnnx(first)).toThrow(
      /^ONNX node 'bn0': BatchNormalization can be folded only right after Conv, Gemm or MatMul$/,
    );
    const dynamicMean = graph(
      [
        node("Gemm", "fc", ["x", "fc.w"], ["g"], { transB: 1 }),
        node("BatchNormalization", "bn1", ["g", "bn1.scale", "bn1.bias", "running", "bn1.var"], ["y"]),
      ],
      [floatTensor("fc.w", [3, 4], rand(12)), ...bnParams("bn1", 3)],
      [4],
      [3],
    );
    expect(() => readOnnx(dynamicMean)).toThrow(
      /^ONNX node 'bn1': input_mean \(input 3\) must be a constant initializer$/,
    );
    const training = graph(
      [node("Gemm", "fc", ["x", "fc.w"], ["g"], { transB: 1 }), bn("bn1", "g", "y", { training_mode: 1 })],
      [floatTensor("fc.w", [3, 4], rand(12)), ...bnParams("bn1", 3)],
      [4],
      [3],
    );
    expect(() => readOnnx(training)).toThrow(/^ONNX node 'bn1': BatchNormalization in training mode is not supported/);
  });
});

describe("Softmax as the last op: the circuit proves the logits", () => {
  // 4 signed features -> Gemm 4->8 -> Relu -> Gemm 8->3 -> Softmax
  reseed(2);
  const fc1 = rand(32, 0.8);
  const fc2 = rand(24, 0.8);
  const b1 = rand(8, 0.1);
  const b2 = rand(3, 0.1);
  const softmaxGraph = (extra: INodeProto[] = [], softmaxAttrs: Record<string, number> = {}, opset?: number) =>
    graph(
      [
        node("Gemm", "fc1", ["x", "fc1.w", "fc1.b"], ["a"], { transB: 1 }),
        node("Relu", "relu1", ["a"], ["h"]),
        node("Gemm", "fc2", ["h", "fc2.w", "fc2.b"], ["logits"], { transB: 1 }),
        node("Softmax", "sm", ["logits"], [extra.length > 0 ? "p" : "y"], softmaxAttrs),
        ...extra,
      ],
      [
        floatTensor("fc1.w", [8, 4], fc1),
        floatTensor("fc1.b", [8], b1),
        floatTensor("fc2.w", [3, 8], fc2),
        floatTensor("fc2.b", [3], b2),
      ],
      [4],
      [3],
      opset,
    );
  const calibration = Array.from({ length: 200 }, () => Array.from(rand(4, 2)));

  it("compiles to the logits, marked softmax, with the float model's argmax", async () => {
    const bytes = softmaxGraph();
    const c = compileOnnx(bytes, { name: "ops", calibration });
    expect(c.model.output.softmax).toBe(true);
    expect(c.model.layers.map((l) => l.op)).toEqual(["dense", "requant", "dense"]);
    expect(readIntOnnx(c.onnx).output.softmax).toBe(true);
    // the float model outputs probabilities; the quantized one logits with (nearly always) the same argmax
    const probs = await runFloat(bytes, calibration, [4]);
    for (const p of probs) expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const q = inputQuantOf(c.model);
    const { min, max } = inputRange(q);
    let same = 0;
    calibration.forEach((x, i) => {
      const ints = x.map((v) => Math.min(max, Math.max(min, Math.round(v / q.scale) + q.zeroPoint)));
      if (argmax(evaluate(c.model, ints)) === argmax(probs[i]!)) same++;
    });
    expect(same / calibration.length).toBeGreaterThan(0.95);
    const rr = rng(8);
    const inputs = Array.from({ length: 300 }, () =>
      Array.from({ length: 4 }, () => min + Math.floor(rr() * (max - min + 1))),
    );
    const constraints = await expectAgreement(c, inputs, "softmax");
    console.log(`Softmax model: ${constraints} constraints`);
  });

  it("opset 11 (default axis 1) compiles too; Softmax elsewhere or over another axis is refused", () => {
    expect(readOnnx(softmaxGraph([], {}, 11)).softmax).toBe(true);
    const notLast = softmaxGraph([node("Relu", "after", ["p"], ["y"])]);
    expect(() => readOnnx(notLast)).toThrow(ModelCompileError);
    expect(() => readOnnx(notLast)).toThrow(
      /^ONNX node 'sm': Softmax is supported only as the last op \(the circuit proves its logits; the buyer may apply it\)$/,
    );
    expect(() => readOnnx(softmaxGraph([], { axis: 0 }))).toThrow(
      /^ONNX node 'sm': Softmax is supported only over the classes of a flat \[N,classes\] output \(got axis 0 on \[N,3\]\)$/,
    );
  });
});

describe("Reshape, Flatten variants, Identity, Dropout: re-indexing at no cost", () => {
  // flat [16] -> Reshape [0,1,4,4] -> Conv 2@3x3 -> Identity -> Relu -> Dropout -> Reshape [-1, 8] -> Gemm 8->3
  reseed(3);
  const [cw, cb, fw, fb] = [rand(18), rand(2, 0.1), rand(24), rand(3, 0.1)];
  const build = (opts: { secondShape?: number[]; flattenAxis?: number; dropoutTraining?: boolean } = {}) =>
    graph(
      [
        node("Reshape", "to_image", ["x", "shape1"], ["img"]),
        node("Conv", "conv1", ["img", "conv1.w", "conv1.b"], ["c"], { kernel_shape: [3, 3] }),
        node("Identity", "id", ["c"], ["ci"]),
        node("Relu", "relu1", ["ci"], ["h"]),
        node("Dropout", "drop", opts.dropoutTraining ? ["h", "ratio", "train"] : ["h"], ["hd"]),
        opts.flattenAxis !== undefined
          ? node("Flatten", "flat", ["hd"], ["f"], { axis: opts.flattenAxis })
          : node("Reshape", "to_flat", ["hd", "shape2"], ["f"]),
        node("Gemm", "fc", ["f", "fc.w", "fc.b"], ["y"], { transB: 1 }),
      ],
      [
        int64Tensor("shape1", [4], [0, 1, 4, 4]),
        int64Tensor("shape2", [2], opts.secondShape ?? [-1, 8]),
        floatTensor("conv1.w", [2, 1, 3, 3], cw),
        floatTensor("conv1.b", [2], cb),
        floatTensor("fc.w", [3, 8], fw),
        floatTensor("fc.b", [3], fb),
      ],
      [16],
      [3],
    );

  it("compiles to re-indexing layers only, and onnxruntime = circuit = reference bit for bit", async () => {
    const bytes = build();
    const c = compileOnnx(bytes, pixelOpts(16, 6));
    expect(c.model.layers.map((l) => l.op)).toEqual(["flatten", "conv", "requant", "flatten", "dense"]);
    expect(c.model.layers[0]).toMatchObject({ inShape: [16], outShape: [1, 4, 4] });
    // Flatten with the axis counted from the end is the same model
    const c2 = compileOnnx(build({ flattenAxis: -3 }), pixelOpts(16, 6));
    expect(c2.model.layers.map((l) => l.op)).toEqual(c.model.layers.map((l) => l.op));
    const constraints = await expectAgreement(c, uint8Rows(300, 16, 7), "reshape");
    console.log(`Reshape/Identity/Dropout model: ${constraints} constraints`);
  });

  it("refuses a Reshape or Flatten that mixes examples, a shape that is not constant, a training Dropout", () => {
    expect(() => readOnnx(build({ secondShape: [-1, 4] }))).toThrow(
      /^ONNX node 'to_flat': Reshape to \[-1,4\] does not keep the 8 values of each example \(input \[N,2,2,2\]\)$/,
    );
    expect(() => readOnnx(build({ secondShape: [2, -1] }))).toThrow(
      /^ONNX node 'to_flat': Reshape to \[2,-1\] must keep the batch dimension first/,
    );
    expect(() => readOnnx(build({ flattenAxis: 2 }))).toThrow(
      /^ONNX node 'flat': only axis = 1 \(or -3 here\) is supported, got 2$/,
    );
    const dynamic = graph([node("Reshape", "rs", ["x", "s"], ["y"])], [], [16], [16]);
    expect(() => readOnnx(dynamic)).toThrow(/^ONNX node 'rs': shape \(input 1\) must be a constant initializer$/);
    expect(() => readOnnx(build({ dropoutTraining: true }))).toThrow(
      /^ONNX node 'drop': Dropout's training_mode input is not supported \(inference only\)$/,
    );
  });
});

describe("MaxPool: comparisons in the circuit, exact in onnxruntime and the reference", () => {
  // [1,8,8] -> Conv 2@3x3 -> MaxPool 2x2 stride 1 (signed accumulators) -> Relu -> MaxPool 2x2 stride 2 (uint8)
  // -> Flatten -> Gemm 8->3
  reseed(4);
  const [cw, cb, fw, fb] = [rand(18), rand(2, 0.1), rand(24), rand(3, 0.1)];
  const pool = (name: string, x: string, y: string, k: number, s: number, extra: Record<string, number[]> = {}) =>
    node("MaxPool", name, [x], [y], { kernel_shape: [k, k], strides: [s, s], ...extra });
  const build = (extra: Record<string, number[]> = {}) =>
    graph(
      [
        node("Conv", "conv1", ["x", "conv1.w", "conv1.b"], ["c"], { kernel_shape: [3, 3] }),
        pool("pool1", "c", "p1", 2, 1, extra),
        node("Relu", "relu1", ["p1"], ["h"]),
        pool("pool2", "h", "p2", 2, 2),
        node("Flatten", "flat", ["p2"], ["f"], { axis: 1 }),
        node("Gemm", "fc", ["f", "fc.w", "fc.b"], ["y"], { transB: 1 }),
      ],
      [
        floatTensor("conv1.w", [2, 1, 3, 3], cw),
        floatTensor("conv1.b", [2], cb),
        floatTensor("fc.w", [3, 8], fw),
        floatTensor("fc.b", [3], fb),
      ],
      [1, 8, 8],
      [3],
    );

  it("onnxruntime = circuit = reference bit for bit", async () => {
    const c = compileOnnx(build(), pixelOpts(64, 9));
    expect(c.model.layers.map((l) => l.op)).toEqual(["conv", "maxpool", "requant", "maxpool", "flatten", "dense"]);
    // comparisons after the ReLU span [0, 255]: 9 bits
    expect(c.analysis.maxpool.get(3)).toBe(9);
    const constraints = await expectAgreement(c, uint8Rows(300, 64, 10), "maxpool");
    console.log(
      `MaxPool model: ${constraints} constraints (pool1 ${c.analysis.maxpool.get(1)}-bit, pool2 ${c.analysis.maxpool.get(3)}-bit comparisons)`,
    );
  });

  it("costs (k*k - 1) x (N + 1) constraints per output (the README's circuit table)", () => {
    const d = join(tmp, "maxof");
    mkdirSync(d, { recursive: true });
    for (const [kk, nb] of [
      [4, 9],
      [4, 19],
      [9, 9],
    ] as const) {
      const src = join(d, `max_${kk}_${nb}.circom`);
      writeFileSync(
        src,
        `pragma circom 2.1.0;\n${CIRCOM_MAX}\ntemplate T() { signal input in[${kk}]; signal output out; ` +
          `component c = MaxOf(${kk}, ${nb}); for (var i = 0; i < ${kk}; i++) { c.in[i] <== in[i]; } out <== c.out; }\n` +
          "component main = T();\n",
      );
      expect(constraintsOf(circomCompile(src, d))).toBe((kk - 1) * (nb + 1));
    }
  });

  it("refuses padding, ceil_mode, dilations and the Indices output, naming the node", () => {
    expect(() => readOnnx(build({ pads: [1, 1, 1, 1] }))).toThrow(
      /^ONNX node 'pool1': only pads = 0 and ceil_mode = 0 are supported$/,
    );
    expect(() => readOnnx(build({ dilations: [2, 2] }))).toThrow(/^ONNX node 'pool1': only dilations = 1/);
    const samePad = graph(
      [
        {
          ...node("MaxPool", "mp", ["x"], ["y"], { kernel_shape: [2, 2] }),
          attribute: [
            { name: "kernel_shape", type: onnx.AttributeProto.AttributeType.INTS, ints: [2, 2] },
            { name: "auto_pad", type: onnx.AttributeProto.AttributeType.STRING, s: Buffer.from("SAME_UPPER") },
          ],
        },
      ],
      [],
      [1, 4, 4],
      [1, 4, 4],
    );
    expect(() => readOnnx(samePad)).toThrow(
      /^ONNX node 'mp': auto_pad = SAME_UPPER is not supported \(give explicit pads\)$/,
    );
    const indices = graph(
      [node("MaxPool", "mp", ["x"], ["y", "idx"], { kernel_shape: [2, 2] })],
      [],
      [1, 4, 4],
      [1, 3, 3],
    );
    expect(() => readOnnx(indices)).toThrow(/^ONNX node 'mp': must have one output$/);
  });
});

describe("Add of two branches (residual): free, exact at one scale", () => {
  reseed(6);
  // [1,6,6] -> Conv 2@3x3 pad 1 -> Relu (h) -> Conv 2@3x3 pad 1 -> Add(h) -> Relu -> Flatten -> Gemm 72->3
  const [aw, ab, bw, bb, fw, fb] = [rand(18), rand(2, 0.1), rand(36, 0.3), rand(2, 0.1), rand(216, 0.2), rand(3, 0.1)];
  const convs = (secondInput: string, addInputs: [string, string], extra: INodeProto[] = []) =>
    graph(
      [
        node("Conv", "conv_a", ["x", "a.w", "a.b"], ["ca"], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
        node("Relu", "relu_a", ["ca"], ["h"]),
        ...extra,
        node("Conv", "conv_b", [secondInput, "b.w", "b.b"], ["cb"], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
        node("Add", "res", addInputs, ["s"]),
        node("Relu", "relu_s", ["s"], ["r"]),
        node("Flatten", "flat", ["r"], ["f"], { axis: 1 }),
        node("Gemm", "fc", ["f", "fc.w", "fc.b"], ["y"], { transB: 1 }),
      ],
      [
        floatTensor("a.w", [2, 1, 3, 3], aw),
        floatTensor("a.b", [2], ab),
        floatTensor("b.w", [2, 2, 3, 3], bw),
        floatTensor("b.b", [2], bb),
        floatTensor("fc.w", [3, 72], fw),
        floatTensor("fc.b", [3], fb),
      ],
      [1, 6, 6],
      [3],
    );

  it("the float layers compute what onnxruntime computes; onnxruntime = circuit = reference bit for bit", async () => {
    const bytes = convs("h", ["h", "cb"]);
    const fm = readOnnx(bytes);
    expect(fm.layers.map((l) => l.op)).toEqual(["conv", "relu", "conv", "add", "relu", "flatten", "dense"]);
    expect(fm.layers[3]).toMatchObject({ op: "add", from: 1 });
    const xs = uint8Rows(50, 36, 13).map(pixelsToUnit);
    const want = await runFloat(bytes, xs, [1, 6, 6]);
    xs.forEach((x, i) => {
      evalFloatLayers(fm.layers, x)
        .at(-1)!
        .forEach((v, k) => {
          expect(Math.abs(v - want[i]![k]!)).toBeLessThan(1e-4 * (1 + Math.abs(want[i]![k]!)));
        });
    });
    const c = compileOnnx(bytes, pixelOpts(36, 14));
    const add = c.model.layers[3]!;
    expect(add.op).toBe("add");
    // the two sides meet at one scale: one of them is multiplied by a power of 2
    if (add.op === "add") expect(Math.min(add.mainShift, add.skipShift)).toBe(0);
    // the branch order of the Add does not matter
    expect(compileOnnx(convs("h", ["cb", "h"]), pixelOpts(36, 14)).model).toEqual(c.model);
    for (const l of c.report!.layers) expect(l.relativeError, l.node).toBeLessThan(0.1);
    const constraints = await expectAgreement(c, uint8Rows(300, 36, 15), "residual");
    console.log(`residual model: ${constraints} constraints`);
  });

  it("a skip from the signed input itself (zero point subtracted) agrees too", async () => {
    // 4 signed features -> Gemm 4->4 -> Add(x) -> Relu -> Gemm 4->3
    const bytes = graph(
      [
        node("Gemm", "fc1", ["x", "fc1.w", "fc1.b"], ["a"], { transB: 1 }),
        node("Add", "res", ["x", "a"], ["s"]),
        node("Relu", "relu1", ["s"], ["h"]),
        node("Gemm", "fc2", ["h", "fc2.w", "fc2.b"], ["y"], { transB: 1 }),
      ],
      [
        floatTensor("fc1.w", [4, 4], rand(16, 0.8)),
        floatTensor("fc1.b", [4], rand(4, 0.1)),
        floatTensor("fc2.w", [3, 4], rand(12, 0.8)),
        floatTensor("fc2.b", [3], rand(3, 0.1)),
      ],
      [4],
      [3],
    );
    const calibration = Array.from({ length: 200 }, () => Array.from(rand(4, 2)).map((v) => v + 0.5));
    const c = compileOnnx(bytes, { name: "ops", calibration });
    expect(c.model.layers[1]).toMatchObject({ op: "add", from: -1 });
    expect(c.model.input.zeroPoint).not.toBe(0);
    const q = inputQuantOf(c.model);
    const { min, max } = inputRange(q);
    const rr = rng(16);
    const inputs = Array.from({ length: 300 }, () =>
      Array.from({ length: 4 }, () => min + Math.floor(rr() * (max - min + 1))),
    );
    await expectAgreement(c, inputs, "residual-input");
  });

  it("refuses an Add whose branch does not end in a Conv/Gemm, of two shapes, or of a tensor off the chain", () => {
    // conv_b's output goes through a Relu before the Add
    const afterRelu = graph(
      [
        node("Conv", "conv_a", ["x", "a.w"], ["ca"], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
        node("Relu", "relu_a", ["ca"], ["h"]),
        node("Conv", "conv_b", ["h", "b.w"], ["cb"], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
        node("Relu", "relu_b", ["cb"], ["rb"]),
        node("Add", "res", ["rb", "h"], ["y"]),
      ],
      [floatTensor("a.w", [2, 1, 3, 3], aw), floatTensor("b.w", [2, 2, 3, 3], bw)],
      [1, 6, 6],
      [2, 6, 6],
    );
    expect(() => readOnnx(afterRelu)).toThrow(ModelCompileError);
    expect(() => readOnnx(afterRelu)).toThrow(
      /^ONNX node 'res': a residual Add needs a Conv, Gemm or MatMul right before it on the branch \(found relu_b\)$/,
    );
    // the input [1,6,6] added to a [2,6,6] tensor
    const shapes = graph(
      [
        node("Conv", "conv_a", ["x", "a.w"], ["ca"], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
        node("Add", "res", ["ca", "x"], ["y"]),
      ],
      [floatTensor("a.w", [2, 1, 3, 3], aw)],
      [1, 6, 6],
      [2, 6, 6],
    );
    expect(() => readOnnx(shapes)).toThrow(
      /^ONNX node 'res': a residual Add needs two tensors of one shape, got \[N,1,6,6\] and \[N,2,6,6\]$/,
    );
    const twice = graph(
      [
        node("Gemm", "fc", ["x", "w"], ["a"], { transB: 1 }),
        node("Identity", "id", ["a"], ["b"]),
        node("Add", "res", ["b", "a"], ["y"]),
      ],
      [floatTensor("w", [4, 4], rand(16))],
      [4],
      [4],
    );
    expect(() => readOnnx(twice)).toThrow(/^ONNX node 'res': adds a tensor to itself$/);
    const offChain = graph(
      [node("Gemm", "fc", ["x", "w"], ["a"], { transB: 1 }), node("Add", "res", ["a", "elsewhere"], ["y"])],
      [floatTensor("w", [4, 4], rand(16))],
      [4],
      [4],
    );
    expect(() => readOnnx(offChain)).toThrow(
      /^ONNX node 'res': adds 'elsewhere', which is not an earlier tensor of the chain$/,
    );
  });
});

describe("a model with every new op, proven", () => {
  reseed(5);
  // flat [64] -> Reshape [0,1,8,8] -> Conv 2@3x3 -> BN -> MaxPool 2x2/2 -> Relu -> Dropout -> Flatten (f)
  // -> Gemm 18->18 -> Add(f) -> Relu -> Gemm 18->3 -> BN -> Identity -> Softmax
  const bytes = graph(
    [
      node("Reshape", "to_image", ["x", "shape"], ["img"]),
      node("Conv", "conv1", ["img", "conv1.w", "conv1.b"], ["c"], { kernel_shape: [3, 3] }),
      bn("bn1", "c", "cb"),
      node("MaxPool", "pool", ["cb"], ["p"], { kernel_shape: [2, 2], strides: [2, 2] }),
      node("Relu", "relu1", ["p"], ["h"]),
      node("Dropout", "drop", ["h"], ["hd"]),
      node("Flatten", "flat", ["hd"], ["f"], { axis: 1 }),
      node("Gemm", "fc0", ["f", "fc0.w", "fc0.b"], ["g0"], { transB: 1 }),
      node("Add", "res", ["g0", "f"], ["s"]),
      node("Relu", "relu2", ["s"], ["r"]),
      node("Gemm", "fc", ["r", "fc.w", "fc.b"], ["g"], { transB: 1 }),
      bn("bn2", "g", "gb"),
      node("Identity", "id", ["gb"], ["logits"]),
      node("Softmax", "sm", ["logits"], ["y"]),
    ],
    [
      int64Tensor("shape", [4], [0, 1, 8, 8]),
      floatTensor("conv1.w", [2, 1, 3, 3], rand(18)),
      floatTensor("conv1.b", [2], rand(2, 0.1)),
      ...bnParams("bn1", 2),
      floatTensor("fc0.w", [18, 18], rand(324, 0.3)),
      floatTensor("fc0.b", [18], rand(18, 0.1)),
      floatTensor("fc.w", [3, 18], rand(54)),
      floatTensor("fc.b", [3], rand(3, 0.1)),
      ...bnParams("bn2", 3),
    ],
    [64],
    [3],
  );

  it("compiles to a model directory whose manifest says softmax, and a Groth16 proof verifies", async () => {
    const out = join(tmp, "all");
    const calibration = uint8Rows(40, 64, 11).map(pixelsToUnit);
    const res = await compileModelDir({ onnx: bytes, name: "ops_all", calibration, out, input: PIXELS });
    expect(res.compiled.model.layers.map((l) => l.op)).toEqual([
      "flatten",
      "conv",
      "maxpool",
      "requant",
      "flatten",
      "dense",
      "add",
      "requant",
      "dense",
    ]);
    const manifest = modelManifestSchema.parse(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")));
    expect(manifest.io.output.softmax).toBe(true);
    expect(manifest.circuit.constraints).toBe(res.constraints);
    expect(res.constraints).toBeLessThan(16_000);
    console.log(`every-op model: ${res.constraints} constraints`);
    const input = pixelsToUnit(uint8Rows(1, 64, 12)[0]!);
    const proved = await proveDir(out, input, join(out, "proof"));
    expect(proved.output).toEqual(evaluate(res.compiled.model, proved.quantizedInput));
    const v = await verifyDir(out, join(out, "proof"));
    expect(v.ok).toBe(true);
    expect(v.output).toEqual(proved.output);
  });
});
