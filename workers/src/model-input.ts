import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { dequantize, quantizeReal } from "@sovra/circuits/io/input";
import { decodePngRgb, readMnistInput, type MnistInput } from "./image.ts";
import { inputCount, quantizationOf, type IoSpec } from "./io-spec.ts";

/**
 * A buyer's input for any model, read from a file by its io spec (from the chain): the integers that travel in the
 * bid (`values`, in the spec's encoding) and what the buyer gave.
 * - `.png`: image models only (`io.input.image`); pixels p (0..255) are real values p / 255. A 28x28x1 model
 *   reads it as MNIST does (inverted, cropped and centred when it is not MNIST's layout: `mnist`); other sizes
 *   are area-averaged to the model's size (`resized`).
 * - `.json`: `{"input": [...]}` in the model's real units (sovra-model's INPUT.json), quantized here; image
 *   models also take raw pixels 0..255 (`[...]`, rows of pixels, `{"pixels": [...]}`).
 * - `.csv`: one row of numbers in real units, after an optional header row of the spec's feature names.
 */
export type ModelInput = {
  values: number[];
  source: { kind: "png"; width: number; height: number } | { kind: "json" } | { kind: "csv"; header: boolean };
  /** The real values given (JSON `input`, CSV), before quantization. */
  given?: number[];
  /** Indices of given values outside the encoding's range, sent clamped. */
  clamped: number[];
  /** A 28x28x1 model's picture or pixels, read as MNIST is (preview and concerns in cli/input-check.ts). */
  mnist?: MnistInput;
  /** An image scaled to the model's size. */
  resized?: { from: { width: number; height: number }; to: { width: number; height: number } };
};

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** How a model's input is described in an error: its value count and feature names, or its image size. */
function describeModelInput(spec: IoSpec, model: string): string {
  const { image, features } = spec.input;
  const n = inputCount(spec.input);
  if (image !== undefined) return `model '${model}' takes a ${image.width}x${image.height}x${image.channels} image`;
  const names = features !== undefined ? ` (${features.join(", ")})` : "";
  return `model '${model}' takes ${n} value${n === 1 ? "" : "s"}${names}`;
}

const isMnistShape = (spec: IoSpec): boolean =>
  spec.input.image?.width === 28 && spec.input.image.height === 28 && spec.input.image.channels === 1;

/** Real values -> the model's integers (clamped, with the indices that were). */
function fromReal(file: string, spec: IoSpec, real: number[]): { values: number[]; clamped: number[] } {
  try {
    return quantizeReal(real, quantizationOf(spec.input));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
}

/** Pixels 0..255 -> the model's integers: the pixel's real value is p / 255 (for MNIST: the pixel itself). */
export function pixelsToValues(pixels: ArrayLike<number>, spec: IoSpec): number[] {
  return quantizeReal(
    Array.from(pixels, (p) => p / 255),
    quantizationOf(spec.input),
  ).values;
}

function checkCount(file: string, spec: IoSpec, model: string, got: number, what: string): void {
  const n = inputCount(spec.input);
  if (got !== n) throw new Error(`${file}: ${got} ${what}, but ${describeModelInput(spec, model)}`);
}

/** Reads `file` as the model's input; every problem is one line naming the file. */
export function readModelInput(file: string, spec: IoSpec, model: string): ModelInput {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (error) {
    throw new Error(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`,
    );
  }
  const ext = path.extname(file).toLowerCase();
  if (data.subarray(0, 8).equals(PNG_SIGNATURE) || ext === ".png") return readPng(file, data, spec, model);
  if (ext === ".csv") return readCsv(file, data.toString("utf8"), spec, model);
  return readJson(file, data.toString("utf8"), spec, model);
}

function readPng(file: string, data: Buffer, spec: IoSpec, model: string): ModelInput {
  const image = spec.input.image;
  if (image === undefined)
    throw new Error(
      `${file}: a PNG is an input for image models, but ${describeModelInput(spec, model)}: give a .json {"input": [...]} or a .csv row`,
    );
  if (isMnistShape(spec)) {
    const mnist = readMnistInput(file);
    return { values: pixelsToValues(mnist.pixels, spec), source: mnist.source, clamped: [], mnist };
  }
  if (image.channels !== 1 && image.channels !== 3)
    throw new Error(
      `${file}: ${describeModelInput(spec, model)}; a PNG gives 1 or 3 channels: give a .json {"input": [...]}`,
    );
  let decoded: ReturnType<typeof decodePngRgb>;
  try {
    decoded = decodePngRgb(data);
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  const { width, height } = decoded;
  // The manifest's layout is channels x height x width; a 1-channel model gets the gray level.
  const planes: Uint8Array[] = [];
  for (let c = 0; c < image.channels; c++) {
    const plane = new Uint8Array(width * height);
    for (let i = 0; i < width * height; i++) {
      const [r, g, b] = [decoded.rgb[i * 3] ?? 0, decoded.rgb[i * 3 + 1] ?? 0, decoded.rgb[i * 3 + 2] ?? 0];
      plane[i] = image.channels === 1 ? Math.round(0.299 * r + 0.587 * g + 0.114 * b) : [r, g, b][c]!;
    }
    planes.push(resize(plane, width, height, image.width, image.height));
  }
  const pixels = planes.flatMap((p) => Array.from(p));
  const resized =
    width === image.width && height === image.height
      ? {}
      : { resized: { from: { width, height }, to: { width: image.width, height: image.height } } };
  return { values: pixelsToValues(pixels, spec), source: { kind: "png", width, height }, clamped: [], ...resized };
}

/** Area-average resize of one channel (each output pixel is the mean of the source pixels it covers). */
export function resize(plane: Uint8Array, w: number, h: number, outW: number, outH: number): Uint8Array {
  if (w === outW && h === outH) return plane;
  const out = new Uint8Array(outW * outH);
  for (let oy = 0; oy < outH; oy++)
    for (let ox = 0; ox < outW; ox++) {
      const x0 = Math.floor((ox * w) / outW);
      const x1 = Math.max(x0 + 1, Math.floor(((ox + 1) * w) / outW));
      const y0 = Math.floor((oy * h) / outH);
      const y1 = Math.max(y0 + 1, Math.floor(((oy + 1) * h) / outH));
      let total = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) total += plane[y * w + x] as number;
      out[oy * outW + ox] = Math.round(total / ((x1 - x0) * (y1 - y0)));
    }
  return out;
}

const realInput = z.object({ input: z.array(z.unknown()) });
const rawPixels = z.union([
  z.array(z.unknown()),
  z.object({ pixels: z.array(z.unknown()) }).transform((o) => o.pixels),
]);

/** A flat or nested array's numbers, refusing anything else by position. */
function numbersOf(file: string, values: unknown[], what: string): number[] {
  const flat = values.flat(Number.POSITIVE_INFINITY) as unknown[];
  return flat.map((v, i) => {
    if (typeof v !== "number") throw new Error(`${file}: ${what}[${i}] is ${JSON.stringify(v)}, not a number`);
    return v;
  });
}

function readJson(file: string, text: string, spec: IoSpec, model: string): ModelInput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(
      `${file}: not JSON: give {"input": [...]} in the model's units, a .csv row${spec.input.image !== undefined ? ", or a .png" : ""}`,
    );
  }
  const real = realInput.safeParse(parsed);
  if (real.success) {
    const given = numbersOf(file, real.data.input, "input");
    checkCount(file, spec, model, given.length, "input values");
    return { ...fromReal(file, spec, given), given, source: { kind: "json" } };
  }
  if (spec.input.image === undefined)
    throw new Error(
      `${file}: expected {"input": [...]} with the values in the model's units; ${describeModelInput(spec, model)}`,
    );
  if (isMnistShape(spec)) {
    const mnist = readMnistInput(file);
    return { values: pixelsToValues(mnist.pixels, spec), source: mnist.source, clamped: [], mnist };
  }
  const pixels = rawPixels.safeParse(parsed);
  const n = inputCount(spec.input);
  const expected = `expected {"input": [...]} in the model's units, or ${n} pixels 0..255 ([...] or {"pixels": [...]})`;
  if (!pixels.success) throw new Error(`${file}: ${expected}`);
  const flat = numbersOf(file, pixels.data, "pixels");
  checkCount(file, spec, model, flat.length, "pixels");
  const bad = flat.findIndex((p) => !Number.isInteger(p) || p < 0 || p > 255);
  if (bad >= 0) throw new Error(`${file}: pixel ${bad} is ${flat[bad]}: ${expected}`);
  return { values: pixelsToValues(flat, spec), source: { kind: "json" }, clamped: [] };
}

/** Splits one CSV line on commas, unquoting "..." cells. */
/** One CSV line's cells (RFC 4180 quoting: a feature name may hold a comma, `"acceleration (s, 0 to 60 mph)"`). */
export function cells(line: string): string[] {
  const out: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell.trim() === "") {
      quoted = true;
      cell = "";
    } else if (ch === ",") {
      out.push(cell.trim());
      cell = "";
    } else cell += ch;
  }
  out.push(quoted ? cell : cell.trim());
  return out;
}

const isNumber = (cell: string): boolean => cell !== "" && Number.isFinite(Number(cell));

function readCsv(file: string, text: string, spec: IoSpec, model: string): ModelInput {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  if (lines.length === 0) throw new Error(`${file}: empty: expected one row of ${inputCount(spec.input)} numbers`);
  const first = cells(lines[0] as string);
  // A first line of words over a row of values is a header; a single line with a stray word is a bad row.
  const words = first.filter((c) => !isNumber(c)).length;
  const header = words > 0 && (lines.length > 1 || words === first.length) ? first : undefined;
  const rows = header !== undefined ? lines.slice(1) : lines;
  if (header !== undefined) {
    const features = spec.input.features;
    if (features === undefined)
      throw new Error(
        `${file}: has a header row (${header.join(", ")}) but ${describeModelInput(spec, model)} without feature names: give the row of values alone`,
      );
    const same = header.length === features.length && header.every((h, i) => h === features[i]);
    if (!same) {
      const sameSet = header.length === features.length && [...header].sort().join() === [...features].sort().join();
      throw new Error(
        `${file}: header ${sameSet ? "has the features in another order" : `names ${header.join(", ")}`}: model '${model}' expects ${features.join(", ")} (in this order)`,
      );
    }
  }
  if (rows.length !== 1)
    throw new Error(
      `${file}: expected one row of values${header !== undefined ? " after the header" : ""}, found ${rows.length}`,
    );
  const row = cells(rows[0] as string);
  const given = row.map((c, i) => {
    const name = header?.[i] ?? spec.input.features?.[i];
    if (!isNumber(c))
      throw new Error(`${file}: value ${i + 1}${name !== undefined ? ` (${name})` : ""} is '${c}', not a number`);
    return Number(c);
  });
  checkCount(file, spec, model, given.length, "values");
  return { ...fromReal(file, spec, given), given, source: { kind: "csv", header: header !== undefined } };
}

/** A real number for people: six significant digits, no trailing zeros. */
export const formatReal = (v: number): string => String(Number(v.toPrecision(6)));

/**
 * What will be sent, in the model's real units, one line per value (`name = value`): what the model sees after
 * quantization, with the value given where it was clamped.
 */
export function describeInput(spec: IoSpec, input: ModelInput): string[] {
  const sent = dequantize(input.values, quantizationOf(spec.input));
  const clamped = new Set(input.clamped);
  return sent.map((v, i) => {
    const name = spec.input.features?.[i] ?? `input[${i}]`;
    const given = input.given?.[i];
    return `${name} = ${formatReal(v)}${clamped.has(i) && given !== undefined ? ` (clamped from ${formatReal(given)})` : ""}`;
  });
}

/** The clamping warning, naming the values (empty when nothing was clamped). */
export function clampWarning(file: string, spec: IoSpec, input: ModelInput): string | undefined {
  if (input.clamped.length === 0) return undefined;
  const names = input.clamped.map((i) => spec.input.features?.[i] ?? `input[${i}]`);
  const shown = names.length > 8 ? `${names.slice(0, 8).join(", ")} and ${names.length - 8} more` : names.join(", ");
  return `${file}: ${input.clamped.length} value${input.clamped.length === 1 ? " is" : "s are"} outside the range the model was calibrated on and ${input.clamped.length === 1 ? "is" : "are"} sent clamped to its edge: ${shown}`;
}
