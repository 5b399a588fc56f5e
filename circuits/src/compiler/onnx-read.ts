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

  const inits = new Map<string, Tensor>();
  for (const t of g.initializer) inits.set(t.name, decodeTensor(t));
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
  const layers: FloatLayer[] = [];
  const weight = (n: OnnxNode, idx: number, what: string): Tensor => {
    const nm = n.input[idx];
    const t = nm === undefined ? undefined : inits.get(nm);
    if (!t) throw new ModelCompileError(`${what} (input ${idx}) must be a constant initializer`, nodeName(n));
    return t;
  };

  for (const n of g.node) {
    const name = nodeName(n);
    if (!isDefaultDomain(n.domain)) {
      throw new ModelCompileError(
        `op '${n.opType}' of domain '${n.domain}' is not supported (only the default ONNX domain)`,
        name,
      );
    }
    if (n.input[0] !== cur) {
      throw new ModelCompileError(
        `takes '${n.input[0]}' but the chain is at '${cur}': only a single chain of ops is supported`,
        name,
      );
    }
    if (n.output.length !== 1) throw new ModelCompileError(`must have one output`, name);
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
        if (a.int("axis", 1) !== 1) throw new ModelCompileError("only axis = 1 is supported", name);
        const out = [size(shape)];
        layers.push({ op: "flatten", node: name, inShape: shape, outShape: out });
        shape = out;
        break;
      }
      default:
        throw new ModelCompileError(
          `unsupported op '${n.opType}' (supported: Gemm, MatMul, Add (bias), Relu, Conv, AveragePool, Flatten)`,
          name,
        );
    }
    cur = n.output[0]!;
  }
  const output = g.output[0]!;
  if (output.name !== cur)
    throw new ModelCompileError(`graph output '${output.name}' is not the end of the chain '${cur}'`);
  checkDeclaredOutput(output, shape);
  return { inputName: input.name, outputName: output.name, inputShape, layers };
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
