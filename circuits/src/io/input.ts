// Input bytes: how a model's integer input travels and is hashed. Each value takes 1 byte (8 bits) or 2 bytes
// (9 to 16 bits), little-endian, two's complement when signed: numpy's '<u1', '<i1', '<u2', '<i2'. A uint8
// input's bytes are its values, so the MNIST models' input hash is unchanged. A light entry point
// (`@sovra/circuits/io/input`): it loads no prover, and Poseidon (circomlibjs, a Node package) only when
// `hashInput` is called, so a browser bundle of the encoding helpers does not carry it.

export interface InputEncoding {
  /** bits of each value, 1 to 16 */
  bits: number;
  signed: boolean;
}

/** An encoding plus the affine map to the model's own units: real value = (q - zeroPoint) * scale. */
export interface InputQuantization extends InputEncoding {
  scale: number;
  zeroPoint: number;
  /**
   * The model takes each value standardized, `(x - mean[i]) / std[i]`: buyers give x in its own units (the
   * manifest's `io.input.standardize`). Absent: buyers give the model's units.
   */
  standardize?: Standardize;
}

/** Per-value standardization a model's author declared (CALIB.json `standardize`). */
export interface Standardize {
  mean: readonly number[];
  std: readonly number[];
}

function checkStandardize(s: Standardize, n: number): void {
  if (s.mean.length !== n || s.std.length !== n)
    throw new Error(`the model standardizes ${s.mean.length} values, the input has ${n}`);
}

export type InputDtype = "uint8" | "int8" | "uint16" | "int16";

/** Bytes per value: 1 up to 8 bits, else 2. */
export const bytesPerValue = (e: InputEncoding): 1 | 2 => {
  if (!Number.isInteger(e.bits) || e.bits < 1 || e.bits > 16)
    throw new Error(`input values of ${e.bits} bits are not supported (1 to 16)`);
  return e.bits <= 8 ? 1 : 2;
};

/** The numpy-style dtype of the encoded values (the manifest's `io.input.dtype`). */
export const inputDtype = (e: InputEncoding): InputDtype =>
  `${e.signed ? "int" : "uint"}${bytesPerValue(e) * 8}` as InputDtype;

/** Smallest and largest value of the encoding. */
export function valueRange(e: InputEncoding): { min: number; max: number } {
  bytesPerValue(e);
  return e.signed ? { min: -(2 ** (e.bits - 1)), max: 2 ** (e.bits - 1) - 1 } : { min: 0, max: 2 ** e.bits - 1 };
}

/** Throws unless every value is an integer in the encoding's range. */
export function checkValues(values: ArrayLike<number>, e: InputEncoding, what = "input"): void {
  const { min, max } = valueRange(e);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < min || v > max) {
      const type = `${e.signed ? "int" : "uint"}${e.bits}`;
      throw new Error(
        `${what}[${i}] = ${v} is not ${type === "uint8" ? "a uint8" : `an integer in [${min}, ${max}] (${type})`}`,
      );
    }
  }
}

/** Values -> bytes (little-endian, two's complement when signed). */
export function encodeInput(values: ArrayLike<number>, e: InputEncoding): Uint8Array {
  checkValues(values, e);
  const nb = bytesPerValue(e);
  const out = new Uint8Array(values.length * nb);
  for (let i = 0; i < values.length; i++) {
    const u = (values[i]! + 2 ** (8 * nb)) % 2 ** (8 * nb);
    for (let k = 0; k < nb; k++) out[i * nb + k] = (u >> (8 * k)) & 0xff;
  }
  return out;
}

/** Bytes -> values; throws when the length or a value does not fit the encoding. */
export function decodeInput(bytes: ArrayLike<number>, e: InputEncoding): number[] {
  const nb = bytesPerValue(e);
  if (bytes.length % nb !== 0)
    throw new Error(`${bytes.length} input bytes is not a whole number of ${nb}-byte values`);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += nb) {
    let u = 0;
    for (let k = nb - 1; k >= 0; k--) u = u * 256 + bytes[i + k]!;
    out.push(e.signed && u >= 2 ** (8 * nb - 1) ? u - 2 ** (8 * nb) : u);
  }
  checkValues(out, e);
  return out;
}

/** Poseidon hash of the input values, as the model's circuit computes it (the hash of their bytes). */
export async function hashInput(values: ArrayLike<number>, e: InputEncoding): Promise<bigint> {
  const bytes = encodeInput(values, e);
  const { hashBytes } = await import("./hash.ts");
  return hashBytes(bytes);
}

/**
 * Real values in the model's own units -> the integers the circuit takes: `q = clamp(round(x / scale) + zeroPoint)`
 * (`clamped` lists the indices that were outside the range). The buyer's side does this (CLI, dApp); the compiler
 * calibrated with the same rule. Throws on a non-finite value.
 */
export function quantizeReal(x: ArrayLike<number>, q: InputQuantization): { values: number[]; clamped: number[] } {
  const { min, max } = valueRange(q);
  const clamped: number[] = [];
  const s = q.standardize;
  if (s) checkStandardize(s, x.length);
  const values = Array.from(x, (v, i) => {
    if (!Number.isFinite(v)) throw new Error(`input[${i}] = ${v} is not a finite number`);
    const r = Math.round((s ? (v - s.mean[i]!) / s.std[i]! : v) / q.scale) + q.zeroPoint;
    if (r < min || r > max) clamped.push(i);
    return Math.min(max, Math.max(min, r));
  });
  return { values, clamped };
}

/** The integers' real values: `(q - zeroPoint) * scale`, in the buyer's units when the model standardizes. */
export function dequantize(values: ArrayLike<number>, q: InputQuantization): number[] {
  const s = q.standardize;
  if (s) checkStandardize(s, values.length);
  return Array.from(values, (v, i) => {
    const z = (v - q.zeroPoint) * q.scale;
    return s ? z * s.std[i]! + s.mean[i]! : z;
  });
}

/** What an io spec's input says about quantization (the manifest's `io.input`, or its on-chain copy). */
export type QuantizedInputSpec = InputEncoding & {
  scale: number;
  zeroPoint: number;
  standardize?: Standardize | undefined;
};

/** The affine map from the buyer's units to the model's integers, as `quantizeReal`/`dequantize` take it. */
export const quantizationOf = (input: QuantizedInputSpec): InputQuantization => ({
  bits: input.bits,
  signed: input.signed,
  scale: input.scale,
  zeroPoint: input.zeroPoint,
  ...(input.standardize ? { standardize: input.standardize } : {}),
});

/** The quantization of the value at `index` alone (its own standardization, when the model standardizes). */
export function valueQuantization(input: QuantizedInputSpec, index: number): InputQuantization {
  const { standardize, ...q } = quantizationOf(input);
  if (!standardize) return q;
  return { ...q, standardize: { mean: [standardize.mean[index] ?? 0], std: [standardize.std[index] ?? 1] } };
}
