import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

export type MicroDtype = "float32" | "float16";

/** A one-node ONNX model `c = a @ b` with `a`, `b` of shape [n, n]: the matrix-throughput probe. */
export function matmulModel(n: number, dtype: MicroDtype): Uint8Array {
  const elemType = dtype === "float32" ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.FLOAT16;
  const value = (name: string) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: [{ dimValue: n }, { dimValue: n }] } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: "sovra-benchmark",
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: `matmul_${dtype}_${n}`,
      node: [{ opType: "MatMul", input: ["a", "b"], output: ["c"], name: "matmul" }],
      input: [value("a"), value("b")],
      output: [value("c")],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** IEEE 754 half-precision bits of `value` (round to nearest even is not needed for benchmark data). */
export function toHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = (bits >>> 13) & 0x3ff;
  if (exponent <= 0) return sign;
  if (exponent >= 31) return sign | 0x7c00;
  return sign | (exponent << 10) | mantissa;
}

/**
 * A one-layer model `y = x @ W` with `x` of shape [1, n] and constant weights W [n, m] (small integers, so
 * float32 results are exact): a single-input model for latency checks and tests.
 */
export function linearModel(n: number, m: number): Uint8Array {
  const weights = Array.from({ length: n * m }, (_, i) => ((i * 7) % 5) - 2);
  const value = (name: string, cols: number) => ({
    name,
    type: {
      tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 1 }, { dimValue: cols }] } },
    },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: "sovra-benchmark",
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: `linear_${n}x${m}`,
      node: [{ opType: "MatMul", input: ["x", "W"], output: ["y"], name: "linear" }],
      initializer: [{ name: "W", dims: [n, m], dataType: onnx.TensorProto.DataType.FLOAT, floatData: weights }],
      input: [value("x", n)],
      output: [value("y", m)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
