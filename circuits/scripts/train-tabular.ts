// `npm run train:tabular -w circuits`: trains the two tabular models of src/train/vega.ts (fixed seeds, fixed split:
// every 5th complete row of the vega-datasets file held out) and writes, for each, the files a user hands to
// `sovra-model`: sources/<name>/float.onnx, calib.json (the training rows, standardized as the model takes them,
// with the raw feature names, their standardization, output names and task), data.json (the held-out rows,
// standardized: {"inputs","labels"} or {"inputs","targets"}) and input.json (the first held-out row in raw units). Deterministic: a rerun writes the same bytes. Then (README, "Shipped models"):
//   npx sovra-model compile sources/penguins/float.onnx --calibration sources/penguins/calib.json \
//     --data sources/penguins/data.json --out models/penguins --name penguins --verifiers ../contracts/contracts/verifiers
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../src/prover/paths.ts";
import { type TrainedTabular, trainMpg, trainPenguins } from "../src/train/vega.ts";

const json = (v: unknown): string => `${JSON.stringify(v)}\n`;

function write(m: TrainedTabular<number>): void {
  const dir = join(PACKAGE_ROOT, "sources", m.name);
  mkdirSync(dir, { recursive: true });
  const { train, heldOut, features, mean, std } = m.data;
  writeFileSync(join(dir, "float.onnx"), m.onnx);
  writeFileSync(
    join(dir, "calib.json"),
    json({ inputs: train.inputs, features, standardize: { mean, std }, outputNames: m.outputNames, task: m.task }),
  );
  const ys = m.task === "classify" ? { labels: heldOut.ys } : { targets: heldOut.ys };
  writeFileSync(join(dir, "data.json"), json({ inputs: heldOut.inputs, ...ys }));
  // INPUT.json is what a buyer gives: raw units (the manifest's standardize maps them to the model's).
  const raw = heldOut.inputs[0]!.map((z, j) => Math.round((z * std[j]! + mean[j]!) * 1000) / 1000);
  writeFileSync(join(dir, "input.json"), json({ input: raw }));
  const figure =
    m.task === "classify"
      ? `held-out accuracy ${(m.floatHeldOut * 100).toFixed(2)}%`
      : `held-out mean abs error ${m.floatHeldOut.toFixed(3)} ${m.outputNames[0]}`;
  console.log(
    `${m.name}: ${train.inputs.length} training rows, ${heldOut.inputs.length} held out; float ${figure} -> ${dir}`,
  );
}

write(trainPenguins());
write(trainMpg());
