import { analyze, type Analysis } from "./bounds.ts";
import { emitCircom } from "./emit-circom.ts";
import { emitOnnx } from "./emit-onnx.ts";
import { BoundError, DataError } from "./errors.ts";
import { affineParams, chooseInputQuant, type InputQuantOptions } from "./input-quant.ts";
import { intModelSchema, size, type IntModel } from "./ir.ts";
import { FEW_CALIBRATION_ROWS, validateRows } from "./calibration.ts";
import { readOnnx } from "./onnx-read.ts";
import { quantize } from "./quantize.ts";
import { quantReport, type QuantReport } from "./report.ts";

export { ModelCompileError, DataError, BoundError } from "./errors.ts";
export { readOnnx, MIN_OPSET, MAX_OPSET } from "./onnx-read.ts";
export { readIntOnnx } from "./onnx-read-int.ts";
export { quantize } from "./quantize.ts";
export { analyze } from "./bounds.ts";
export { emitOnnx } from "./emit-onnx.ts";
export { emitCircom } from "./emit-circom.ts";
export { evaluate, evalLayers, argmax } from "./reference.ts";
export { chooseInputQuant, quantizeValues, type InputQuantOptions } from "./input-quant.ts";
export { validateRow, validateRows } from "./calibration.ts";
export { formatReport, type QuantReport } from "./report.ts";
export { inputQuantOf, inputRange } from "./ir.ts";
export type { IntModel, IntLayer, FloatModel, FloatLayer, InputQuant } from "./ir.ts";

export interface CompileOptions {
  /** model name: lowercase letters, digits, '_' (the on-chain model id is keccak256 of it) */
  name: string;
  /** calibration rows in the float model's own input units (flat, row-major) */
  calibration: ReadonlyArray<ArrayLike<number>>;
  /** fixes the input quantization instead of choosing it from the calibration range */
  input?: InputQuantOptions;
  /** activation bits after each ReLU (default 8) */
  activationBits?: number;
  /** one name per input value, for readable warnings */
  featureNames?: readonly string[];
}

export interface Compiled {
  model: IntModel;
  analysis: Analysis;
  /** the quantized ONNX graph with exact integer semantics */
  onnx: Uint8Array;
  /** the Circom circuit */
  circom: string;
  /** per-layer error against the float model on the calibration rows (only from compileOnnx) */
  report?: QuantReport;
  /** what the caller should show the user: lossy layers, narrow features, few calibration rows */
  warnings: string[];
}

/** Float ONNX bytes + calibration -> integer model, quantized ONNX and Circom, all from the same numbers. */
export function compileOnnx(bytes: Uint8Array, opts: CompileOptions): Compiled {
  const fm = readOnnx(bytes);
  const n = size(fm.inputShape);
  const rows = validateRows(opts.calibration, n, "calibration");
  if (opts.featureNames && opts.featureNames.length !== n) {
    throw new DataError(`calibration: ${opts.featureNames.length} feature names for an input of ${n} values`);
  }
  const choice = chooseInputQuant(rows, opts.input, opts.featureNames);
  const warnings = [...choice.warnings];
  if (rows.length < FEW_CALIBRATION_ROWS) {
    warnings.push(
      `only ${rows.length} calibration row${rows.length > 1 ? "s" : ""}: the ranges (and the input scale) may not cover real inputs`,
    );
  }
  let input = choice.quant;
  for (;;) {
    try {
      const q = quantize(fm, { name: opts.name, calibration: rows, input, activationBits: opts.activationBits });
      if (input.bits !== choice.quant.bits) {
        warnings.push(
          `input narrowed from ${choice.quant.bits} to ${input.bits} bits: wider inputs would break the < 2^24 bound`,
        );
      }
      const report = quantReport(fm, q, rows);
      return { ...fromIntModel(q.model), report, warnings: [...warnings, ...report.warnings] };
    } catch (e) {
      // A chosen width (not a forced one) narrows until the float32 graph is exact again.
      if (!(e instanceof BoundError) || !choice.auto || input.bits <= 8) throw e;
      input = affineParams(choice.lo, choice.hi, input.bits - 1, input.signed);
    }
  }
}

export function fromIntModel(model: IntModel): Compiled {
  return { model, analysis: analyze(model), onnx: emitOnnx(model), circom: emitCircom(model), warnings: [] };
}

/** Parses and validates an integer model read from a file. */
export function parseIntModel(json: unknown): IntModel {
  return intModelSchema.parse(json);
}
