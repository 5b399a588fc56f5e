// How a buyer's input becomes a bid, for any model, from its io spec (io-spec.ts): a drawing or PNG (image
// models), a form of named features (tabular models) or a JSON file `{"input": [...]}` in the model's own units
// (any model, as `sovra-model prove` reads it) -> the integers the circuit takes (`quantizeReal`) -> the bid's
// `inputRef` (their bytes, `encodeInput`: the provider reads the input from calldata) and `inputHash`, the
// circuits' Poseidon hash of those same bytes (served by /api/input-hash). The encoding and hashing are the
// circuits package's own (`@sovra/circuits/io/input`, `io/hash`): the dApp keeps no copy of either.
import { bytesToHex, hexToBytes, type Hex } from "viem";
import { z } from "zod";
import { decodeInput, encodeInput, quantizeReal, valueRange } from "@sovra/circuits/io/input";
import { inputCount, MAX_INPUT_BYTES, quantizationOf, type ModelInput, valueQuantization } from "./io-spec";

/** BN254 scalar field: every public signal is below it. */
export const SNARK_FIELD = 21888242871839275222246405745257298675808696689019978659933519930858426095617n;

/** RGBA pixels of a drawing (any size), as a canvas gives them. */
export type Rgba = { width: number; height: number; data: Uint8ClampedArray };
export type ImageSize = NonNullable<ModelInput["image"]>;

/** The model's integer input, and which values had to be clamped into its range. */
export type QuantizedInput = { values: number[]; clamped: number[] };

/**
 * Downsamples an RGBA drawing to the model's height x width by area averaging, as levels 0..255 in the model's
 * row-major channels x height x width order, composited over white paper. One channel: the ink, MNIST's
 * convention (white paper 0, black ink 255, from the luminance). Three channels: the colours themselves.
 */
export function imageLevels(image: Rgba, size: ImageSize): number[] {
  const { width, height, data } = image;
  const grey = size.channels === 1;
  const planes = grey ? 1 : 3;
  const plane = size.height * size.width;
  const out = new Array<number>(planes * plane).fill(0);
  for (let y = 0; y < size.height; y += 1) {
    const y0 = Math.floor((y * height) / size.height);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * height) / size.height));
    for (let x = 0; x < size.width; x += 1) {
      const x0 = Math.floor((x * width) / size.width);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * width) / size.width));
      const sums = [0, 0, 0];
      let count = 0;
      for (let sy = y0; sy < y1; sy += 1) {
        for (let sx = x0; sx < x1; sx += 1) {
          const i = (sy * width + sx) * 4;
          const a = (data[i + 3] ?? 0) / 255;
          // Composite over white: a transparent canvas is paper.
          const rgb = [0, 1, 2].map((c) => (data[i + c] ?? 0) * a + 255 * (1 - a));
          if (grey) {
            const luminance = 0.299 * (rgb[0] ?? 0) + 0.587 * (rgb[1] ?? 0) + 0.114 * (rgb[2] ?? 0);
            sums[0] = (sums[0] ?? 0) + 255 - luminance;
          } else {
            for (let c = 0; c < 3; c += 1) sums[c] = (sums[c] ?? 0) + (rgb[c] ?? 0);
          }
          count += 1;
        }
      }
      for (let c = 0; c < planes; c += 1) out[c * plane + y * size.width + x] = Math.round((sums[c] ?? 0) / count);
    }
  }
  return out;
}

/**
 * Image levels (0..255) -> the model's integers: level / 255 in the model's units (MNIST's pixels / 255, ink = 1),
 * quantized with the spec's scale and zero point. For MNIST (uint8, scale 1/255, zero point 0) the integers are
 * the levels themselves.
 */
export function imageInput(levels: readonly number[], input: ModelInput): QuantizedInput {
  return quantizeReal(
    levels.map((level) => level / 255),
    quantizationOf(input),
  );
}

/** The inverse, to paint an input back on the canvas: the model's integers -> levels 0..255. */
export function levelsOf(values: readonly number[], input: ModelInput): number[] {
  return values.map((value) => Math.min(255, Math.max(0, Math.round((value - input.zeroPoint) * input.scale * 255))));
}

/** True when nothing was drawn. */
export function isBlank(levels: readonly number[], size: ImageSize): boolean {
  return size.channels === 1 ? levels.every((level) => level === 0) : levels.every((level) => level === 255);
}

/** Parses JSON text; a one-line error when it is not JSON. */
function readJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error("the file is not valid JSON");
  }
}

/**
 * An image model's pixels uploaded as integers in the model's own encoding: `{"pixels": [...]}` or a bare
 * array (784 values 0..255 for MNIST).
 */
export function parsePixelsJson(text: string, input: ModelInput): number[] {
  const count = inputCount(input);
  const { min, max } = valueRange(input);
  const value = z.array(z.number().int().min(min).max(max));
  const schema = z
    .union([value, z.object({ pixels: value })])
    .transform((body) => (Array.isArray(body) ? body : body.pixels))
    .refine((pixels) => pixels.length === count, {
      message: `expected ${count} pixels${input.image ? ` (${input.image.width}x${input.image.height})` : ""}`,
    });
  const result = schema.safeParse(readJson(text));
  if (!result.success) {
    const issue = result.error.issues.find((entry) => entry.code === "custom") ?? result.error.issues[0];
    throw new Error(
      issue?.code === "custom" ? issue.message : `expected ${count} integers in [${min}, ${max}], or {"pixels": [...]}`,
    );
  }
  return result.data;
}

/**
 * The input of any model as a JSON file, `{"input": [...]}` in the model's own units (as `sovra-model prove`
 * reads INPUT.json): the real values, one line on a wrong count or a value that is not a number.
 */
export function parseInputJson(text: string, input: ModelInput): number[] {
  const count = inputCount(input);
  const body = readJson(text);
  if (typeof body !== "object" || body === null || !("input" in body) || !Array.isArray(body.input))
    throw new Error('expected {"input": [...]}');
  const values: unknown[] = body.input;
  if (values.length !== count) throw new Error(`expected ${count} values in "input", got ${values.length}`);
  const bad = values.findIndex((value) => typeof value !== "number" || !Number.isFinite(value));
  if (bad >= 0) throw new Error(`input[${bad}] is not a number: ${JSON.stringify(values[bad]) ?? "undefined"}`);
  return values as number[];
}

/** Real values (model units) -> the model's integers, clamped into its range. */
export function quantizeInput(real: readonly number[], input: ModelInput): QuantizedInput {
  return quantizeReal(real, quantizationOf(input));
}

/** A decimal number as a person types it (`-1.5`, `.25`, `2e3`); not hex, not empty, finite. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export type FieldReading = { ok: true; real: number; integer: number; clamped: boolean } | { ok: false; error: string };

/**
 * Feature `index` of a tabular model's form: the typed real value (the feature's own units), its integer, and
 * whether it was clamped.
 */
export function readFeatureField(text: string, input: ModelInput, index: number): FieldReading {
  const clean = text.trim();
  if (clean === "") return { ok: false, error: "enter a number" };
  const real = DECIMAL.test(clean) ? Number(clean) : Number.NaN;
  if (!Number.isFinite(real)) return { ok: false, error: `"${clean}" is not a finite number` };
  const { values, clamped } = quantizeReal([real], valueQuantization(input, index));
  return { ok: true, real, integer: values[0] ?? 0, clamped: clamped.length > 0 };
}

/** Every field of the form: the model's integers when all are numbers, else undefined. */
export function readFeatureForm(texts: readonly string[], input: ModelInput): QuantizedInput | undefined {
  const readings = texts.map((text, index) => readFeatureField(text, input, index));
  if (readings.length !== inputCount(input) || readings.some((reading) => !reading.ok)) return undefined;
  const values: number[] = [];
  const clamped: number[] = [];
  readings.forEach((reading, index) => {
    if (!reading.ok) return;
    values.push(reading.integer);
    if (reading.clamped) clamped.push(index);
  });
  return { values, clamped };
}

/** The bid's `inputRef`: the integers' bytes in the model's encoding (1 or 2 bytes each, little-endian). */
export function inputRefOf(values: readonly number[], input: ModelInput): Hex {
  if (values.length !== inputCount(input))
    throw new Error(`expected ${inputCount(input)} input values, got ${values.length}`);
  return bytesToHex(encodeInput(values, quantizationOf(input)));
}

/** Reads the integers back from an `inputRef` (what the provider does). */
export function valuesFromInputRef(inputRef: Hex, input: ModelInput): number[] {
  const values = decodeInput(hexToBytes(inputRef), quantizationOf(input));
  if (values.length !== inputCount(input))
    throw new Error(`expected ${inputCount(input)} input values, got ${values.length}`);
  return values;
}

/** What the /api/input-hash route takes: the bid's `inputRef` bytes, as hex. */
export const inputHashRequestSchema = z.object({
  inputRef: z
    .string()
    .regex(/^0x([0-9a-fA-F]{2})+$/, "inputRef must be hex bytes, at least one")
    .max(2 + 2 * MAX_INPUT_BYTES, `inputRef is longer than ${MAX_INPUT_BYTES} bytes`),
});

/** The bid's `inputHash`: the circuits' Poseidon hash of the `inputRef` bytes, from the dApp's server. */
export async function fetchInputHash(inputRef: Hex, fetcher: typeof fetch = fetch): Promise<bigint> {
  const response = await fetcher("/api/input-hash", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ inputRef }),
  });
  const body = (await response.json()) as { inputHash?: string; error?: string };
  if (!response.ok || body.inputHash === undefined) throw new Error(body.error ?? "could not hash the input");
  const hash = BigInt(body.inputHash);
  if (hash < 0n || hash >= SNARK_FIELD) throw new Error("the input hash is not a field element");
  return hash;
}
