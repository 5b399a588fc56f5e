// Affine quantization of the model input, one scale and zero point for the whole tensor, chosen from the
// calibration rows (README, "Bring your own model"):
//   [lo, hi] = [min(0, min x), max(0, max x)]; unsigned when lo = 0, else signed;
//   scale = (hi - lo) / (2^b - 1); zeroPoint = qmin - round(lo / scale); q = clamp(round(x / scale) + zeroPoint);
//   b = the smallest of 8..16 at which the rows are exactly on the grid, or the median feature spans >= 255 steps.
import { ModelCompileError } from "./errors.ts";
import { quantizeReal } from "../io/input.ts";
import { type InputQuant, inputRange } from "./ir.ts";

export const MIN_AUTO_BITS = 8;
export const MAX_INPUT_BITS = 16;
/** Steps the median feature must span: as many levels as the int8 weights have (-127..127). */
export const STEPS_WANTED = 255;
/** A feature spanning fewer steps than this is all but erased by the input quantization: warn. */
export const STEPS_WARN = 16;

/** What a caller may fix instead of letting the calibration decide (all four, or bits and/or signed). */
export interface InputQuantOptions {
  bits?: number;
  signed?: boolean;
  scale?: number;
  zeroPoint?: number;
}

/** Scale and zero point that map [lo, hi] (lo <= 0 <= hi) onto the full integer range of `bits`. */
export function affineParams(lo: number, hi: number, bits: number, signed: boolean): InputQuant {
  const { min, max } = inputRange({ bits, signed });
  const scale = (hi - lo) / (max - min);
  const zeroPoint = Math.min(max, Math.max(min, min - Math.round(lo / scale)));
  return { bits, signed, scale, zeroPoint };
}

/** x -> q, clamped to the integer range; `clamped` lists the indices that were outside it. */
export const quantizeValues = (x: ArrayLike<number>, q: InputQuant): { values: number[]; clamped: number[] } =>
  quantizeReal(x, q);

const checkBits = (bits: number): void => {
  if (!Number.isInteger(bits) || bits < 1 || bits > MAX_INPUT_BITS) {
    throw new ModelCompileError(`input bits must be an integer from 1 to ${MAX_INPUT_BITS}, got ${bits}`);
  }
};

export interface InputQuantChoice {
  quant: InputQuant;
  /** true when the width was chosen here (the compiler may narrow it to keep the bounds below 2^24) */
  auto: boolean;
  /** calibration range [lo, hi] with 0 included */
  lo: number;
  hi: number;
  warnings: string[];
}

/**
 * Chooses the input quantization from the calibration rows (validated: same length, finite).
 * `featureNames` (one per value) only makes the warnings readable.
 */
export function chooseInputQuant(
  rows: ReadonlyArray<ArrayLike<number>>,
  opts: InputQuantOptions = {},
  featureNames?: readonly string[],
): InputQuantChoice {
  const d = rows[0]?.length ?? 0;
  let lo = 0;
  let hi = 0;
  const fmin = new Array<number>(d).fill(Infinity);
  const fmax = new Array<number>(d).fill(-Infinity);
  for (const r of rows)
    for (let j = 0; j < d; j++) {
      const v = r[j]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      if (v < fmin[j]!) fmin[j] = v;
      if (v > fmax[j]!) fmax[j] = v;
    }
  const warnings: string[] = [];
  if (opts.scale !== undefined || opts.zeroPoint !== undefined) {
    const { bits, signed, scale, zeroPoint } = opts;
    if (bits === undefined || signed === undefined || scale === undefined || zeroPoint === undefined) {
      throw new ModelCompileError("a fixed input scale needs all of bits, signed, scale and zeroPoint");
    }
    checkBits(bits);
    if (!(scale > 0) || !Number.isFinite(scale))
      throw new ModelCompileError(`input scale must be a positive number, got ${scale}`);
    if (!Number.isInteger(zeroPoint))
      throw new ModelCompileError(`input zero point must be an integer, got ${zeroPoint}`);
    return { quant: { bits, signed, scale, zeroPoint }, auto: false, lo, hi, warnings };
  }
  if (lo === 0 && hi === 0) throw new ModelCompileError("every calibration value is 0: no input range to quantize");
  const signed = opts.signed ?? lo < 0;
  if (!signed && lo < 0)
    throw new ModelCompileError(`calibration values go down to ${lo}: an unsigned input cannot hold them`);
  const name = (j: number) => (featureNames?.[j] !== undefined ? `'${featureNames[j]}'` : `${j}`);
  const spreads: Array<[number, number]> = [];
  for (let j = 0; j < d; j++) if (fmax[j]! > fmin[j]!) spreads.push([fmax[j]! - fmin[j]!, j]);
  spreads.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const median = spreads.length ? spreads[Math.floor(spreads.length / 2)]![0] : 0;

  const onGrid = (q: InputQuant): boolean => {
    for (const r of rows)
      for (let j = 0; j < d; j++) {
        const t = r[j]! / q.scale;
        if (Math.abs(t - Math.round(t)) > 1e-6) return false;
      }
    return true;
  };
  let quant: InputQuant | undefined;
  if (opts.bits !== undefined) {
    checkBits(opts.bits);
    quant = affineParams(lo, hi, opts.bits, signed);
  } else {
    for (let b = MIN_AUTO_BITS; b <= MAX_INPUT_BITS && !quant; b++) {
      const q = affineParams(lo, hi, b, signed);
      if (onGrid(q) || median / q.scale >= STEPS_WANTED) quant = q;
    }
    quant ??= affineParams(lo, hi, MAX_INPUT_BITS, signed);
  }
  if (spreads.length === 0) warnings.push("every calibration row is the same: the input range is a guess");
  // Values already on the grid (pixels k/255) lose nothing, however few steps a feature spans.
  const narrow = onGrid(quant) ? [] : spreads.filter(([s]) => s / quant.scale < STEPS_WARN);
  if (narrow.length > 0) {
    const list = narrow.slice(0, 5).map(([s, j]) => `${name(j)} (${Math.max(1, Math.round(s / quant.scale))})`);
    warnings.push(
      `${narrow.length} input feature${narrow.length > 1 ? "s span" : " spans"} fewer than ${STEPS_WARN} input steps ` +
        `at ${quant.bits} bits: ${list.join(", ")}${narrow.length > 5 ? ", ..." : ""}; one scale serves the whole ` +
        "input: rescale those features in the model's first layer",
    );
  }
  return { quant, auto: opts.bits === undefined, lo, hi, warnings };
}
