import { analyze, type Analysis } from './bounds.ts';
import { emitCircom } from './emit-circom.ts';
import { emitOnnx } from './emit-onnx.ts';
import { intModelSchema, type IntModel } from './ir.ts';
import { readOnnx } from './onnx-read.ts';
import { quantize, type QuantizeOptions } from './quantize.ts';

export { ModelCompileError } from './errors.ts';
export { readOnnx } from './onnx-read.ts';
export { quantize } from './quantize.ts';
export { analyze } from './bounds.ts';
export { emitOnnx } from './emit-onnx.ts';
export { emitCircom } from './emit-circom.ts';
export { evaluate, evalLayers, argmax } from './reference.ts';
export type { IntModel, IntLayer, FloatModel, FloatLayer } from './ir.ts';

export interface Compiled {
  model: IntModel;
  analysis: Analysis;
  /** the quantized ONNX graph with exact integer semantics */
  onnx: Uint8Array;
  /** the Circom circuit */
  circom: string;
}

/** Float ONNX bytes + calibration -> integer model, quantized ONNX and Circom, all from the same numbers. */
export function compileOnnx(bytes: Uint8Array, opts: QuantizeOptions): Compiled {
  const model = quantize(readOnnx(bytes), opts);
  return fromIntModel(model);
}

export function fromIntModel(model: IntModel): Compiled {
  return { model, analysis: analyze(model), onnx: emitOnnx(model), circom: emitCircom(model) };
}

/** Parses and validates an integer model read from a file. */
export function parseIntModel(json: unknown): IntModel {
  return intModelSchema.parse(json);
}
