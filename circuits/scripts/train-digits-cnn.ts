// Trains digits-cnn (src/train/digits-cnn.ts: conv, sum pool, conv, MaxPool, two Gemms; fixed seed) on the 8,000
// training digits and writes its source folder, what `sovra-model compile` takes:
//   sources/digits-cnn/float.onnx   the float model (committed)
//   sources/digits-cnn/input.json   {"input": [...]}: the first held-out digit (committed)
//   sources/digits-cnn/calib.json   {"image", "outputNames", "task", "inputs": [...]}: 1,000 training digits (every 8th),
//                                   pixels / 255 (~4 MB: generated)
//   sources/digits-cnn/data.json    {"inputs", "labels"}: the 2,000 held-out digits, pixels / 255 (~8 MB: generated)
// Usage: node scripts/train-digits-cnn.ts [--out DIR]          train, then write every file (DIR: another folder)
//        node scripts/train-digits-cnn.ts --data [--out DIR]   write only input/calib/data.json (no training)
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../src/prover/paths.ts";
import { mnistCalibration, pixelsToUnit } from "../src/train/calibration.ts";
import { loadDigits } from "../src/train/data.ts";
import { DIGITS_CNN, DIGITS_CNN_TRAINING, floatAccuracy, trainDigitsCnn } from "../src/train/digits-cnn.ts";
import { exportFloatOnnx } from "../src/train/export.ts";

const args = process.argv.slice(2);
const outIdx = args.indexOf("--out");
const outDir = outIdx >= 0 ? args[outIdx + 1] : join(PACKAGE_ROOT, "sources", DIGITS_CNN);
const rest = args.filter((_, i) => outIdx < 0 || (i !== outIdx && i !== outIdx + 1));
if (args.includes("--help") || outDir === undefined || rest.some((a) => a !== "--data")) {
  console.log(
    "usage: node scripts/train-digits-cnn.ts [--data] [--out DIR]   (--data: only the JSON files, no training; " +
      "DIR: default sources/digits-cnn)",
  );
  process.exit(args.includes("--help") ? 0 : 1);
}
const dir = outDir;
mkdirSync(dir, { recursive: true });
const { train, heldOut } = loadDigits();
const json = (v: unknown) => `${JSON.stringify(v)}\n`;

if (!args.includes("--data")) {
  const t0 = performance.now();
  const secs = () => ((performance.now() - t0) / 1000).toFixed(0);
  const net = trainDigitsCnn(train, DIGITS_CNN_TRAINING, (epoch, loss) =>
    console.log(
      `${DIGITS_CNN} epoch ${epoch + 1}/${DIGITS_CNN_TRAINING.epochs}: loss ${loss.toFixed(4)} (${secs()} s)`,
    ),
  );
  const acc = floatAccuracy(net, heldOut);
  console.log(`trained in ${secs()} s; float held-out accuracy ${(acc * 100).toFixed(2)}% (${heldOut.length} digits)`);
  writeFileSync(join(dir, "float.onnx"), exportFloatOnnx("digits_cnn", [1, 28, 28], net.floatLayers()));
}
writeFileSync(join(dir, "input.json"), json({ input: pixelsToUnit(heldOut[0]!.pixels) }));
// what the compiler puts in the io spec: an image field in the dApp, a PNG for `sovra bid`, digits as class names
const meta = {
  image: { height: 28, width: 28, channels: 1 },
  outputNames: Array.from({ length: 10 }, (_, d) => String(d)),
  task: "classify",
};
writeFileSync(join(dir, "calib.json"), json({ ...meta, inputs: mnistCalibration(train) }));
writeFileSync(
  join(dir, "data.json"),
  json({ inputs: heldOut.map((s) => pixelsToUnit(s.pixels)), labels: heldOut.map((s) => s.label) }),
);
console.log(`wrote ${dir}/${args.includes("--data") ? "" : "float.onnx, "}input.json, calib.json, data.json`);
