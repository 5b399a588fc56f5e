// ONNX -> FloatModel. Accepts a single chain from the graph input to the graph output; everything else is
// refused with an error that names the node.
import { z } from "zod";
import { ModelCompileError } from "./errors.ts";
import { size, type FloatLayer, type FloatModel, type Shape } from "./ir.ts";
import { onnx } from "./onnx-proto.ts";

const dimSchema = z.object({ dimValue: z.number().int().optional(), dimParam: z.string().optional() });
const valueInfoSchema = z.object({
  name: z.string().min(1),
  type: z.object({
    tensorType: z.object({
      elemType: z.number().int(),
      shape: z.object({ dim: z.array(dimSchema).default([]) }).optional(),
    }),
  }),
});
const attrSchema = z.object({
  name: z.string(),
  i: z.number().optional(),
  f: z.number().optional(),
  ints: z.array(z.number()).optional(),
  s: z.array(z.number().int()).optional(),
});
const nodeSchema = z.object({
  name: z.string().default(""),
  opType: z.string().min(1),
  domain: z.string().default(""),
  input: z.array(z.string()).default([]),
  output: z.array(z.string()).min(1),
  attribute: z.array(attrSchema).default([]),
});
const tensorSchema = z.object({
  name: z.string().min(1),
  dims: z.array(z.number().int().nonnegative()).default([]),
  dataType: z.number().int(),
  floatData: z.array(z.number()).optional(),
  int64Data: z.array(z.number()).optional(),
  rawData: z.array(z.number().int()).optional(),
});
const modelSchema = z.object({
  docString: z.string().default(""),
  opsetImport: z.array(z.object({ domain: z.string().default(""), version: z.number().int() })).default([]),
  graph: z.object({
    node: z.array(nodeSchema).min(1),
    initializer: z.array(tensorSchema).default([]),
    input: z.array(valueInfoSchema).min(1),
    output: z.array(valueInfoSchema).length(1, "the graph must have exactly one output"),
  }),
});
type OnnxNode = z.infer<typeof nodeSchema>;

/**
 * Opsets of the default domain whose semantics the reader implements for every op it accepts: from 7 (numpy-style
 * broadcasting of Add and of Gemm's C) to 23 (later ones may change an op the reader does not know of).
 */
export const MIN_OPSET = 7;
export const MAX_OPSET = 23;
const isDefaultDomain = (d: string): boolean => d === "" || d === "ai.onnx";

export interface Tensor {
  dims: number[];
  data: Float64Array;
}

export function decodeTensor(t: z.infer<typeof tensorSchema>): Tensor {
  if (t.dataType !== onnx.TensorProto.DataType.FLOAT) {
    throw new ModelCompileError(`initializer '${t.name}' has data type ${t.dataType}; only FLOAT (1) is supported`);
  }
  const n = size(t.dims);
  let data: Float64Array;
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== n * 4)
      throw new ModelCompileError(`initializer '${t.name}': ${t.rawData.length} raw bytes for dims [${t.dims}]`);
    const bytes = Uint8Array.from(t.rawData);
    const view = new DataView(bytes.buffer);
    data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = view.getFloat32(i * 4, true);
  } else {
    const f = t.floatData ?? [];
    if (f.length !== n) throw new ModelCompileError(`initializer '${t.name}': ${f.length} values for dims [${t.dims}]`);
    data = Float64Array.from(f);
  }
  for (const v of data)
    if (!Number.isFinite(v)) throw new ModelCompileError(`initializer '${t.name}' holds a non-finite value`);
  return { dims: t.dims, data };
}

/** An INT64 initializer (Reshape's shape) as numbers; any other data type is refused. */
export function decodeInt64Tensor(t: z.infer<typeof tensorSchema>): number[] {
  if (t.dataType !== onnx.TensorProto.DataType.INT64) {
    throw new ModelCompileError(`initializer '${t.name}' has data type ${t.dataType}; a shape must be INT64 (7)`);
  }
  const n = size(t.dims);
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== n * 8)
      throw new ModelCompileError(`initializer '${t.name}': ${t.rawData.length} raw bytes for dims [${t.dims}]`);
    const view = new DataView(Uint8Array.from(t.rawData).buffer);
    return Array.from({ length: n }, (_, i) => Number(view.getBigInt64(i * 8, true)));
  }
  const d = t.int64Data ?? [];
  if (d.length !== n) throw new ModelCompileError(`initializer '${t.name}': ${d.length} values for dims [${t.dims}]`);
  return d;
}

function attrs(n: OnnxNode) {
  const map = new Map(n.attribute.map((a) => [a.name, a]));
  const name = n.name || n.output[0] || n.opType;
  return {
    int(key: string, dflt: number): number {
      const a = map.get(key);
      return a?.i ?? dflt;
    },
    ints(key: string, dflt: number[]): number[] {
      const a = map.get(key);
      return a?.ints ?? dflt;
    },
    float(key: string, dflt: number): number {
      const a = map.get(key);
      return a?.f ?? dflt;
    },
    str(key: string, dflt: string): string {
      const a = map.get(key);
      return a?.s ? Buffer.from(a.s).toString("utf8") : dflt;
    },
    /** auto_pad other than NOTSET / VALID would pad where `pads` does not say: refused. */
    noAutoPad(): void {
      const v = this.str("auto_pad", "NOTSET");
      if (v !== "NOTSET" && v !== "VALID")
        throw new ModelCompileError(`auto_pad = ${v} is not supported (give explicit pads)`, name);
      if (v === "VALID" && this.ints("pads", [0, 0, 0, 0]).some((p) => p !== 0))
        throw new ModelCompileError("auto_pad = VALID with non-zero pads", name);
    },
    only(allowed: string[]): void {
      for (const k of map.keys())
        if (!allowed.includes(k)) throw new ModelCompileError(`${n.opType} attribute '${k}' is not supported`, name);
    },
  };
}

const nodeName = (n: OnnxNode): string => n.name || n.output[0] || n.opType;

export type OnnxModel = z.infer<typeof modelSchema>;

/** Decodes ONNX bytes into the fields the readers use; one-line errors for bytes that are not an ONNX model. */
export function parseOnnxModel(bytes: Uint8Array): OnnxModel {
  let decoded: unknown;
  try {
    const msg = onnx.ModelProto.decode(bytes);
    decoded = onnx.ModelProto.toObject(msg, { longs: Number, bytes: Array, defaults: false });
  } catch (e) {
    throw new ModelCompileError(`not an ONNX model: ${(e as Error).message}`);
  }
  const parsed = modelSchema.safeParse(decoded);
  if (!parsed.success) {
    throw new ModelCompileError(`malformed ONNX model: ${z.prettifyError(parsed.error).replace(/\s*\n\s*/g, "; ")}`);
  }
  return parsed.data;
}

/** Parses ONNX bytes into the chain of float layers the compiler supports. */
export function readOnnx(bytes: Uint8Array): FloatModel {
  const parsed = { data: parseOnnxModel(bytes) };
  const g = parsed.data.graph;
  const opset = parsed.data.opsetImport.find((o) => isDefaultDomain(o.domain));
  if (!opset) throw new ModelCompileError("the model imports no opset of the default ONNX domain");
  if (opset.version < MIN_OPSET || opset.version > MAX_OPSET) {
    throw new ModelCompileError(
      `opset ${opset.version} is not supported (${MIN_OPSET} to ${MAX_OPSET}): re-export the model with opset 13`,
    );
  }

  // Decoded where a node uses them: an INT64 shape is not a float weight, a float weight not a shape.
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const dataInputs = g.input.filter((i) => !inits.has(i.name));
  if (dataInputs.length !== 1)
    throw new ModelCompileError(`the graph must have exactly one data input, found ${dataInputs.length}`);
  const input = dataInputs[0]!;
  if (input.type.tensorType.elemType !== onnx.TensorProto.DataType.FLOAT)
    throw new ModelCompileError(`input '${input.name}' must be float32`);
  const dims = input.type.tensorType.shape?.dim ?? [];
  if (dims.length !== 2 && dims.length !== 4) {
    throw new ModelCompileError(`input '${input.name}' must be [N, features] or [N, C, H, W], got rank ${dims.length}`);
  }
  const batch = dims[0]!;
  if (batch.dimValue !== undefined && batch.dimValue !== 1) {
    throw new ModelCompileError(
      `input '${input.name}' has a fixed batch dimension of ${batch.dimValue}: make it 1 or symbolic`,
    );
  }
  const rest = dims.slice(1).map((d) => d.dimValue ?? 0);
  if (rest.some((d) => d <= 0)) throw new ModelCompileError(`input '${input.name}' needs fixed non-batch dimensions`);
  const inputShape: Shape = rest;

  let cur = input.name;
  let shape: Shape = inputShape;
  let softmax = false;
  // each tensor of the chain: the layer whose output it is (-1: the input) and its shape, for residual adds
  const produced = new Map<string, { layer: number; shape: Shape }>([[input.name, { layer: -1, shape }]]);
  const layers: FloatLayer[] = [];
  const initOf = (n: OnnxNode, idx: number, what: string) => {
    const nm = n.input[idx];
    const t = nm === undefined ? undefined : inits.get(nm);
    if (!t) throw new ModelCompileError(`${what} (input ${idx}) must be a constant initializer`, nodeName(n));
    return t;
  };
  const weight = (n: OnnxNode, idx: number, what: string): Tensor => decodeTensor(initOf(n, idx, what));

  for (const [index, n] of g.node.entries()) {
    const name = nodeName(n);
    if (!isDefaultDomain(n.domain)) {
      throw new ModelCompileError(
        `op '${n.opType}' of domain '${n.domain}' is not supported (only the default ONNX domain)`,
        name,
      );
    }
    // An Add of two tensors of the chain (the current one and an earlier one) closes a residual branch.
    const residual =
      n.opType === "Add" &&
      n.input.length === 2 &&
      n.input.includes(cur) &&
      n.input.every((t) => !inits.has(t)) &&
      n.input.some((t) => t !== cur);
    if (residual) {
      const other = n.input.find((t) => t !== cur)!;
      layers.push(residualAdd(layers, shape, other, produced.get(other), name));
      cur = n.output[0]!;
      produced.set(cur, { layer: layers.length - 1, shape });
      continue;
    }
    if (n.input[0] !== cur) {
      throw new ModelCompileError(
        `takes '${n.input[0]}' but the chain is at '${cur}': only a single chain of ops is supported`,
        name,
      );
    }
    // Dropout may name its mask output; nothing can use it (the chain is single), so it is ignored.
    if (n.output.length !== 1 && n.opType !== "Dropout") throw new ModelCompileError(`must have one output`, name);
    const a = attrs(n);
    switch (n.opType) {
      case "Gemm": {
        a.only(["alpha", "beta", "transA", "transB"]);
        if (a.float("alpha", 1) !== 1 || a.float("beta", 1) !== 1 || a.int("transA", 0) !== 0) {
          throw new ModelCompileError("Gemm needs alpha = 1, beta = 1, transA = 0", name);
        }
        if (shape.length !== 1)
          throw new ModelCompileError(`Gemm needs a flat input, got shape [${shape}] (add a Flatten)`, name);
        const W = weight(n, 1, "B");
        if (W.dims.length !== 2) throw new ModelCompileError(`weight must be 2-D, got [${W.dims}]`, name);
        const transB = a.int("transB", 0) === 1;
        const [k, m] = transB ? [W.dims[1]!, W.dims[0]!] : [W.dims[0]!, W.dims[1]!];
        if (k !== shape[0])
          throw new ModelCompileError(`weight [${W.dims}] does not match input size ${shape[0]}`, name);
        const w = new Float64Array(m * k);
        for (let o = 0; o < m; o++)
          for (let i = 0; i < k; i++) w[o * k + i] = transB ? W.data[o * k + i]! : W.data[i * m + o]!;
        let b = new Float64Array(m);
        if (n.input.length > 2 && n.input[2] !== "") {
          const C = weight(n, 2, "C");
          if (size(C.dims) !== m) throw new ModelCompileError(`bias [${C.dims}] must have ${m} values`, name);
          b = Float64Array.from(C.data);
        }
        layers.push({ op: "dense", node: name, inSize: k, outSize: m, w, b });
        shape = [m];
        break;
      }
      case "MatMul": {
        if (shape.length !== 1) throw new ModelCompileError(`MatMul needs a flat input, got shape [${shape}]`, name);
        const W = weight(n, 1, "B");
        if (W.dims.length !== 2 || W.dims[0] !== shape[0])
          throw new ModelCompileError(`weight [${W.dims}] does not match input size ${shape[0]}`, name);
        const [k, m] = [W.dims[0]!, W.dims[1]!];
        const w = new Float64Array(m * k);
        for (let o = 0; o < m; o++) for (let i = 0; i < k; i++) w[o * k + i] = W.data[i * m + o]!;
        layers.push({ op: "dense", node: name, inSize: k, outSize: m, w, b: new Float64Array(m) });
        shape = [m];
        break;
      }
      case "Add": {
        const prev = layers[layers.length - 1];
        if (!prev || (prev.op !== "dense" && prev.op !== "conv"))
          throw new ModelCompileError("Add is supported only as the bias right after MatMul/Gemm/Conv", name);
        const B = weight(n, 1, "bias");
        const m = prev.op === "dense" ? prev.outSize : prev.outShape[0];
        if (size(B.dims) !== m) throw new ModelCompileError(`bias [${B.dims}] must have ${m} values`, name);
        if (prev.op === "conv" && !(B.dims.length === 3 && B.dims[1] === 1 && B.dims[2] === 1) && B.dims.length !== 1) {
          throw new ModelCompileError(`conv bias must be [C] or [C,1,1], got [${B.dims}]`, name);
        }
        for (let i = 0; i < m; i++) prev.b[i] = prev.b[i]! + B.data[i]!;
        break;
      }
      case "Relu":
        a.only([]);
        layers.push({ op: "relu", node: name });
        break;
      case "Conv": {
        a.only(["kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"]);
        a.noAutoPad();
        if (shape.length !== 3) throw new ModelCompileError(`Conv needs a [C,H,W] input, got [${shape}]`, name);
        if (a.int("group", 1) !== 1) throw new ModelCompileError("only group = 1 is supported", name);
        if (a.ints("dilations", [1, 1]).some((d) => d !== 1))
          throw new ModelCompileError("only dilations = 1 are supported", name);
        const W = weight(n, 1, "W");
        if (W.dims.length !== 4) throw new ModelCompileError(`weight must be [M,C,kh,kw], got [${W.dims}]`, name);
        const [co, ci, kh, kw] = W.dims as [number, number, number, number];
        if (ci !== shape[0])
          throw new ModelCompileError(`weight has ${ci} input channels, input has ${shape[0]}`, name);
        const ks = a.ints("kernel_shape", [kh, kw]);
        if (ks[0] !== kh || ks[1] !== kw)
          throw new ModelCompileError(`kernel_shape [${ks}] does not match weight [${W.dims}]`, name);
        const stride = a.ints("strides", [1, 1]) as [number, number];
        const pads = a.ints("pads", [0, 0, 0, 0]);
        if (pads.length !== 4 || stride.length !== 2) throw new ModelCompileError("strides/pads must be 2-D", name);
        // ONNX pads are [top, left, bottom, right].
        const [pt, pl, pb, pr] = pads as [number, number, number, number];
        const oh = Math.floor((shape[1]! + pt + pb - kh) / stride[0]) + 1;
        const ow = Math.floor((shape[2]! + pl + pr - kw) / stride[1]) + 1;
        if (oh <= 0 || ow <= 0) throw new ModelCompileError(`output would be empty (${oh}x${ow})`, name);
        let b = new Float64Array(co);
        if (n.input.length > 2 && n.input[2] !== "") {
          const B = weight(n, 2, "B");
          if (size(B.dims) !== co) throw new ModelCompileError(`bias [${B.dims}] must have ${co} values`, name);
          b = Float64Array.from(B.data);
        }
        layers.push({
          op: "conv",
          node: name,
          inShape: shape as [number, number, number],
          outShape: [co, oh, ow],
          kernel: [kh, kw],
          stride,
          pads: [pt, pl, pb, pr],
          w: Float64Array.from(W.data),
          b,
        });
        shape = [co, oh, ow];
        break;
      }
      case "AveragePool": {
        a.only(["kernel_shape", "strides", "pads", "ceil_mode", "count_include_pad", "auto_pad"]);
        a.noAutoPad();
        if (shape.length !== 3) throw new ModelCompileError(`AveragePool needs a [C,H,W] input, got [${shape}]`, name);
        const k = a.ints("kernel_shape", []) as [number, number];
        if (k.length !== 2) throw new ModelCompileError("kernel_shape must be 2-D", name);
        const stride = a.ints("strides", [1, 1]) as [number, number];
        if (a.ints("pads", [0, 0, 0, 0]).some((p) => p !== 0) || a.int("ceil_mode", 0) !== 0) {
          throw new ModelCompileError("only pads = 0 and ceil_mode = 0 are supported", name);
        }
        const oh = Math.floor((shape[1]! - k[0]) / stride[0]) + 1;
        const ow = Math.floor((shape[2]! - k[1]) / stride[1]) + 1;
        if (oh <= 0 || ow <= 0) throw new ModelCompileError(`output would be empty (${oh}x${ow})`, name);
        const outShape: [number, number, number] = [shape[0]!, oh, ow];
        layers.push({
          op: "avgpool",
          node: name,
          inShape: shape as [number, number, number],
          outShape,
          kernel: k,
          stride,
        });
        shape = outShape;
        break;
      }
      case "Flatten": {
        a.only(["axis"]);
        // axis 1 (or the same axis counted from the end) keeps the batch and flattens each example; others mix
        // examples together.
        const axis = a.int("axis", 1);
        if (axis !== 1 && axis !== -shape.length)
          throw new ModelCompileError(`only axis = 1 (or ${-shape.length} here) is supported, got ${axis}`, name);
        const out = [size(shape)];
        layers.push({ op: "flatten", node: name, inShape: shape, outShape: out });
        shape = out;
        break;
      }
      case "BatchNormalization":
        a.only(["epsilon", "momentum", "spatial", "training_mode"]);
        foldBatchNorm(layers, shape, {
          name,
          epsilon: a.float("epsilon", 1e-5),
          spatial: a.int("spatial", 1),
          training: a.int("training_mode", 0),
          outputs: n.output.length,
          scale: weight(n, 1, "scale"),
          bias: weight(n, 2, "B"),
          mean: weight(n, 3, "input_mean"),
          variance: weight(n, 4, "input_var"),
        });
        break;
      case "Softmax": {
        a.only(["axis"]);
        if (index !== g.node.length - 1) {
          throw new ModelCompileError(
            "Softmax is supported only as the last op (the circuit proves its logits; the buyer may apply it)",
            name,
          );
        }
        // Over the one non-batch axis of a flat [N, classes] tensor: 1 or -1 (the defaults before / from opset 13).
        const axis = a.int("axis", opset.version >= 13 ? -1 : 1);
        if (shape.length !== 1 || (axis !== 1 && axis !== -1)) {
          throw new ModelCompileError(
            `Softmax is supported only over the classes of a flat [N,classes] output (got axis ${axis} on [N,${shape}])`,
            name,
          );
        }
        softmax = true;
        break;
      }
      case "Identity":
        a.only([]);
        break;
      case "Dropout":
        // Inference: the identity. A training_mode input could switch it on at run time: refused.
        a.only(["ratio", "seed", "is_test"]);
        if (n.input.length > 2 && n.input[2] !== "")
          throw new ModelCompileError("Dropout's training_mode input is not supported (inference only)", name);
        break;
      case "Reshape": {
        a.only(["allowzero"]);
        const target = decodeInt64Tensor(initOf(n, 1, "shape"));
        const out = reshapeTarget(shape, target, a.int("allowzero", 0), name);
        if (out.join() !== shape.join()) layers.push({ op: "flatten", node: name, inShape: shape, outShape: out });
        shape = out;
        break;
      }
      case "MaxPool": {
        a.only(["kernel_shape", "strides", "pads", "ceil_mode", "dilations", "storage_order", "auto_pad"]);
        a.noAutoPad();
        if (shape.length !== 3) throw new ModelCompileError(`MaxPool needs a [C,H,W] input, got [${shape}]`, name);
        const k = a.ints("kernel_shape", []) as [number, number];
        if (k.length !== 2) throw new ModelCompileError("kernel_shape must be 2-D", name);
        const stride = a.ints("strides", [1, 1]) as [number, number];
        if (stride.length !== 2) throw new ModelCompileError("strides must be 2-D", name);
        if (a.ints("pads", [0, 0, 0, 0]).some((p) => p !== 0) || a.int("ceil_mode", 0) !== 0)
          throw new ModelCompileError("only pads = 0 and ceil_mode = 0 are supported", name);
        if (a.ints("dilations", [1, 1]).some((d) => d !== 1))
          throw new ModelCompileError("only dilations = 1 are supported", name);
        if (a.int("storage_order", 0) !== 0) throw new ModelCompileError("only storage_order = 0 is supported", name);
        const oh = Math.floor((shape[1]! - k[0]) / stride[0]) + 1;
        const ow = Math.floor((shape[2]! - k[1]) / stride[1]) + 1;
        if (oh <= 0 || ow <= 0) throw new ModelCompileError(`output would be empty (${oh}x${ow})`, name);
        const outShape: [number, number, number] = [shape[0]!, oh, ow];
        layers.push({
          op: "maxpool",
          node: name,
          inShape: shape as [number, number, number],
          outShape,
          kernel: k,
          stride,
        });
        shape = outShape;
        break;
      }
      default:
        throw new ModelCompileError(
          `unsupported op '${n.opType}' (supported: Gemm, MatMul, Add (bias), Relu, Conv, AveragePool, MaxPool, ` +
            "Flatten, Reshape, BatchNormalization (after Conv/Gemm), Identity, Dropout, Softmax (last))",
          name,
        );
    }
    cur = n.output[0]!;
    produced.set(cur, { layer: layers.length - 1, shape });
  }
  const output = g.output[0]!;
  if (output.name !== cur)
    throw new ModelCompileError(`graph output '${output.name}' is not the end of the chain '${cur}'`);
  checkDeclaredOutput(output, shape);
  const fm: FloatModel = { inputName: input.name, outputName: output.name, inputShape, layers };
  if (softmax) fm.softmax = true;
  return fm;
}

/** A residual Add of the current tensor and the earlier chain tensor `other`. */
function residualAdd(
  layers: FloatLayer[],
  shape: Shape,
  other: string,
  skip: { layer: number; shape: Shape } | undefined,
  name: string,
): FloatLayer {
  if (!skip) throw new ModelCompileError(`adds '${other}', which is not an earlier tensor of the chain`, name);
  if (skip.layer === layers.length - 1) throw new ModelCompileError("adds a tensor to itself", name);
  if (skip.shape.join() !== shape.join()) {
    throw new ModelCompileError(
      `a residual Add needs two tensors of one shape, got [N,${skip.shape}] and [N,${shape}]`,
      name,
    );
  }
  const prev = layers[layers.length - 1];
  if (!prev || (prev.op !== "dense" && prev.op !== "conv")) {
    throw new ModelCompileError(
      `a residual Add needs a Conv, Gemm or MatMul right before it on the branch${prev ? ` (found ${prev.node})` : ""}`,
      name,
    );
  }
  return { op: "add", node: name, from: skip.layer };
}

interface BatchNorm {
  name: string;
  epsilon: number;
  spatial: number;
  training: number;
  outputs: number;
  scale: Tensor;
  bias: Tensor;
  mean: Tensor;
  variance: Tensor;
}

/**
 * Folds an inference BatchNormalization into the Conv or Gemm/MatMul right before it (no layer, no constraint):
 * y = s * (x - mean) + B with s = scale / sqrt(var + epsilon) per channel, so w' = s * w and b' = s * (b - mean) + B.
 */
function foldBatchNorm(layers: FloatLayer[], shape: Shape, bn: BatchNorm): void {
  if (bn.training !== 0 || bn.outputs !== 1)
    throw new ModelCompileError("BatchNormalization in training mode is not supported (inference only)", bn.name);
  if (bn.spatial !== 1) throw new ModelCompileError("BatchNormalization needs spatial = 1", bn.name);
  const prev = layers[layers.length - 1];
  if (!prev || (prev.op !== "dense" && prev.op !== "conv")) {
    throw new ModelCompileError(
      `BatchNormalization can be folded only right after Conv, Gemm or MatMul${prev ? ` (it follows ${prev.node})` : ""}`,
      bn.name,
    );
  }
  const c = prev.op === "dense" ? prev.outSize : prev.outShape[0];
  if (shape[0] !== c)
    throw new ModelCompileError(`BatchNormalization needs ${c} channels, input is [${shape}]`, bn.name);
  for (const [what, t] of [
    ["scale", bn.scale],
    ["B", bn.bias],
    ["input_mean", bn.mean],
    ["input_var", bn.variance],
  ] as const) {
    if (t.dims.length !== 1 || t.dims[0] !== c)
      throw new ModelCompileError(`${what} [${t.dims}] must be [${c}] (one value per channel)`, bn.name);
  }
  const per = prev.w.length / c;
  for (let ch = 0; ch < c; ch++) {
    const v = bn.variance.data[ch]! + bn.epsilon;
    if (!(v > 0)) throw new ModelCompileError(`input_var + epsilon of channel ${ch} is ${v}, not positive`, bn.name);
    const s = bn.scale.data[ch]! / Math.sqrt(v);
    for (let i = 0; i < per; i++) prev.w[ch * per + i] = prev.w[ch * per + i]! * s;
    prev.b[ch] = (prev.b[ch]! - bn.mean.data[ch]!) * s + bn.bias.data[ch]!;
  }
}

/**
 * The per-example shape a Reshape's constant target gives: the first entry is the batch (0 copies it, -1 or 1), 0
 * elsewhere copies the input's dimension, one -1 takes what is left; the size must stay the same.
 */
function reshapeTarget(shape: Shape, target: number[], allowzero: number, name: string): Shape {
  const fail = (why: string): never => {
    throw new ModelCompileError(`Reshape to [${target}] ${why}`, name);
  };
  if (target.length < 2) fail("must keep a batch dimension and at least one other");
  if (allowzero !== 0 && target.includes(0)) fail("with allowzero = 1 would make an empty tensor");
  const [batch, ...rest] = target as [number, ...number[]];
  if (batch !== 0 && batch !== 1 && batch !== -1)
    fail("must keep the batch dimension first (0, 1 or -1), as a pure re-indexing of each example");
  const out = rest.map((d, i) => {
    if (d === 0) return shape[i] ?? fail(`copies dimension ${i + 1}, which the input [N,${shape}] lacks`);
    if (d < -1) fail(`has a negative dimension ${d}`);
    return d;
  });
  const n = size(shape);
  const holes = out.filter((d) => d === -1).length;
  if (holes + (batch === -1 ? 1 : 0) > 1) fail("has more than one -1");
  if (holes === 1) {
    const known = -size(out); // the product with the one -1
    if (known === 0 || n % known !== 0) fail(`cannot spread the ${n} values of each example`);
    out[out.indexOf(-1)] = n / known;
  }
  if (size(out) !== n) fail(`does not keep the ${n} values of each example (input [N,${shape}])`);
  return out;
}

/** The graph output's declared type and shape, where given, must be what the chain computes (batch first). */
function checkDeclaredOutput(output: z.infer<typeof valueInfoSchema>, shape: Shape): void {
  if (output.type.tensorType.elemType !== onnx.TensorProto.DataType.FLOAT) {
    throw new ModelCompileError(
      `output '${output.name}' must be float32, is declared as data type ${output.type.tensorType.elemType}`,
    );
  }
  const dims = output.type.tensorType.shape?.dim;
  if (dims === undefined) return; // no shape declared: nothing to contradict
  const declared = dims.map((d) => (d.dimValue !== undefined ? String(d.dimValue) : (d.dimParam ?? "?")));
  const ok =
    dims.length === shape.length + 1 &&
    (dims[0]!.dimValue === undefined || dims[0]!.dimValue === 1) &&
    shape.every((v, i) => dims[i + 1]!.dimValue === undefined || dims[i + 1]!.dimValue === v);
  if (!ok) {
    throw new ModelCompileError(
      `output '${output.name}' is declared [${declared}] but the graph computes [N,${shape}]`,
    );
  }
}
