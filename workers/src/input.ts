import { bytesToHex, hexToBytes, type Hex } from "viem";

/**
 * Inline input encoding carried in a bid's `inputRef` bytes.
 *
 * MNIST models (`mnist-*`): exactly 784 bytes, the 28x28 grayscale pixels row-major, one unsigned byte each
 * (0 = background, 255 = ink, as in the MNIST data set). No header: the market's model fixes the layout, and
 * the input hash in the bid binds these bytes to the proof.
 */
export const MNIST_PIXELS = 28 * 28;

/** Encodes 784 MNIST pixels (0..255) as `inputRef` bytes. */
export function encodeMnistInput(pixels: ArrayLike<number>): Hex {
  if (pixels.length !== MNIST_PIXELS)
    throw new Error(`an MNIST input has ${MNIST_PIXELS} pixels, got ${pixels.length}`);
  const bytes = new Uint8Array(MNIST_PIXELS);
  for (let i = 0; i < MNIST_PIXELS; i++) {
    const value = pixels[i] as number;
    if (!Number.isInteger(value) || value < 0 || value > 255)
      throw new Error(`pixel ${i} is ${value}: expected an integer 0..255`);
    bytes[i] = value;
  }
  return bytesToHex(bytes);
}

/**
 * Decodes `inputRef` bytes into the model's input. Every model served today takes uint8 values (pixels),
 * carried inline and raw: the bytes are the input. Throws when their number is not the model's input size.
 */
export function decodeInputRef(inputRef: Hex | Uint8Array, inputBytes: number): Uint8Array {
  const bytes = typeof inputRef === "string" ? hexToBytes(inputRef) : inputRef;
  if (bytes.length !== inputBytes)
    throw new Error(`inputRef must hold the model's ${inputBytes} input bytes, got ${bytes.length}`);
  return bytes;
}

/** Index of the largest value (the predicted class of a classifier's scores). */
export function argmax(values: ArrayLike<number | bigint>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++)
    if ((values[i] as number | bigint) > (values[best] as number | bigint)) best = i;
  return best;
}
