// digits-cnn: the larger MNIST CNN of the ZK tier (a 2^17 ptau), with a MaxPool. Its cost in constraints is where
// a value is rescaled (every ReLU output) or compared (every MaxPool comparison), so each pool sits before its
// ReLU: the first one a sum pool (free), the second a max pool on 4x4 values per channel instead of a ReLU on 8x8.
// The Gemms cost only their outputs' ReLUs, hence a hidden layer. With the shape of DIGITS_CNN_TRAINING:
//   conv1 8@5x5 (8x24x24) -> AveragePool 2x2/2 (8x12x12) -> Relu
//   conv2 24@5x5 (24x8x8) -> MaxPool 2x2/2 (24x4x4) -> Relu -> Flatten (384)
//   Gemm 384->96 -> Relu -> Gemm 96->10
import type { FloatLayer } from "../compiler/ir.ts";
import { argmax } from "../compiler/reference.ts";
import { type Sample, rng, shiftDigit, shuffle } from "./data.ts";
import { Net } from "./net.ts";

export const DIGITS_CNN = "digits-cnn";
export const DIGITS_CNN_SEED = 10;

function heUniform(n: number, fanIn: number, rand: () => number): Float64Array {
  const a = Math.sqrt(6 / fanIn);
  return Float64Array.from({ length: n }, () => (rand() * 2 - 1) * a);
}

/** Channels of the two convs and width of the hidden Gemm. */
export interface DigitsCnnShape {
  c1: number;
  c2: number;
  hidden: number;
}

export function digitsCnnLayers(rand: () => number, { c1, c2, hidden }: DigitsCnnShape): FloatLayer[] {
  return [
    {
      op: "conv",
      node: "conv1",
      inShape: [1, 28, 28],
      outShape: [c1, 24, 24],
      kernel: [5, 5],
      stride: [1, 1],
      pads: [0, 0, 0, 0],
      w: heUniform(c1 * 25, 25, rand),
      b: new Float64Array(c1),
    },
    { op: "avgpool", node: "pool1", inShape: [c1, 24, 24], outShape: [c1, 12, 12], kernel: [2, 2], stride: [2, 2] },
    { op: "relu", node: "relu1" },
    {
      op: "conv",
      node: "conv2",
      inShape: [c1, 12, 12],
      outShape: [c2, 8, 8],
      kernel: [5, 5],
      stride: [1, 1],
      pads: [0, 0, 0, 0],
      w: heUniform(c2 * c1 * 25, c1 * 25, rand),
      b: new Float64Array(c2),
    },
    { op: "maxpool", node: "pool2", inShape: [c2, 8, 8], outShape: [c2, 4, 4], kernel: [2, 2], stride: [2, 2] },
    { op: "relu", node: "relu2" },
    { op: "flatten", node: "flatten", inShape: [c2, 4, 4], outShape: [c2 * 16] },
    {
      op: "dense",
      node: "fc1",
      inSize: c2 * 16,
      outSize: hidden,
      w: heUniform(c2 * 16 * hidden, c2 * 16, rand),
      b: new Float64Array(hidden),
    },
    { op: "relu", node: "relu3" },
    {
      op: "dense",
      node: "fc2",
      inSize: hidden,
      outSize: 10,
      w: heUniform(hidden * 10, hidden, rand),
      b: new Float64Array(10),
    },
  ];
}

export interface TrainOptions {
  shape: DigitsCnnShape;
  epochs: number;
  batch: number;
  /** Adam learning rate of the first epoch; it decays by `lrDecay` per epoch */
  lr: number;
  lrDecay: number;
  weightDecay: number;
  /** each training digit is shifted by a uniform random offset in [-maxShift, maxShift] on each axis */
  maxShift: number;
  seed: number;
}

export const DIGITS_CNN_TRAINING: TrainOptions = {
  shape: { c1: 8, c2: 24, hidden: 96 },
  epochs: 15,
  batch: 32,
  lr: 2e-3,
  lrDecay: 0.82,
  weightDecay: 1e-4,
  maxShift: 1,
  seed: DIGITS_CNN_SEED,
};

const toUnit = (p: Uint8Array): Float64Array => Float64Array.from(p, (v) => v / 255);

/** Float top-1 accuracy of the net on the samples. */
export function floatAccuracy(net: Net, samples: readonly Sample[]): number {
  let ok = 0;
  for (const s of samples) if (argmax(net.forward(toUnit(s.pixels)).at(-1)!) === s.label) ok++;
  return ok / samples.length;
}

/**
 * Trains digits-cnn from a fixed seed: deterministic on one platform (float64 in a fixed order; Math.exp/sqrt may
 * differ in the last bit elsewhere). `onEpoch` sees the mean loss and, when `heldOut` is given, its accuracy.
 */
export function trainDigitsCnn(
  train: readonly Sample[],
  o: TrainOptions = DIGITS_CNN_TRAINING,
  onEpoch?: (epoch: number, loss: number) => void,
): Net {
  const rand = rng(o.seed);
  const net = new Net([1, 28, 28], digitsCnnLayers(rand, o.shape));
  const span = 2 * o.maxShift + 1;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const lr = o.lr * o.lrDecay ** epoch;
    let loss = 0;
    const order = shuffle([...train], rand);
    for (let i = 0; i < order.length; i++) {
      const s = order[i]!;
      const dx = Math.floor(rand() * span) - o.maxShift;
      const dy = Math.floor(rand() * span) - o.maxShift;
      loss += net.backward(net.forward(toUnit(shiftDigit(s.pixels, dx, dy))), s.label);
      // the last batch of an epoch may be short: average over what it holds
      if ((i + 1) % o.batch === 0 || i === order.length - 1) net.adam(lr, (i % o.batch) + 1, o.weightDecay);
    }
    onEpoch?.(epoch, loss / order.length);
  }
  return net;
}
