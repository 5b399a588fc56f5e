// Intermediate representations shared by the compiler's passes.
import { z } from "zod";

/** Shape of one example without the batch dimension: [features] or [channels, height, width]. */
export type Shape = number[];

/** A float layer, as read from ONNX (weights as float32 numbers). */
export type FloatLayer =
  | { op: "dense"; node: string; inSize: number; outSize: number; w: Float64Array; b: Float64Array }
  | {
      op: "conv";
      node: string;
      inShape: [number, number, number];
      outShape: [number, number, number];
      kernel: [number, number];
      stride: [number, number];
      pads: [number, number, number, number];
      w: Float64Array;
      b: Float64Array;
    }
  | {
      op: "avgpool";
      node: string;
      inShape: [number, number, number];
      outShape: [number, number, number];
      kernel: [number, number];
      stride: [number, number];
    }
  | {
      op: "maxpool";
      node: string;
      inShape: [number, number, number];
      outShape: [number, number, number];
      kernel: [number, number];
      stride: [number, number];
    }
  // Residual Add: y = x + (output of layer `from`; -1: the model's input), same shape.
  | { op: "add"; node: string; from: number }
  // Flatten or Reshape: pure re-indexing of the row-major values (outShape has the same size as inShape).
  | { op: "flatten"; node: string; inShape: Shape; outShape: Shape }
  | { op: "relu"; node: string };

export interface FloatModel {
  inputName: string;
  outputName: string;
  inputShape: Shape;
  layers: FloatLayer[];
  /** the graph ended in a Softmax over the flat output: the layers compute its logits (the Softmax is not in them) */
  softmax?: boolean;
}

const int = z.number().int();
const shape3 = z.tuple([int.positive(), int.positive(), int.positive()]);
const pair = z.tuple([int.positive(), int.positive()]);

export const intLayerSchema = z.discriminatedUnion("op", [
  z.object({
    op: z.literal("dense"),
    node: z.string(),
    inSize: int.positive(),
    outSize: int.positive(),
    w: z.array(int.min(-127).max(127)),
    b: z.array(int),
  }),
  z.object({
    op: z.literal("conv"),
    node: z.string(),
    inShape: shape3,
    outShape: shape3,
    kernel: pair,
    stride: pair,
    pads: z.tuple([int.min(0), int.min(0), int.min(0), int.min(0)]),
    w: z.array(int.min(-127).max(127)),
    b: z.array(int),
  }),
  z.object({
    op: z.literal("sumpool"),
    node: z.string(),
    inShape: shape3,
    outShape: shape3,
    kernel: pair,
    stride: pair,
  }),
  // y = max over each kernel window (no padding): comparisons in the circuit, exact in float32.
  z.object({
    op: z.literal("maxpool"),
    node: z.string(),
    inShape: shape3,
    outShape: shape3,
    kernel: pair,
    stride: pair,
  }),
  // Residual Add of two branches: y = x * 2^mainShift + skip * 2^skipShift, skip = the output of layer `from` (-1: the
  // input less its zero point). The layer before is linear with its weight scale chosen so that both sides meet at
  // one scale by a power of 2 (quantize.ts): exact integers, free in the circuit.
  z.object({
    op: z.literal("add"),
    node: z.string(),
    from: int.min(-1),
    mainShift: int.min(0).max(24),
    skipShift: int.min(0).max(24),
  }),
  // pure re-indexing of the row-major values: ONNX Flatten (axis 1) when outShape is flat, else Reshape.
  z.object({
    op: z.literal("flatten"),
    node: z.string(),
    inShape: z.array(int.positive()),
    outShape: z.array(int.positive()),
  }),
  // y = clamp(floor((x + round) / 2^shift), 0, hi), round = 2^(shift-1) (0 when shift = 0).
  z.object({ op: z.literal("requant"), node: z.string(), shift: int.min(0).max(40), hi: int.positive() }),
]);
export type IntLayer = z.infer<typeof intLayerSchema>;

export const intModelSchema = z.object({
  format: z.literal("sovra-int-model/1"),
  name: z.string().regex(/^[a-z][a-z0-9_]*$/),
  input: z.object({
    name: z.string(),
    shape: z.array(int.positive()),
    /** Each input value is an integer of this many bits (uint8 pixels: 8), unsigned unless `signed`. */
    bits: int.min(1).max(16),
    /** real value = (integer - zeroPoint) * scale */
    scale: z.number().positive(),
    /** two's complement range [-2^(bits-1), 2^(bits-1) - 1]; absent (false) for the MNIST models */
    signed: z.literal(true).optional(),
    /** integer that stands for the real value 0; absent (0) for the MNIST models */
    zeroPoint: int.optional(),
  }),
  layers: z.array(intLayerSchema).min(1),
  output: z.object({
    name: z.string(),
    shape: z.array(int.positive()),
    /** real value (float logits) ~= integer * scale */
    scale: z.number().positive(),
    /**
     * the float model ended in a Softmax: the output is its logits (the argmax is the same); the buyer may compute
     * softmax(integer * scale). Absent (false) for the MNIST models.
     */
    softmax: z.literal(true).optional(),
  }),
});
export type IntModel = z.infer<typeof intModelSchema>;

/** Closed integer interval per tensor element. */
export interface Interval {
  lo: number[];
  hi: number[];
}

export const size = (s: Shape): number => s.reduce((a, b) => a * b, 1);

/** How the input integers are read: width, signedness, real value = (q - zeroPoint) * scale. */
export interface InputQuant {
  bits: number;
  signed: boolean;
  scale: number;
  zeroPoint: number;
}

/** The input quantization of an integer model (its optional fields filled in). */
export const inputQuantOf = (m: IntModel): InputQuant => ({
  bits: m.input.bits,
  signed: m.input.signed === true,
  scale: m.input.scale,
  zeroPoint: m.input.zeroPoint ?? 0,
});

/** Smallest and largest input integer of a quantization. */
export const inputRange = (q: Pick<InputQuant, "bits" | "signed">): { min: number; max: number } =>
  q.signed ? { min: -(2 ** (q.bits - 1)), max: 2 ** (q.bits - 1) - 1 } : { min: 0, max: 2 ** q.bits - 1 };
