// Reads a model's on-chain io spec (JSON written by the circuits package: input shape/dtype, output count and
// packing) and decodes a verified output with it.
import { z } from "zod";
import { unpackOutput } from "@sovra/circuits/io/pack";

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

export function describeIoSpec(text: string): { summary: string; accuracy?: string } {
  const spec = parseIoSpec(text);
  if (!spec) return { summary: text || "—" };
  const input = describeSide(spec.input);
  const output = describeSide(spec.output);
  const summary = [input && `in ${input}`, output && `out ${output}`].filter(Boolean).join(" · ") || text;
  return spec.accuracy === undefined ? { summary } : { summary, accuracy: `${(spec.accuracy * 100).toFixed(2)}%` };
}

/** The verified output in words: the predicted class (arg max of the logits) when the spec says how to unpack. */
export function describeOutput(output: readonly bigint[], spec?: IoSpec): string {
  const out = spec?.output;
  if (out && typeof out !== "string" && out.count && out.laneBits) {
    try {
      const logits = unpackOutput(output, out.count, out.laneBits);
      const best = logits.reduce((top, value, index) => (value > (logits[top] ?? -Infinity) ? index : top), 0);
      return `digit ${best}`;
    } catch {
      // fall through to the raw signals
    }
  }
  if (output.length === 1 && output[0] !== undefined && output[0] <= 9n) return `digit ${output[0].toString()}`;
  return output.map((value) => value.toString()).join(", ");
}

export type ModelPurpose = {
  /** What the model does, in one sentence. */
  task: string;
  input: string;
  output: string;
};

const elementCount = (shape: readonly number[] | undefined) => shape?.reduce((product, size) => product * size, 1);

/**
 * What a model does, for people: the io spec's own `task` / `description` when it has one, else recognised from
 * the shapes (a 28x28 uint8 image in and 10 scores out is the MNIST digit task the Buy page draws for).
 */
export function modelPurpose(ioSpec: string): ModelPurpose {
  const spec = parseIoSpec(ioSpec);
  const input = spec?.input;
  const output = spec?.output;
  const own =
    spec &&
    (typeof spec.task === "string" ? spec.task : typeof spec.description === "string" ? spec.description : undefined);
  const inputShape = input && typeof input !== "string" ? input.shape : undefined;
  const inputType = input && typeof input !== "string" && typeof input.dtype === "string" ? input.dtype : undefined;
  const outputCount = output && typeof output !== "string" ? (output.count ?? elementCount(output.shape)) : undefined;
  const image28 = elementCount(inputShape) === 784 && (inputType === undefined || inputType === "uint8");
  if (image28 && outputCount === 10) {
    return {
      task: own ?? "Recognises a handwritten digit (0-9).",
      input: "28×28 grayscale image (784 bytes, 0 = background, 255 = ink)",
      output: "10 scores, one per digit 0-9: the highest is the answer",
    };
  }
  return {
    task: own ?? "Runs this model on your input.",
    input: describeSide(input) ?? "see the io spec",
    output: describeSide(output) ?? "see the io spec",
  };
}

/** `mlp` -> `multi-layer perceptron`; other names as they are. */
export function modelArchitecture(name: string): string {
  const known: Record<string, string> = { mlp: "multi-layer perceptron", cnn: "convolutional neural network" };
  return known[name.toLowerCase()] ?? name;
}

/** The registry's minimum VRAM: 0 means any GPU (or none) will do. */
export function formatMinVram(mb: number): string {
  if (mb <= 0) return "no minimum";
  return mb >= 1024 && mb % 1024 === 0
    ? `${(mb / 1024).toLocaleString("en-US")} GB`
    : `${mb.toLocaleString("en-US")} MB`;
}
