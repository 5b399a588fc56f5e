// Two real tabular models from the `vega-datasets` package, trained in TypeScript with a fixed seed and a fixed
// split (every 5th complete row held out, in file order), then handed to `sovra-model` as any user would:
// - `penguins`: Palmer penguins species (Adelie, Chinstrap, Gentoo) from 4 body measurements, a 4-8-3 MLP;
// - `mpg`: a car's miles per gallon from 6 of its specs (1970-1982 models), a 6-16-8-1 MLP regressor.
// The float models take STANDARDIZED features, (x - mean) / std with the training split's statistics (written into
// each feature's name). The compiler gives the whole input tensor one scale and zero point: standardized features
// share one range (about -3..3), so each gets the same fine grid, whereas raw millimetres and grams (13 to 6,300)
// would leave the small features a few dozen steps and make int8 weights of very unlike sizes in one tensor.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { z } from "zod";
import type { FloatLayer } from "../compiler/ir.ts";
import { rng, shuffle } from "./data.ts";
import { exportFloatOnnx } from "./export.ts";
import { Net } from "./net.ts";

/** Every HELD_OUT_EVERY-th complete row (indices 4, 9, 14, ...) is held out; the others train and calibrate. */
export const HELD_OUT_EVERY = 5;

export interface Split<Y> {
  inputs: number[][];
  ys: Y[];
}

export interface TabularSource<Y> {
  /** one name per feature, with its unit (buyers give raw values; clients standardize with mean/std) */
  features: string[];
  /** the training split's mean and std of each raw feature (the model takes (x - mean) / std) */
  mean: number[];
  std: number[];
  train: Split<Y>;
  heldOut: Split<Y>;
}

const require = createRequire(import.meta.url);
/** The package exports only its JS entry: its data folder sits next to build/. */
function vegaData(file: string): unknown {
  const entry = require.resolve("vega-datasets");
  return JSON.parse(readFileSync(join(dirname(entry), "..", "data", file), "utf8")) as unknown;
}

const num = z.number().finite().nullable();

const penguinRow = z.object({
  Species: z.enum(["Adelie", "Chinstrap", "Gentoo"]),
  "Beak Length (mm)": num,
  "Beak Depth (mm)": num,
  "Flipper Length (mm)": num,
  "Body Mass (g)": num,
});
export const PENGUIN_CLASSES = ["Adelie", "Chinstrap", "Gentoo"] as const;
const PENGUIN_COLUMNS = [
  ["Beak Length (mm)", "bill length (mm)"],
  ["Beak Depth (mm)", "bill depth (mm)"],
  ["Flipper Length (mm)", "flipper length (mm)"],
  ["Body Mass (g)", "body mass (g)"],
] as const;

const carRow = z.object({
  Miles_per_Gallon: num,
  Cylinders: num,
  Displacement: num,
  Horsepower: num,
  Weight_in_lbs: num,
  Acceleration: num,
  Year: z.string().regex(/^\d{4}-\d\d-\d\d$/),
});
const CAR_COLUMNS = [
  ["Cylinders", "cylinders"],
  ["Displacement", "displacement (cu in)"],
  ["Horsepower", "horsepower (hp)"],
  ["Weight_in_lbs", "weight (lb)"],
  ["Acceleration", "acceleration (s, 0 to 60 mph)"],
  ["Year", "model year"],
] as const;

const round = (v: number, d: number): number => Number(v.toFixed(d));

/** Standardizes with the training rows' mean and (population) std; names each feature with its formula. */
function standardize<Y>(raw: number[][], ys: Y[], names: readonly string[]): TabularSource<Y> {
  const trainIdx = raw.map((_, i) => i).filter((i) => i % HELD_OUT_EVERY !== HELD_OUT_EVERY - 1);
  const heldIdx = raw.map((_, i) => i).filter((i) => i % HELD_OUT_EVERY === HELD_OUT_EVERY - 1);
  const k = names.length;
  // rounded so that the names state exactly the numbers the model was trained with
  const mean = Array.from({ length: k }, (_, j) =>
    round(trainIdx.reduce((a, i) => a + raw[i]![j]!, 0) / trainIdx.length, 3),
  );
  const std = Array.from({ length: k }, (_, j) =>
    round(Math.sqrt(trainIdx.reduce((a, i) => a + (raw[i]![j]! - mean[j]!) ** 2, 0) / trainIdx.length), 3),
  );
  const z = (i: number) => raw[i]!.map((v, j) => (v - mean[j]!) / std[j]!);
  return {
    features: [...names],
    mean,
    std,
    train: { inputs: trainIdx.map(z), ys: trainIdx.map((i) => ys[i]!) },
    heldOut: { inputs: heldIdx.map(z), ys: heldIdx.map((i) => ys[i]!) },
  };
}

/** Palmer penguins: 344 rows, 342 with all four measurements; labels are indices into PENGUIN_CLASSES. */
export function penguinsData(): TabularSource<number> {
  const rows = z.array(penguinRow).parse(vegaData("penguins.json"));
  const raw: number[][] = [];
  const labels: number[] = [];
  for (const r of rows) {
    const x = PENGUIN_COLUMNS.map(([c]) => r[c]);
    if (x.some((v) => v === null)) continue;
    raw.push(x as number[]);
    labels.push(PENGUIN_CLASSES.indexOf(r.Species));
  }
  return standardize(
    raw,
    labels,
    PENGUIN_COLUMNS.map(([, name]) => name),
  );
}

/** Cars: 406 rows, 392 with miles per gallon and every spec; the target is miles per gallon. */
export function carsData(): TabularSource<number> {
  const rows = z.array(carRow).parse(vegaData("cars.json"));
  const raw: number[][] = [];
  const mpg: number[] = [];
  for (const r of rows) {
    const x = CAR_COLUMNS.map(([c]) => (c === "Year" ? Number(r.Year.slice(0, 4)) : r[c]));
    if (r.Miles_per_Gallon === null || x.some((v) => v === null)) continue;
    raw.push(x as number[]);
    mpg.push(r.Miles_per_Gallon);
  }
  return standardize(
    raw,
    mpg,
    CAR_COLUMNS.map(([, name]) => name),
  );
}

export interface TrainedTabular<Y> {
  name: string;
  /** float ONNX: input 'features' [N, k], output 'logits' [N, classes] or [N, 1] */
  onnx: Uint8Array;
  layers: FloatLayer[];
  data: TabularSource<Y>;
  outputNames: string[];
  task: "classify" | "regress";
  /** float64 held-out accuracy (classifier) or mean absolute error (regressor) of the trained net */
  floatHeldOut: number;
}

function mlp(sizes: number[], rand: () => number): Net {
  const layers: FloatLayer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const [a, b] = [sizes[i]!, sizes[i + 1]!];
    const w = Float64Array.from({ length: a * b }, () => (rand() * 2 - 1) * Math.sqrt(6 / a));
    layers.push({ op: "dense", node: `fc${i + 1}`, inSize: a, outSize: b, w, b: new Float64Array(b) });
    if (i + 2 < sizes.length) layers.push({ op: "relu", node: `relu${i + 1}` });
  }
  return new Net([sizes[0]!], layers);
}

/** Minibatch SGD with momentum and a decaying step; `loss` accumulates one row's gradients. */
function sgd(net: Net, rows: number, rand: () => number, epochs: number, lr: number, loss: (i: number) => void): void {
  const idx = Array.from({ length: rows }, (_, i) => i);
  const batch = 16;
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffle(idx, rand).forEach((i, k) => {
      loss(i);
      if ((k + 1) % batch === 0 || k === rows - 1) net.step(lr * 0.98 ** epoch, 0.9, batch, 1e-4);
    });
  }
}

const argmax = (v: ArrayLike<number>): number => {
  let best = 0;
  for (let k = 1; k < v.length; k++) if (v[k]! > v[best]!) best = k;
  return best;
};

/** The penguins classifier: 4-8-3 MLP (Gemm/Relu/Gemm), softmax cross-entropy, seed 7. */
export function trainPenguins(seed = 7): TrainedTabular<number> {
  const data = penguinsData();
  const rand = rng(seed);
  const net = mlp([4, 8, 3], rand);
  const { inputs, ys } = data.train;
  sgd(net, inputs.length, rand, 80, 0.05, (i) => {
    net.backward(net.forward(Float64Array.from(inputs[i]!)), ys[i]!);
  });
  const ok = data.heldOut.inputs.filter(
    (x, i) => argmax(net.forward(Float64Array.from(x)).at(-1)!) === data.heldOut.ys[i],
  ).length;
  const layers = net.floatLayers();
  return {
    name: "penguins",
    onnx: exportFloatOnnx("penguins", [4], layers, { inputName: "features" }),
    layers,
    data,
    outputNames: [...PENGUIN_CLASSES],
    task: "classify",
    floatHeldOut: ok / data.heldOut.inputs.length,
  };
}

/**
 * The mpg regressor: 6-16-8-1 MLP, squared error on the standardized target, seed 11. The target's standardization
 * is folded into the last layer afterwards, so that the ONNX model outputs miles per gallon.
 */
export function trainMpg(seed = 11): TrainedTabular<number> {
  const data = carsData();
  const rand = rng(seed);
  const net = mlp([6, 16, 8, 1], rand);
  const { inputs, ys } = data.train;
  const my = ys.reduce((a, v) => a + v, 0) / ys.length;
  const sy = Math.sqrt(ys.reduce((a, v) => a + (v - my) ** 2, 0) / ys.length);
  sgd(net, inputs.length, rand, 150, 0.01, (i) => {
    net.backwardSquared(net.forward(Float64Array.from(inputs[i]!)), [(ys[i]! - my) / sy]);
  });
  const layers = net.floatLayers();
  const last = layers.at(-1)!;
  if (last.op !== "dense") throw new Error("the regressor must end in a dense layer");
  for (let i = 0; i < last.w.length; i++) last.w[i]! *= sy;
  for (let i = 0; i < last.b.length; i++) last.b[i] = last.b[i]! * sy + my;
  const out = new Net([6], layers);
  const err = data.heldOut.inputs.reduce(
    (a, x, i) => a + Math.abs(out.forward(Float64Array.from(x)).at(-1)![0]! - data.heldOut.ys[i]!),
    0,
  );
  return {
    name: "mpg",
    onnx: exportFloatOnnx("mpg", [6], layers, { inputName: "features" }),
    layers,
    data,
    outputNames: ["miles per gallon"],
    task: "regress",
    floatHeldOut: err / data.heldOut.inputs.length,
  };
}
