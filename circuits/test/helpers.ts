import { readFileSync } from "node:fs";
import { join } from "node:path";
import { modelDir } from "../src/prover/paths.ts";
import { loadDigits, rng } from "../src/train/data.ts";
import { mnistCalibration } from "../src/train/calibration.ts";

export const digits = loadDigits();
/** The MNIST calibration rows in the float models' units (pixel / 255), as scripts/build.ts passes them. */
export const calibration = mnistCalibration(digits.train);
export const readModelFile = (name: string, file: string): Uint8Array =>
  new Uint8Array(readFileSync(join(modelDir(name), file)));

/** n random uint8 inputs: half uniform noise, half sparse strokes (closer to digits). */
export function randomInputs(n: number, size: number, seed: number): Uint8Array[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, k) => {
    const x = new Uint8Array(size);
    if (k % 2 === 0) for (let i = 0; i < size; i++) x[i] = Math.floor(r() * 256);
    else for (let i = 0; i < size; i++) x[i] = r() < 0.2 ? Math.floor(r() * 256) : 0;
    return x;
  });
}
