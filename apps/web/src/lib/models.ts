// Reads a model's on-chain io spec (JSON written by the circuits package: input shape/dtype, output count and
// packing, task, labels) and decodes a verified output with it. `parseIoSpec` reads any spec loosely (the Models
// page shows even foreign ones); what is decoded or described in detail goes through the strict `parseModelIo`.
import { optimisticOutputInWords } from "./optimistic";
import { z } from "zod";
import { unpackOutput } from "@sovra/circuits/io/pack";
import { inputCount, inputKind, isDigitModel, parseModelIo, type ModelIo } from "./io-spec";

const ioSpecSchema = z
  .object({
    input: z
      .union([
        z.string(),
        z.object({ shape: z.array(z.number()).optional(), dtype: z.string().optional() }).passthrough(),
      ])
      .optional(),
    output: z
      .union([
        z.string(),
        z
          .object({
            shape: z.array(z.number()).optional(),
            count: z.number().int().positive().optional(),
            laneBits: z.number().int().min(1).max(253).optional(),
          })
          .passthrough(),
      ])
      .optional(),
    accuracy: z.number().min(0).max(1).optional(),
    meanAbsError: z.number().min(0).optional(),
  })
  .passthrough();

export type IoSpec = z.output<typeof ioSpecSchema>;

export function parseIoSpec(text: string): IoSpec | undefined {
  try {
    const parsed = ioSpecSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function describeSide(side: IoSpec["input"] | IoSpec["output"]): string | undefined {
  if (side === undefined) return undefined;
  if (typeof side === "string") return side;
  const shape = side.shape?.join("×");
  const dtype = "dtype" in side && typeof side.dtype === "string" ? side.dtype : undefined;
  const count = "count" in side && typeof side.count === "number" ? `${side.count} values` : undefined;
  return dtype && shape ? `${dtype}[${shape}]` : (count ?? (shape ? `[${shape}]` : undefined));
}

export function describeIoSpec(text: string): { summary: string; accuracy?: string; meanAbsError?: string } {
  const spec = parseIoSpec(text);
  if (!spec) return { summary: text || "—" };
  const input = describeSide(spec.input);
  const output = describeSide(spec.output);
  const summary = [input && `in ${input}`, output && `out ${output}`].filter(Boolean).join(" · ") || text;
  return {
    summary,
    ...(spec.accuracy === undefined ? {} : { accuracy: `${(spec.accuracy * 100).toFixed(2)}%` }),
    ...(spec.meanAbsError === undefined ? {} : { meanAbsError: formatReal(spec.meanAbsError, 1e-4) }),
  };
}

/**
 * A real number at the resolution its quantization gives (`scale`: one integer step), at most 4 decimals,
 * without trailing zeros: `23.4`, `-0.0312`.
 */
export function formatReal(value: number, scale: number): string {
  const decimals = Math.min(4, Math.max(0, Math.ceil(-Math.log10(scale))));
  const text = value.toFixed(decimals);
  const trimmed = text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
  return trimmed === "-0" ? "0" : trimmed;
}

export type Score = { label: string; integer: number; real: number };

/** A verified output, decoded with the model's io spec. */
export type DecodedOutput =
  | {
      task: "classify";
      /** index of the highest score */
      best: number;
      /** the answer in words: "digit 3" (MNIST), the class label, or "class 2" */
      answer: string;
      scores: Score[];
      /** softmax of the real scores, when the float model ended in a Softmax */
      probabilities?: number[];
    }
  | { task: "regress"; answer: string; values: Score[] };

const softmax = (values: readonly number[]): number[] => {
  const top = Math.max(...values);
  const exps = values.map((value) => Math.exp(value - top));
  const sum = exps.reduce((total, value) => total + value, 0);
  return exps.map((value) => value / sum);
};

/** Unpacks the public output signals with the spec; undefined when they do not fit it. */
export function decodeOutput(output: readonly bigint[], io: ModelIo): DecodedOutput | undefined {
  const spec = io.output;
  let integers: number[];
  try {
    integers = unpackOutput(output, spec.count, spec.laneBits);
  } catch {
    return undefined;
  }
  const scored = integers.map((integer, index) => ({ integer, real: integer * spec.scale, index }));
  if (spec.task === "regress") {
    const values = scored.map(({ integer, real, index }) => ({
      label: spec.labels?.[index] ?? (spec.count === 1 ? "value" : `value ${index}`),
      integer,
      real,
    }));
    return {
      task: "regress",
      values,
      answer: values.map((value) => `${value.label} ${formatReal(value.real, spec.scale)}`).join(", "),
    };
  }
  const best = integers.reduce((top, value, index) => (value > (integers[top] ?? -Infinity) ? index : top), 0);
  const label = (index: number) => spec.labels?.[index] ?? String(index);
  const scores = scored.map(({ integer, real, index }) => ({ label: label(index), integer, real }));
  return {
    task: "classify",
    best,
    answer: isDigitModel(io) ? `digit ${best}` : spec.labels ? label(best) : `class ${best}`,
    scores,
    ...(spec.softmax ? { probabilities: softmax(scores.map((score) => score.real)) } : {}),
  };
}

/** The verified output in words, from the registry's io spec text; raw signals when the spec cannot decode it. */
export function describeOutput(output: readonly bigint[], ioSpec?: string): string {
  const optimistic = ioSpec === undefined ? undefined : optimisticOutputInWords(output, ioSpec);
  if (optimistic !== undefined) return optimistic;
  const parsed = ioSpec === undefined ? undefined : parseModelIo(ioSpec);
  const decoded = parsed?.ok ? decodeOutput(output, parsed.io) : undefined;
  if (decoded) return decoded.answer;
  if (output.length === 1 && output[0] !== undefined && output[0] <= 9n) return `digit ${output[0].toString()}`;
  return output.map((value) => value.toString()).join(", ");
}

/**
 * A verified output in full, for a receipt: the answer, then every score (classifier) or value (regressor with
 * several) in real units: `Chinstrap (Adelie: -3.4 · Chinstrap: 8.73 · Gentoo: -3.39)`. Undefined when the strict
 * io spec cannot decode these signals (the raw signals are then all there is to show).
 */
export function outputInWords(output: readonly bigint[], ioSpec: string): string | undefined {
  const optimistic = optimisticOutputInWords(output, ioSpec);
  if (optimistic !== undefined) return optimistic;
  const parsed = parseModelIo(ioSpec);
  const decoded = parsed.ok ? decodeOutput(output, parsed.io) : undefined;
  if (!parsed.ok || !decoded) return undefined;
  if (decoded.task === "regress" && decoded.values.length === 1) return decoded.answer;
  return `${decoded.answer} (${describeScores(decoded, parsed.io.output.scale)})`;
}

/** Scores (or values) in one line: `Adelie: 2.31 (93%) · Chinstrap: -0.5 (2%) · …`. */
export function describeScores(decoded: DecodedOutput, scale: number): string {
  const rows = decoded.task === "classify" ? decoded.scores : decoded.values;
  return rows
    .map((row, index) => {
      const probability =
        decoded.task === "classify" && decoded.probabilities
          ? ` (${((decoded.probabilities[index] ?? 0) * 100).toFixed(1)}%)`
          : "";
      return `${row.label}: ${formatReal(row.real, scale)}${probability}`;
    })
    .join(" · ");
}

export type ModelPurpose = {
  /** What the model does, in one sentence. */
  task: string;
  input: string;
  output: string;
};

const elementCount = (shape: readonly number[] | undefined) => shape?.reduce((product, size) => product * size, 1);

/** `a, b, c` or `a, b, … (12)` for long lists. */
function list(names: readonly string[], max = 10): string {
  return names.length <= max ? names.join(", ") : `${names.slice(0, max).join(", ")}, … (${names.length})`;
}

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** What a model does, from a strict spec: the io's kind (image, features, values), task, names and labels. */
function purposeOf(io: ModelIo, own: string | undefined): ModelPurpose {
  const { input, output } = io;
  const n = inputCount(input);
  const wire = `${input.signed ? "int" : "uint"}${input.bits}`;
  const kind = inputKind(input);
  const image = input.image;
  const subject =
    kind === "image" && image
      ? `a ${image.height}×${image.width} ${image.channels === 1 ? "grayscale" : "colour"} image`
      : kind === "tabular"
        ? `a row of ${plural(n, "feature")}`
        : plural(n, "input value");
  const inputWords =
    kind === "image" && image
      ? `${image.height}×${image.width} ${image.channels === 1 ? "grayscale" : "colour"} image (${n} ${input.dtype} values)`
      : kind === "tabular" && input.features
        ? `${plural(n, "feature")}: ${list(input.features)} (real numbers, sent as ${wire})`
        : `${plural(n, "value")} (real numbers, sent as ${wire})`;
  if (output.task === "regress") {
    const names = output.labels ? list(output.labels) : plural(output.count, "value");
    return {
      task: own ?? `Predicts ${names} from ${subject}.`,
      input: inputWords,
      output: `${output.labels ? names : plural(output.count, "real number")} (each an integer × ${output.scale.toPrecision(3)})`,
    };
  }
  const classes = output.labels ? ` (${list(output.labels)})` : "";
  return {
    task: own ?? `Classifies ${subject} into one of ${output.count} classes${classes}.`,
    input: inputWords,
    output: `${output.count} scores, one per class${output.labels ? `: ${list(output.labels)}` : ""}: the highest is the answer`,
  };
}

/**
 * What a model does, for people: the io spec's own `task` / `description` when it has one, else from the spec
 * (MNIST's digit task in its own words; other models by their input kind, feature names, task and labels), else
 * from the shapes of a spec the strict reader refuses.
 */
export function modelPurpose(ioSpec: string): ModelPurpose {
  const spec = parseIoSpec(ioSpec);
  const input = spec?.input;
  const output = spec?.output;
  const ownTask = spec?.task ?? spec?.description;
  const own = typeof ownTask === "string" ? ownTask : undefined;
  const strict = parseModelIo(ioSpec);
  const inputShape = input && typeof input !== "string" ? input.shape : undefined;
  const inputType = input && typeof input !== "string" && typeof input.dtype === "string" ? input.dtype : undefined;
  const outputCount = output && typeof output !== "string" ? (output.count ?? elementCount(output.shape)) : undefined;
  const image28 = elementCount(inputShape) === 784 && (inputType === undefined || inputType === "uint8");
  if (strict.ok ? isDigitModel(strict.io) : image28 && outputCount === 10) {
    return {
      task: own ?? "Recognises a handwritten digit (0-9).",
      input: "28×28 grayscale image (784 bytes, 0 = background, 255 = ink)",
      output: "10 scores, one per digit 0-9: the highest is the answer",
    };
  }
  if (strict.ok) return purposeOf(strict.io, own);
  return {
    task: own ?? "Runs this model on your input.",
    input: describeSide(input) ?? "see the io spec",
    output: describeSide(output) ?? "see the io spec",
  };
}

/** `mlp` -> `multi-layer perceptron`; other names as they are. */
export function modelArchitecture(name: string): string {
  const known: Record<string, string> = {
    mlp: "multi-layer perceptron",
    cnn: "convolutional neural network",
    ocr: "PP-OCRv4 text detection and recognition",
    vad: "Silero VAD v5 speech activity",
  };
  return known[name.toLowerCase()] ?? name;
}

/** The registry's minimum VRAM: 0 means any GPU (or none) will do. */
export function formatMinVram(mb: number): string {
  if (mb <= 0) return "no minimum";
  return mb >= 1024 && mb % 1024 === 0
    ? `${(mb / 1024).toLocaleString("en-US")} GB`
    : `${mb.toLocaleString("en-US")} MB`;
}
