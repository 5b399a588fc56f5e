// A model's io spec as the registry stores it (`modelOf(id).ioSpec`: the manifest's `io` section plus `accuracy`
// or `meanAbsError`, see circuits/src/prover/manifest.ts), read strictly: the Buy page builds the bid's input from
// it and the results are decoded with it, so a spec whose parts disagree is refused with one line instead of
// producing bytes the model's circuit would reject.
import { z } from "zod";
import { bytesPerValue, inputDtype, quantizationOf, valueQuantization } from "@sovra/circuits/io/input";

const positiveInt = z.number().int().positive();

const inputSchema = z.object({
  shape: z.array(positiveInt).min(1),
  dtype: z.enum(["uint8", "int8", "uint16", "int16"]),
  // As the manifest: absent in specs older than the field means 8-bit unsigned.
  bits: z.number().int().min(1).max(16).default(8),
  signed: z.boolean().default(false),
  scale: z.number().positive().finite(),
  zeroPoint: z.number().int().default(0),
  features: z.array(z.string()).optional(),
  image: z.object({ height: positiveInt, width: positiveInt, channels: positiveInt }).optional(),
  // The model takes (x - mean) / std: the form asks for x in the feature's own units.
  standardize: z
    .object({ mean: z.array(z.number().finite()), std: z.array(z.number().positive().finite()) })
    .optional(),
});

const outputSchema = z.object({
  shape: z.array(positiveInt).min(1),
  count: positiveInt,
  scale: z.number().positive().finite(),
  laneBits: z.number().int().min(1).max(253),
  softmax: z.boolean().optional(),
  task: z.enum(["classify", "regress"]).default("classify"),
  labels: z.array(z.string()).optional(),
});

const ioSpecSchema = z.object({
  input: inputSchema,
  output: outputSchema,
  accuracy: z.number().min(0).max(1).optional(),
  meanAbsError: z.number().min(0).finite().optional(),
});

export type ModelIo = z.output<typeof ioSpecSchema>;
export type ModelInput = ModelIo["input"];
export type ModelOutput = ModelIo["output"];

const product = (shape: readonly number[]) => shape.reduce((total, size) => total * size, 1);

/** Number of input values the model takes. */
export const inputCount = (input: ModelInput): number => product(input.shape);

/** The quantization the bid's input goes through (`quantizeReal`, `encodeInput`), whole or one value at a time. */
export { quantizationOf, valueQuantization };

/** What the parts of a parsed spec must agree on; the first disagreement in words, or undefined. */
function disagreement(io: ModelIo): string | undefined {
  const { input, output } = io;
  const count = inputCount(input);
  try {
    if (inputDtype(input) !== input.dtype)
      return `input dtype ${input.dtype} does not fit ${input.signed ? "signed" : "unsigned"} ${input.bits}-bit values`;
  } catch (error) {
    return error instanceof Error ? error.message : "bad input bits";
  }
  // A circuit takes its whole input in one call: more than 64 KiB of calldata is not a model this dApp can send.
  if (count * bytesPerValue(input) > MAX_INPUT_BYTES)
    return `the input is ${count * bytesPerValue(input)} bytes, more than a bid carries (${MAX_INPUT_BYTES})`;
  if (input.features && input.features.length !== count)
    return `${input.features.length} feature names for ${count} input values`;
  if (input.standardize && (input.standardize.mean.length !== count || input.standardize.std.length !== count))
    return `a standardization of ${input.standardize.mean.length} values for ${count} input values`;
  if (input.image && product([input.image.height, input.image.width, input.image.channels]) !== count)
    return `an image of ${input.image.height}x${input.image.width}x${input.image.channels} is not ${count} input values`;
  if (product(output.shape) !== output.count)
    return `output shape [${output.shape.join(", ")}] is not ${output.count} values`;
  if (output.labels && output.labels.length !== output.count)
    return `${output.labels.length} output labels for ${output.count} output values`;
  return undefined;
}

/** Largest inline input the dApp sends (and its input-hash route hashes). */
export const MAX_INPUT_BYTES = 65_536;

export type IoSpecResult = { ok: true; io: ModelIo } | { ok: false; error: string };

/** Parses the registry's io spec text; `error` is one line naming the first problem. */
export function parseModelIo(text: string): IoSpecResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: "the model's io spec is not JSON" };
  }
  const parsed = ioSpecSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "spec";
    return { ok: false, error: `the model's io spec is malformed: ${where}: ${issue?.message ?? "invalid"}` };
  }
  const problem = disagreement(parsed.data);
  return problem ? { ok: false, error: `the model's io spec is malformed: ${problem}` } : { ok: true, io: parsed.data };
}

/** How the Buy page takes this model's input. */
export type InputKind = "image" | "tabular" | "values";

export function inputKind(input: ModelInput): InputKind {
  if (input.image && drawable(input.image)) return "image";
  if (input.features) return "tabular";
  return "values";
}

/** A drawing/PNG field exists for grey (1 channel) and colour (3 channel) images. */
export const drawable = (image: NonNullable<ModelInput["image"]>): boolean =>
  image.channels === 1 || image.channels === 3;

/**
 * The MNIST digit task: a 28x28 grey image in (784 uint8 values, the MNIST models' encoding) and 10 class scores
 * out, labelled 0-9 or unlabelled (older specs): results read "digit N", as they always have.
 */
export function isDigitModel(io: ModelIo): boolean {
  const { input, output } = io;
  const image28 = input.image
    ? input.image.height === 28 && input.image.width === 28 && input.image.channels === 1
    : inputCount(input) === 784;
  const digitLabels = !output.labels || output.labels.every((label, index) => label === String(index));
  return (
    image28 &&
    input.dtype === "uint8" &&
    output.task === "classify" &&
    output.count === 10 &&
    digitLabels &&
    inputCount(input) === 784
  );
}
