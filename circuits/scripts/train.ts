// Trains the Sovra MNIST models on the `mnist` package digits (fixed seed) and writes models/<m>/float.onnx.
// Usage: node scripts/train.ts [mlp|cnn ...]
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadDigits, rng, shuffle } from "../src/train/data.ts";
import { buildNet, MODEL_NAMES, type ModelName } from "../src/train/models.ts";
import { exportFloatOnnx } from "../src/train/export.ts";
import { modelDir } from "../src/prover/paths.ts";

const names = (process.argv.slice(2).length ? process.argv.slice(2) : [...MODEL_NAMES]) as ModelName[];
const { train, heldOut } = loadDigits();
const EPOCHS: Record<ModelName, number> = { mlp: 12, cnn: 12 };

for (const name of names) {
  const rand = rng(name === "mlp" ? 1 : 2);
  const net = buildNet(name, rand);
  const toX = (p: Uint8Array) => Float64Array.from(p, (v) => v / 255);
  const t0 = Date.now();
  const batch = 32;
  for (let epoch = 0; epoch < EPOCHS[name]; epoch++) {
    const lr = 0.05 * 0.8 ** epoch;
    let loss = 0;
    const order = shuffle(train, rand);
    for (let i = 0; i < order.length; i++) {
      const s = order[i]!;
      loss += net.backward(net.forward(toX(s.pixels)), s.label);
      if ((i + 1) % batch === 0 || i === order.length - 1) net.step(lr, 0.9, batch, 1e-4);
    }
    let ok = 0;
    for (const s of heldOut) {
      const out = net.forward(toX(s.pixels)).at(-1)!;
      let best = 0;
      for (let k = 1; k < 10; k++) if (out[k]! > out[best]!) best = k;
      if (best === s.label) ok++;
    }
    console.log(
      `${name} epoch ${epoch + 1}: loss ${(loss / order.length).toFixed(4)}, held-out accuracy ${((100 * ok) / heldOut.length).toFixed(2)}% (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
    );
  }
  const dir = modelDir(name);
  mkdirSync(dir, { recursive: true });
  const inputShape = name === "mlp" ? [784] : [1, 28, 28];
  writeFileSync(join(dir, "float.onnx"), exportFloatOnnx(name, inputShape, net.floatLayers()));
  console.log(`wrote ${join(dir, "float.onnx")}`);
}
