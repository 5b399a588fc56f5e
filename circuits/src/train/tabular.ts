// A small tabular classifier, the kind a new user brings: 4 float features (standardized, so signed and
// non-integer), a 4-8-3 MLP (Gemm/Relu/Gemm, opset 13), 3 classes. Synthetic and deterministic (fixed seed): the
// tests, the README's measurements and `scripts/example-tabular.ts` all use it.
import type { FloatLayer } from "../compiler/ir.ts";
import { exportFloatOnnx } from "./export.ts";
import { rng, shuffle } from "./data.ts";
import { Net } from "./net.ts";

export const TABULAR_FEATURES = ["length_cm", "weight_kg", "ratio", "price_usd"] as const;

export interface TabularSet {
  inputs: number[][];
  labels: number[];
}

export interface Tabular {
  /** float ONNX model: input 'features' [N,4], output 'logits' [N,3] */
  onnx: Uint8Array;
  layers: FloatLayer[];
  train: TabularSet;
  heldOut: TabularSet;
  /** float64 accuracy of the trained net on the held-out rows */
  floatAccuracy: number;
}

// Raw units of each feature (mean, spread) and the class centres in spread units: overlapping on purpose, so the
// classifier is good but not perfect and quantization has something to lose.
const UNITS: Array<[number, number]> = [
  [30, 4],
  [70, 12],
  [0.5, 0.08],
  [1200, 300],
];
const CENTRES = [
  [0, 0, 0, 0],
  [1.6, 0.8, -0.9, 0.5],
  [-0.4, 1.5, 1.2, -1.1],
];

function sample(n: number, rand: () => number): { raw: number[][]; labels: number[] } {
  const gauss = (): number => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const raw: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    raw.push(UNITS.map(([m, s], j) => m + s * (CENTRES[c]![j]! + 0.65 * gauss())));
    labels.push(c);
  }
  return { raw, labels };
}

/** Builds the data set and trains the model (about a second). */
export function tabularModel(seed = 10): Tabular {
  const rand = rng(seed);
  const tr = sample(600, rand);
  const ho = sample(300, rand);
  // Standardize with the training statistics: what a scikit-learn pipeline would export in front of the model.
  const mean = UNITS.map((_, j) => tr.raw.reduce((a, r) => a + r[j]!, 0) / tr.raw.length);
  const std = UNITS.map((_, j) => Math.sqrt(tr.raw.reduce((a, r) => a + (r[j]! - mean[j]!) ** 2, 0) / tr.raw.length));
  const z = (rows: number[][]) => rows.map((r) => r.map((v, j) => (v - mean[j]!) / std[j]!));
  const train = { inputs: z(tr.raw), labels: tr.labels };
  const heldOut = { inputs: z(ho.raw), labels: ho.labels };

  const init = (n: number, fanIn: number) =>
    Float64Array.from({ length: n }, () => (rand() * 2 - 1) * Math.sqrt(6 / fanIn));
  const net = new Net(
    [4],
    [
      { op: "dense", node: "fc1", inSize: 4, outSize: 8, w: init(32, 4), b: new Float64Array(8) },
      { op: "relu", node: "relu1" },
      { op: "dense", node: "fc2", inSize: 8, outSize: 3, w: init(24, 8), b: new Float64Array(3) },
    ],
  );
  const idx = train.inputs.map((_, i) => i);
  const batch = 16;
  for (let epoch = 0; epoch < 60; epoch++) {
    const order = shuffle(idx, rand);
    order.forEach((i, k) => {
      net.backward(net.forward(Float64Array.from(train.inputs[i]!)), train.labels[i]!);
      if ((k + 1) % batch === 0 || k === order.length - 1) net.step(0.05 * 0.97 ** epoch, 0.9, batch, 1e-4);
    });
  }
  let ok = 0;
  heldOut.inputs.forEach((x, i) => {
    const out = net.forward(Float64Array.from(x)).at(-1)!;
    let best = 0;
    for (let k = 1; k < out.length; k++) if (out[k]! > out[best]!) best = k;
    if (best === heldOut.labels[i]) ok++;
  });
  const layers = net.floatLayers();
  const onnx = exportFloatOnnx("tabular", [4], layers, { inputName: "features" });
  return { onnx, layers, train, heldOut, floatAccuracy: ok / heldOut.inputs.length };
}
