// Quantization report: how far each quantized layer strays from the float model on the calibration rows, and
// whether the two still pick the same class. `compile` prints it; a layer past WARN_RELATIVE_ERROR is a warning.
import { evalFloatLayers } from "./float-reference.ts";
import { quantizeValues } from "./input-quant.ts";
import type { FloatModel, InputQuant } from "./ir.ts";
import type { Quantized } from "./quantize.ts";
import { argmax, evalLayerOutputs } from "./reference.ts";

/** A layer whose largest error exceeds this share of its largest float value is reported as a warning. */
export const WARN_RELATIVE_ERROR = 0.1;

export interface LayerReport {
  node: string;
  /** the integer layer's op (dense, conv, sumpool, requant) */
  op: string;
  /** largest |float value| of the layer's output over the calibration rows */
  maxAbsFloat: number;
  /** largest |quantized value * scale - float value| */
  maxAbsError: number;
  /** maxAbsError / maxAbsFloat */
  relativeError: number;
}

export interface QuantReport {
  input: InputQuant;
  calibrationRows: number;
  layers: LayerReport[];
  /** share of calibration rows where the float and the quantized model pick the same output (outputs > 1) */
  top1Agreement?: number;
  warnings: string[];
}

export function quantReport(fm: FloatModel, q: Quantized, rows: ReadonlyArray<ArrayLike<number>>): QuantReport {
  const il = q.model.layers;
  if (il.length !== fm.layers.length) throw new Error("quantized and float layers do not correspond");
  const input: InputQuant = {
    bits: q.model.input.bits,
    signed: q.model.input.signed === true,
    scale: q.model.input.scale,
    zeroPoint: q.model.input.zeroPoint ?? 0,
  };
  const maxF = new Array<number>(il.length).fill(0);
  const maxE = new Array<number>(il.length).fill(0);
  let same = 0;
  for (const row of rows) {
    const f = evalFloatLayers(fm.layers, row);
    const outs = evalLayerOutputs(
      il,
      quantizeValues(row, input).values.map((v) => v - input.zeroPoint),
    );
    let cur: number[] = [];
    il.forEach((_, i) => {
      cur = outs[i]!;
      const s = q.layerScales[i]!;
      const fi = f[i]!;
      for (let k = 0; k < cur.length; k++) {
        maxF[i] = Math.max(maxF[i]!, Math.abs(fi[k]!));
        maxE[i] = Math.max(maxE[i]!, Math.abs(cur[k]! * s - fi[k]!));
      }
    });
    if (argmax(cur) === argmax(f[f.length - 1]!)) same++;
  }
  const layers: LayerReport[] = [];
  const warnings: string[] = [];
  il.forEach((l, i) => {
    if (l.op === "flatten") return;
    const rel = maxF[i]! > 0 ? maxE[i]! / maxF[i]! : maxE[i]! > 0 ? Infinity : 0;
    const node = fm.layers[i]!.node;
    layers.push({ node, op: l.op, maxAbsFloat: maxF[i]!, maxAbsError: maxE[i]!, relativeError: rel });
    if (rel > WARN_RELATIVE_ERROR) {
      warnings.push(
        `ONNX node '${node}': the quantized output strays up to ${(rel * 100).toFixed(1)}% of its range from the float model on the calibration rows`,
      );
    }
  });
  const outputs = q.model.output.shape.reduce((a, b) => a * b, 1);
  const report: QuantReport = { input, calibrationRows: rows.length, layers, warnings };
  if (outputs > 1) report.top1Agreement = same / rows.length;
  return report;
}

const num = (v: number): string =>
  v === 0 ? "0" : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toPrecision(3);
const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(2)}%` : "inf");

/** The report as the lines `compile` prints. */
export function formatReport(r: QuantReport): string[] {
  const q = r.input;
  const lines = [
    `input: ${q.signed ? "int" : "uint"}${q.bits}, scale ${num(q.scale)}, zero point ${q.zeroPoint} (real value = ` +
      `${q.zeroPoint === 0 ? "q" : `(q ${q.zeroPoint < 0 ? "+" : "-"} ${Math.abs(q.zeroPoint)})`} * ${num(q.scale)})`,
    `per layer, on ${r.calibrationRows} calibration rows (error = |quantized x scale - float|):`,
  ];
  const w = Math.max(4, ...r.layers.map((l) => l.node.length));
  lines.push(
    `  ${"node".padEnd(w)}  ${"op".padEnd(7)}  ${"max |float|".padStart(11)}  ${"max error".padStart(9)}  ${"error/max".padStart(9)}`,
  );
  for (const l of r.layers) {
    lines.push(
      `  ${l.node.padEnd(w)}  ${l.op.padEnd(7)}  ${num(l.maxAbsFloat).padStart(11)}  ${num(l.maxAbsError).padStart(9)}  ${pct(l.relativeError).padStart(9)}`,
    );
  }
  if (r.top1Agreement !== undefined)
    lines.push(`top-1 agreement float vs quantized on the calibration rows: ${pct(r.top1Agreement)}`);
  return lines;
}
