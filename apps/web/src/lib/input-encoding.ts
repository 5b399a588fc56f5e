// How a drawn digit becomes a bid: 784 uint8 pixels (28x28, row-major, 0 = background, 255 = ink), the bid's
// `inputRef` (those bytes, so the provider reads the input from calldata) and `inputHash`, the Poseidon hash
// the model circuits compute (served by /api/input-hash, see input-hash.ts).
import { bytesToHex, hexToBytes, type Hex } from "viem";
import { z } from "zod";

export const IMAGE_SIDE = 28;
export const INPUT_LENGTH = IMAGE_SIDE * IMAGE_SIDE;
/** BN254 scalar field: every public signal is below it. */
export const SNARK_FIELD = 21888242871839275222246405745257298675808696689019978659933519930858426095617n;

/** RGBA pixels of a square drawing (any side), as a canvas gives them. */
export type Rgba = { width: number; height: number; data: Uint8ClampedArray };

/**
 * Downsamples an RGBA drawing to 28x28 grey levels by area averaging. Ink is what differs from a white
 * background (dark strokes on white, or any opaque colour on a transparent canvas), as MNIST: 255 = ink.
 */
export function encodeRgba(image: Rgba): Uint8Array {
  const out = new Uint8Array(INPUT_LENGTH);
  const { width, height, data } = image;
  for (let y = 0; y < IMAGE_SIDE; y += 1) {
    const y0 = Math.floor((y * height) / IMAGE_SIDE);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * height) / IMAGE_SIDE));
    for (let x = 0; x < IMAGE_SIDE; x += 1) {
      const x0 = Math.floor((x * width) / IMAGE_SIDE);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * width) / IMAGE_SIDE));
      let sum = 0;
      let count = 0;
      for (let sy = y0; sy < y1; sy += 1) {
        for (let sx = x0; sx < x1; sx += 1) {
          const i = (sy * width + sx) * 4;
          const r = data[i] ?? 0;
          const g = data[i + 1] ?? 0;
          const b = data[i + 2] ?? 0;
          const a = (data[i + 3] ?? 0) / 255;
          const luminance = 0.299 * r + 0.587 * g + 0.114 * b;
          // Composite over white, then invert: white paper -> 0, black ink -> 255.
          sum += 255 - (luminance * a + 255 * (1 - a));
          count += 1;
        }
      }
      out[y * IMAGE_SIDE + x] = Math.round(sum / count);
    }
  }
  return out;
}

/** Uploaded input: either `{"pixels":[...784 ints]}` or a bare array of 784 ints in 0..255. */
export const pixelsSchema = z
  .union([z.array(z.number().int().min(0).max(255)), z.object({ pixels: z.array(z.number().int().min(0).max(255)) })])
  .transform((value) => (Array.isArray(value) ? value : value.pixels))
  .refine((pixels) => pixels.length === INPUT_LENGTH, { message: `expected ${INPUT_LENGTH} pixels (28x28)` })
  .transform((pixels) => Uint8Array.from(pixels));

/** Parses uploaded JSON text into pixels; throws with a readable message. */
export function parsePixelsJson(text: string): Uint8Array {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error("the file is not valid JSON");
  }
  const result = pixelsSchema.safeParse(value);
  if (!result.success) throw new Error(result.error.issues[0]?.message ?? "not an MNIST input");
  return result.data;
}

/** True when nothing was drawn. */
export function isBlank(pixels: Uint8Array): boolean {
  return pixels.every((value) => value === 0);
}

/** The bid's `inputRef`: the raw pixels. */
export function inputRefOf(pixels: Uint8Array): Hex {
  if (pixels.length !== INPUT_LENGTH) throw new Error(`expected ${INPUT_LENGTH} pixels`);
  return bytesToHex(pixels);
}

/** Reads pixels back from an `inputRef` (what the provider does). */
export function pixelsFromInputRef(inputRef: Hex): Uint8Array {
  const bytes = hexToBytes(inputRef);
  if (bytes.length !== INPUT_LENGTH) throw new Error(`expected ${INPUT_LENGTH} bytes, got ${bytes.length}`);
  return bytes;
}

/** The bid's `inputHash`: the circuits' Poseidon hash of the pixels, from the dApp's server. */
export async function fetchInputHash(pixels: Uint8Array, fetcher: typeof fetch = fetch): Promise<bigint> {
  const response = await fetcher("/api/input-hash", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ pixels: Array.from(pixels) }),
  });
  const body = (await response.json()) as { inputHash?: string; error?: string };
  if (!response.ok || body.inputHash === undefined) throw new Error(body.error ?? "could not hash the input");
  const hash = BigInt(body.inputHash);
  if (hash < 0n || hash >= SNARK_FIELD) throw new Error("the input hash is not a field element");
  return hash;
}
