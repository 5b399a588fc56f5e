import type { InputQuant } from "../compiler/ir.ts";
import type { Sample } from "./data.ts";

/** Every CALIBRATION_STRIDE-th training digit calibrates the quantizer (1,000 digits). */
export const CALIBRATION_STRIDE = 8;

/** The MNIST models' input quantization: uint8 pixels, real value = pixel / 255 (what the compiler picks for them). */
export const PIXELS: InputQuant = { bits: 8, signed: false, scale: 1 / 255, zeroPoint: 0 };

/** Pixels in the float models' own units (the compiler's calibration and evaluation units). */
export const pixelsToUnit = (p: ArrayLike<number>): number[] => Array.from(p, (v) => v / 255);

/** The MNIST calibration rows, in the float models' units. */
export const mnistCalibration = (train: readonly Sample[]): number[][] =>
  train.filter((_, i) => i % CALIBRATION_STRIDE === 0).map((s) => pixelsToUnit(s.pixels));
