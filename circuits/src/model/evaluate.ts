// Float vs quantized on labelled (or target) data: the float model through onnxruntime, the quantized one through
// the reference evaluator (bit for bit what the quantized ONNX graph and the circuit compute).
import * as ort from "onnxruntime-node";
import { quantizeValues } from "../compiler/input-quant.ts";
import { inputQuantOf, type IntModel } from "../compiler/ir.ts";
import { argmax, evaluate } from "../compiler/reference.ts";
import type { DataSet } from "./files.ts";

export type EvalReport =
  | {
      rows: number;
      float: { accuracy: number };
      quantized: { accuracy: number };
      /** share of rows where both pick the same class */
      agreement: number;
      /** rows with a value outside the calibrated input range (clamped) */
      clampedRows: number;
    }
  | {
      rows: number;
      float: { meanAbsError: number };
      quantized: { meanAbsError: number };
      /** mean |float output - quantized output| */
      meanAbsDiff: number;
      clampedRows: number;
    };

/** Float model outputs for each row (batched when the model allows it, else row by row). */
export async function floatOutputs(floatOnnx: Uint8Array, inputs: number[][], shape: number[]): Promise<number[][]> {
  const sess = await ort.InferenceSession.create(floatOnnx, { logSeverityLevel: 3 });
  const n = shape.reduce((a, b) => a * b, 1);
  const run = async (rows: number[][]): Promise<Float32Array> => {
    const X = new Float32Array(rows.length * n);
    rows.forEach((r, i) => {
      X.set(r, i * n);
    });
    const res = await sess.run({ [sess.inputNames[0]!]: new ort.Tensor("float32", X, [rows.length, ...shape]) });
    return res[sess.outputNames[0]!]!.data as Float32Array;
  };
  try {
    let flat: Float32Array;
    try {
      flat = await run(inputs);
    } catch {
      // a batch dimension fixed to 1: one row at a time
      const parts: Float32Array[] = [];
      for (const r of inputs) parts.push(await run([r]));
      flat = Float32Array.from(parts.flatMap((p) => Array.from(p)));
    }
    const k = flat.length / inputs.length;
    return inputs.map((_, i) => Array.from(flat.subarray(i * k, (i + 1) * k)));
  } finally {
    await sess.release();
  }
}

/** softmax(v), shifted by max(v) so that exp cannot overflow */
export function softmax(v: readonly number[]): number[] {
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** Quantized outputs in real units (softmax applied when the float model ends in one) (integer x output scale), and how many rows needed clamping. */
export function quantizedOutputs(model: IntModel, inputs: number[][]): { outputs: number[][]; clampedRows: number } {
  const q = inputQuantOf(model);
  let clampedRows = 0;
  const outputs = inputs.map((x) => {
    const { values, clamped } = quantizeValues(x, q);
    if (clamped.length > 0) clampedRows++;
    const real = evaluate(model, values).map((v) => v * model.output.scale);
    return model.output.softmax ? softmax(real) : real;
  });
  return { outputs, clampedRows };
}

export async function evaluateModel(floatOnnx: Uint8Array, model: IntModel, data: DataSet): Promise<EvalReport> {
  const f = await floatOutputs(floatOnnx, data.inputs, model.input.shape);
  const { outputs: q, clampedRows } = quantizedOutputs(model, data.inputs);
  const rows = data.inputs.length;
  if (data.kind === "classifier") {
    let okF = 0;
    let okQ = 0;
    let same = 0;
    data.labels.forEach((y, i) => {
      const a = argmax(f[i]!);
      const b = argmax(q[i]!);
      if (a === y) okF++;
      if (b === y) okQ++;
      if (a === b) same++;
    });
    return {
      rows,
      float: { accuracy: okF / rows },
      quantized: { accuracy: okQ / rows },
      agreement: same / rows,
      clampedRows,
    };
  }
  let errF = 0;
  let errQ = 0;
  let diff = 0;
  let count = 0;
  data.targets.forEach((t, i) => {
    t.forEach((v, k) => {
      errF += Math.abs(f[i]![k]! - v);
      errQ += Math.abs(q[i]![k]! - v);
      diff += Math.abs(f[i]![k]! - q[i]![k]!);
      count++;
    });
  });
  return {
    rows,
    float: { meanAbsError: errF / count },
    quantized: { meanAbsError: errQ / count },
    meanAbsDiff: diff / count,
    clampedRows,
  };
}
