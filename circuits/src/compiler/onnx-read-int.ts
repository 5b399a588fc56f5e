// Quantized ONNX (model.onnx, the file the weights CID names) -> IntModel. Reads back exactly what emit-onnx.ts
// writes, nothing else: the result must re-emit to the same bytes, so the circuit and keys rebuilt from it are the
// ones of the file that was published (`sovra-model rebuild`).
import { ModelCompileError } from "./errors.ts";
import { emitOnnx } from "./emit-onnx.ts";
import { type IntLayer, type IntModel, intModelSchema, type Shape, size } from "./ir.ts";
import { decodeInt64Tensor, decodeTensor, parseOnnxModel, type Tensor } from "./onnx-read.ts";

const DOC =
  /^Sovra integer model '([a-z][a-z0-9_]*)': exact integer semantics in float32; input (u?)int(\d+) \(scale ([^,)]+)(?:, zero point (-?\d+))?\), output scale (\S+?)( \(logits: the float model's Softmax is left to the buyer\))?$/;

const fail = (why: string): never => {
  throw new ModelCompileError(`not a quantized model written by this compiler: ${why}`);
};

const ints = (t: Tensor, what: string): number[] => {
  const out = Array.from(t.data);
  if (out.some((v) => !Number.isInteger(v))) fail(`${what} holds a non-integer`);
  return out;
};

/** The integer model of a quantized ONNX file written by `emitOnnx`; refuses anything else. */
export function readIntOnnx(bytes: Uint8Array): IntModel {
  const m = parseOnnxModel(bytes);
  const doc = DOC.exec(m.docString) ?? fail("its doc string is not the compiler's");
  const [, name, unsigned, bits, scale, zeroPoint, outScale, softmax] = doc;
  const g = m.graph;
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const init = (n: string): Tensor => decodeTensor(inits.get(n) ?? fail(`initializer '${n}' is missing`));
  const scalar = (n: string): number => {
    const t = init(n);
    if (t.data.length !== 1) fail(`'${n}' is not a scalar`);
    return t.data[0]!;
  };
  const dims = g.input[0]!.type.tensorType.shape?.dim ?? [];
  const inputShape: Shape = dims.slice(1).map((d) => d.dimValue ?? fail("the input shape is not fixed"));

  let shape = inputShape;
  const layers: IntLayer[] = [];
  const nodes = g.node;
  let k = 0;
  const next = () => nodes[k] ?? fail("the graph ends before its output");
  const attr = (n: (typeof nodes)[number], key: string): number[] =>
    n.attribute.find((a) => a.name === key)?.ints ?? fail(`node '${n.name}' lacks '${key}'`);
  if (next().name === "input_zero_point") k++;
  for (let i = 0; next().opType !== "Identity"; i++) {
    const p = `l${i}`;
    const n = next();
    if (n.name === `${p}_gemm`) {
      const w = init(`${p}_w`);
      const [outSize, inSize] = w.dims as [number, number];
      layers.push({
        op: "dense",
        node: n.name,
        inSize,
        outSize,
        w: ints(w, "a weight"),
        b: ints(init(`${p}_b`), "a bias"),
      });
      shape = [outSize];
      k++;
    } else if (n.name === `${p}_conv`) {
      const w = init(`${p}_w`);
      const [co, , kh, kw] = w.dims as [number, number, number, number];
      const stride = attr(n, "strides") as [number, number];
      const pads = attr(n, "pads") as [number, number, number, number];
      const [c, h, wd] = shape as [number, number, number];
      const outShape: [number, number, number] = [
        co,
        Math.floor((h + pads[0] + pads[2] - kh) / stride[0]) + 1,
        Math.floor((wd + pads[1] + pads[3] - kw) / stride[1]) + 1,
      ];
      layers.push({
        op: "conv",
        node: n.name,
        inShape: [c, h, wd],
        outShape,
        kernel: [kh, kw],
        stride,
        pads,
        w: ints(w, "a weight"),
        b: ints(init(`${p}_b`), "a bias"),
      });
      shape = outShape;
      k++;
    } else if (n.name === `${p}_sumpool`) {
      const kernel = attr(n, "kernel_shape") as [number, number];
      const stride = attr(n, "strides") as [number, number];
      const [c, h, wd] = shape as [number, number, number];
      const outShape: [number, number, number] = [
        c,
        Math.floor((h - kernel[0]) / stride[0]) + 1,
        Math.floor((wd - kernel[1]) / stride[1]) + 1,
      ];
      layers.push({ op: "sumpool", node: n.name, inShape: [c, h, wd], outShape, kernel, stride });
      shape = outShape;
      k++;
    } else if (n.name === `${p}_mulmain` || n.name === `${p}_mulskip` || n.name === `${p}_add`) {
      const shiftOf = (which: string): number => {
        if (!inits.has(`${p}_${which}_scale`)) return 0;
        const s = Math.log2(scalar(`${p}_${which}_scale`));
        if (!Number.isInteger(s) || s < 1) fail(`'${p}_${which}_scale' is not a power of 2`);
        return s;
      };
      const mainShift = shiftOf("main");
      const skipShift = shiftOf("skip");
      k += (mainShift > 0 ? 1 : 0) + (skipShift > 0 ? 1 : 0);
      const add = next();
      if (add.name !== `${p}_add`) fail(`expected node '${p}_add', found '${add.name}'`);
      // the skip tensor: the first input of its Mul, else the Add's second input
      const skipName = (skipShift > 0 ? nodes[k - 1]!.input[0] : add.input[1]) ?? fail(`'${add.name}' lacks its skip`);
      const from = /^l(\d+)_out$/.exec(skipName)?.[1];
      layers.push({ op: "add", node: add.name, from: from === undefined ? -1 : Number(from), mainShift, skipShift });
      k++;
    } else if (n.name === `${p}_maxpool`) {
      const kernel = attr(n, "kernel_shape") as [number, number];
      const stride = attr(n, "strides") as [number, number];
      const [c, h, wd] = shape as [number, number, number];
      const outShape: [number, number, number] = [
        c,
        Math.floor((h - kernel[0]) / stride[0]) + 1,
        Math.floor((wd - kernel[1]) / stride[1]) + 1,
      ];
      layers.push({ op: "maxpool", node: n.name, inShape: [c, h, wd], outShape, kernel, stride });
      shape = outShape;
      k++;
    } else if (n.name === `${p}_reshape`) {
      const t = decodeInt64Tensor(inits.get(`${p}_shape`) ?? fail(`initializer '${p}_shape' is missing`));
      const outShape = t.slice(1);
      if (t[0] !== 0 || outShape.some((d) => d <= 0)) fail(`'${p}_shape' is not a per-example shape`);
      layers.push({ op: "flatten", node: n.name, inShape: shape, outShape });
      shape = outShape;
      k++;
    } else if (n.name === `${p}_flatten`) {
      layers.push({ op: "flatten", node: n.name, inShape: shape, outShape: [size(shape)] });
      shape = [size(shape)];
      k++;
    } else if (n.name === `${p}_round` || n.name === `${p}_clip`) {
      let shift = 0;
      if (n.name === `${p}_round`) {
        shift = -Math.log2(scalar(`${p}_scale`));
        if (!Number.isInteger(shift) || shift < 1) fail(`'${p}_scale' is not a power of 2^-1`);
        k += 3; // Add, Mul, Floor
      }
      const clip = next();
      if (clip.name !== `${p}_clip`) fail(`expected node '${p}_clip', found '${clip.name}'`);
      layers.push({ op: "requant", node: clip.name, shift, hi: scalar(`${p}_hi`) });
      k++;
    } else {
      fail(`unexpected node '${n.name}' (${n.opType})`);
    }
  }
  const outDims = g.output[0]!.type.tensorType.shape?.dim ?? [];
  const input: IntModel["input"] = { name: "input", shape: inputShape, bits: Number(bits), scale: Number(scale) };
  if (unsigned === "") input.signed = true;
  if (zeroPoint !== undefined) input.zeroPoint = Number(zeroPoint);
  const parsed = intModelSchema.safeParse({
    format: "sovra-int-model/1",
    name,
    input,
    layers,
    output: {
      name: "output",
      shape: outDims.slice(1).map((d) => d.dimValue ?? fail("the output shape is not fixed")),
      scale: Number(outScale),
      ...(softmax ? { softmax: true } : {}),
    },
  });
  if (!parsed.success) fail(parsed.error.issues[0]?.message ?? "invalid integer model");
  const model = parsed.data as IntModel;
  // The strongest check there is: the integer model must give back these exact bytes.
  if (!Buffer.from(emitOnnx(model)).equals(Buffer.from(bytes))) fail("re-emitting its integer model gives other bytes");
  return model;
}
