import { bytesToHex, hexToBytes, type Hex } from "viem";
import { decodeInput, encodeInput, type InputEncoding } from "@sovra/circuits/io/input";

/**
 * Inline input encoding carried in a bid's `inputRef` bytes: the model's integer input values, each in the io
 * spec's encoding (`io.input.dtype`: 1 byte up to 8 bits, else 2, little-endian, two's complement when signed).
 * No header: the market's model fixes the layout, and the input hash in the bid binds these bytes to the proof.
 *
 * MNIST models (uint8): exactly 784 bytes, the 28x28 grayscale pixels row-major (0 = background, 255 = ink, as in
 * the MNIST data set): the bytes are the values.
 */
export const MNIST_PIXELS = 28 * 28;

const UINT8: InputEncoding = { bits: 8, signed: false };

/** Encodes 784 MNIST pixels (0..255) as `inputRef` bytes. */
export function encodeMnistInput(pixels: ArrayLike<number>): Hex {
  if (pixels.length !== MNIST_PIXELS)
    throw new Error(`an MNIST input has ${MNIST_PIXELS} pixels, got ${pixels.length}`);
  for (let i = 0; i < MNIST_PIXELS; i++) {
    const value = pixels[i] as number;
    if (!Number.isInteger(value) || value < 0 || value > 255)
      throw new Error(`pixel ${i} is ${value}: expected an integer 0..255`);
  }
  return encodeInputRef(pixels, UINT8);
}

/** Encodes a model's integer input values as `inputRef` bytes (throws on a value outside the encoding). */
export function encodeInputRef(values: ArrayLike<number>, encoding: InputEncoding): Hex {
  return bytesToHex(encodeInput(values, encoding));
}

/**
 * Decodes `inputRef` bytes into the model's integer input values. Throws when their number is not the model's
 * input size in bytes, or a value is outside the encoding's range (a bad input: the job is declined).
 */
export function decodeInputRef(
  inputRef: Hex | Uint8Array,
  inputBytes: number,
  encoding: InputEncoding = UINT8,
): number[] {
  const bytes = typeof inputRef === "string" ? hexToBytes(inputRef) : inputRef;
  if (bytes.length !== inputBytes)
    throw new Error(`inputRef must hold the model's ${inputBytes} input bytes, got ${bytes.length}`);
  return decodeInput(bytes, encoding);
}

/** Index of the largest value (the predicted class of a classifier's scores). */
export function argmax(values: ArrayLike<number | bigint>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++)
    if ((values[i] as number | bigint) > (values[best] as number | bigint)) best = i;
  return best;
}
