// Deterministic ONNX writer: the same layers give the same bytes (the weights CID depends on it).
import { onnx, type IAttributeProto, type INodeProto, type ITensorProto, type IValueInfoProto } from "./onnx-proto.ts";

const FLOAT = onnx.TensorProto.DataType.FLOAT;

export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): ITensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  if (values.length !== n) throw new Error(`tensor ${name}: ${values.length} values for dims [${dims}]`);
  const raw = new Uint8Array(n * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < n; i++) view.setFloat32(i * 4, values[i] as number, true);
  return { name, dims, dataType: FLOAT, rawData: raw };
}

export function int64Tensor(name: string, dims: number[], values: readonly number[]): ITensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  if (values.length !== n) throw new Error(`tensor ${name}: ${values.length} values for dims [${dims}]`);
  const raw = new Uint8Array(n * 8);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < n; i++) view.setBigInt64(i * 8, BigInt(values[i]!), true);
  return { name, dims, dataType: onnx.TensorProto.DataType.INT64, rawData: raw };
}

type AttrValue = number | number[] | { f: number };
export function node(
  opType: string,
  name: string,
  input: string[],
  output: string[],
  attrs: Record<string, AttrValue> = {},
): INodeProto {
  const attribute: IAttributeProto[] = Object.entries(attrs).map(([key, v]) => {
    if (Array.isArray(v)) return { name: key, type: onnx.AttributeProto.AttributeType.INTS, ints: v };
    if (typeof v === "number") return { name: key, type: onnx.AttributeProto.AttributeType.INT, i: v };
    return { name: key, type: onnx.AttributeProto.AttributeType.FLOAT, f: v.f };
  });
  return { opType, name, input, output, attribute };
}

function valueInfo(name: string, shape: number[]): IValueInfoProto {
  return {
    name,
    type: {
      tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: "N" }, ...shape.map((d) => ({ dimValue: d }))] } },
    },
  };
}

export interface GraphSpec {
  name: string;
  inputName: string;
  inputShape: number[];
  outputName: string;
  outputShape: number[];
  nodes: INodeProto[];
  initializers: ITensorProto[];
  docString?: string;
  /** default-domain opset to import (13 unless given) */
  opset?: number;
}

export function encodeModel(g: GraphSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: "", version: g.opset ?? 13 }],
    producerName: "sovra-circuits",
    producerVersion: "0.1.0",
    docString: g.docString ?? "",
    graph: {
      name: g.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo(g.inputName, g.inputShape)],
      output: [valueInfo(g.outputName, g.outputShape)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
