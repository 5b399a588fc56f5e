import { readFileSync } from "node:fs";
import { inflateSync } from "node:zlib";
import { z } from "zod";
import { MNIST_PIXELS } from "./input.ts";

/** A decoded 8-bit grayscale image. */
export type GrayImage = { width: number; height: number; pixels: Uint8Array };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Decodes a non-interlaced 8-bit PNG (grayscale, gray+alpha, RGB, RGBA) to grayscale. Transparent pixels
 * count as white background, which is how drawn digits are usually saved.
 */
export function decodePng(data: Uint8Array): GrayImage {
  const buf = Buffer.from(data);
  if (!buf.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error("not a PNG file");
  let offset = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Buffer[] = [];
  while (offset < buf.length) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString("ascii", offset + 4, offset + 8);
    const body = buf.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const depth = body[8];
      colorType = body[9] ?? -1;
      if (depth !== 8) throw new Error(`PNG bit depth ${depth} not supported (save as 8-bit)`);
      if (body[12] !== 0) throw new Error("interlaced PNG not supported");
    } else if (type === "IDAT") idat.push(body);
    else if (type === "IEND") break;
    offset += 12 + length;
  }
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (channels === undefined) throw new Error(`PNG color type ${colorType} not supported (palette images: save as RGB or grayscale)`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const rows = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x] as number;
      const left = x >= channels ? (rows[y * stride + x - channels] as number) : 0;
      const up = y > 0 ? (rows[(y - 1) * stride + x] as number) : 0;
      const upLeft = y > 0 && x >= channels ? (rows[(y - 1) * stride + x - channels] as number) : 0;
      const predictor = filter === 0 ? 0 : filter === 1 ? left : filter === 2 ? up : filter === 3 ? (left + up) >> 1 : paeth(left, up, upLeft);
      rows[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const p = i * channels;
    const gray = channels >= 3 ? 0.299 * (rows[p] as number) + 0.587 * (rows[p + 1] as number) + 0.114 * (rows[p + 2] as number) : (rows[p] as number);
    const alpha = channels === 2 ? (rows[p + 1] as number) : channels === 4 ? (rows[p + 3] as number) : 255;
    pixels[i] = Math.round((gray * alpha + 255 * (255 - alpha)) / 255);
  }
  return { width, height, pixels };
}

/**
 * Turns a picture of a digit into MNIST's 28x28 layout: white ink on black, the digit's bounding box scaled
 * to fit 20x20 and centred, as MNIST was prepared. Dark-on-light pictures are inverted.
 */
export function toMnistPixels(image: GrayImage): Uint8Array {
  const { width, height } = image;
  let sum = 0;
  for (const v of image.pixels) sum += v;
  const invert = sum / image.pixels.length > 127;
  const ink = (x: number, y: number): number => {
    const v = image.pixels[y * width + x] as number;
    return invert ? 255 - v : v;
  };
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (ink(x, y) > 32) {
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
  const out = new Uint8Array(MNIST_PIXELS);
  if (maxX < 0) return out;
  const boxW = maxX - minX + 1;
  const boxH = maxY - minY + 1;
  const scale = 20 / Math.max(boxW, boxH);
  const outW = Math.max(1, Math.round(boxW * scale));
  const outH = Math.max(1, Math.round(boxH * scale));
  const left = Math.floor((28 - outW) / 2);
  const top = Math.floor((28 - outH) / 2);
  // Area average: each output pixel takes the mean of the source pixels it covers.
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      const x0 = minX + Math.floor((ox * boxW) / outW);
      const x1 = Math.max(x0 + 1, minX + Math.floor(((ox + 1) * boxW) / outW));
      const y0 = minY + Math.floor((oy * boxH) / outH);
      const y1 = Math.max(y0 + 1, minY + Math.floor(((oy + 1) * boxH) / outH));
      let total = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) total += ink(x, y);
      out[(top + oy) * 28 + left + ox] = Math.round(total / ((x1 - x0) * (y1 - y0)));
    }
  }
  return out;
}

const jsonInput = z.union([
  z.array(z.number().int().min(0).max(255)).length(MNIST_PIXELS),
  z.array(z.array(z.number().int().min(0).max(255)).length(28)).length(28),
  z.object({ pixels: z.array(z.number().int().min(0).max(255)).length(MNIST_PIXELS) }),
]);

/**
 * Reads an MNIST input from a file: a PNG picture of a digit, or JSON holding 784 pixels (flat array,
 * 28 rows of 28, or `{ "pixels": [...] }`, values 0..255, white ink on black).
 */
export function readMnistInputFile(file: string): Uint8Array {
  const data = readFileSync(file);
  if (data.subarray(0, 8).equals(PNG_SIGNATURE)) return toMnistPixels(decodePng(data));
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString("utf8"));
  } catch {
    throw new Error(`${file}: expected a PNG image or a JSON array of ${MNIST_PIXELS} pixels`);
  }
  const result = jsonInput.safeParse(parsed);
  if (!result.success) throw new Error(`${file}: expected ${MNIST_PIXELS} integers 0..255 (flat, 28x28, or {"pixels": [...]})`);
  const value = result.data;
  const flat = Array.isArray(value) ? value.flat() : value.pixels;
  return Uint8Array.from(flat);
}
