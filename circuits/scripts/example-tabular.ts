// Writes the tabular example a new user would bring (src/train/tabular.ts): DIR/tabular.onnx (4-8-3 MLP,
// Gemm/Relu/Gemm, opset 13), DIR/calib.json (the 600 training rows, standardized features), DIR/data.json (300
// held-out rows with labels), DIR/input.json (the first held-out row).
// Usage: node scripts/example-tabular.ts DIR   then   npx sovra-model compile DIR/tabular.onnx --calibration ...
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TABULAR_FEATURES, tabularModel } from "../src/train/tabular.ts";

const dir = process.argv[2];
if (dir === undefined) {
  console.error("usage: node scripts/example-tabular.ts DIR");
  process.exit(1);
}
const tab = tabularModel();
mkdirSync(dir, { recursive: true });
const json = (v: unknown) => `${JSON.stringify(v)}\n`;
writeFileSync(join(dir, "tabular.onnx"), tab.onnx);
writeFileSync(join(dir, "calib.json"), json({ inputs: tab.train.inputs, features: TABULAR_FEATURES }));
writeFileSync(join(dir, "data.json"), json(tab.heldOut));
writeFileSync(join(dir, "input.json"), json({ input: tab.heldOut.inputs[0] }));
console.log(
  `wrote ${dir}/tabular.onnx, calib.json, data.json, input.json (float held-out accuracy ${(tab.floatAccuracy * 100).toFixed(2)}%)`,
);
