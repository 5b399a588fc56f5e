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

/** A decoded 8-bit RGB image, composited on white (3 values per pixel, row-major). */
export type RgbImage = { width: number; height: number; rgb: Uint8Array };

/** A PNG's rows after unfiltering: `channels` bytes per pixel (gray, gray+alpha, RGB or RGBA). */
function unfilterPng(data: Uint8Array): { width: number; height: number; channels: number; rows: Uint8Array } {
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
  if (channels === undefined)
    throw new Error(`PNG color type ${colorType} not supported (palette images: save as RGB or grayscale)`);
  const stride = width * channels;
  // The header bounds the pixel data: a compressed stream that inflates past it is refused, not allocated.
  const raw = inflateSync(Buffer.concat(idat), { maxOutputLength: Math.max(1, (stride + 1) * height) });
  const rows = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x] as number;
      const left = x >= channels ? (rows[y * stride + x - channels] as number) : 0;
      const up = y > 0 ? (rows[(y - 1) * stride + x] as number) : 0;
      const upLeft = y > 0 && x >= channels ? (rows[(y - 1) * stride + x - channels] as number) : 0;
      const predictor =
        filter === 0
          ? 0
          : filter === 1
            ? left
            : filter === 2
              ? up
              : filter === 3
                ? (left + up) >> 1
                : paeth(left, up, upLeft);
      rows[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  return { width, height, channels, rows };
}

/** Alpha of pixel `p` (first byte of its `channels`); opaque without an alpha channel. */
const alphaAt = (rows: Uint8Array, p: number, channels: number): number =>
  channels === 2 ? (rows[p + 1] as number) : channels === 4 ? (rows[p + 3] as number) : 255;

/**
 * Decodes a non-interlaced 8-bit PNG (grayscale, gray+alpha, RGB, RGBA) to grayscale. Transparent pixels
 * count as white background, which is how drawn digits are usually saved.
 */
export function decodePng(data: Uint8Array): GrayImage {
  const { width, height, channels, rows } = unfilterPng(data);
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const p = i * channels;
    const gray =
      channels >= 3
        ? 0.299 * (rows[p] as number) + 0.587 * (rows[p + 1] as number) + 0.114 * (rows[p + 2] as number)
        : (rows[p] as number);
    const alpha = alphaAt(rows, p, channels);
    pixels[i] = Math.round((gray * alpha + 255 * (255 - alpha)) / 255);
  }
  return { width, height, pixels };
}

/** Decodes a PNG (as `decodePng` does) to RGB: a gray picture gets three equal channels. */
export function decodePngRgb(data: Uint8Array): RgbImage {
  const { width, height, channels, rows } = unfilterPng(data);
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const p = i * channels;
    const alpha = alphaAt(rows, p, channels);
    for (let c = 0; c < 3; c++) {
      const v = channels >= 3 ? (rows[p + c] as number) : (rows[p] as number);
      rgb[i * 3 + c] = Math.round((v * alpha + 255 * (255 - alpha)) / 255);
    }
  }
  return { width, height, rgb };
}

/** How a picture was turned into MNIST's layout (for telling the buyer what will be sent). */
export type MnistPreparation = {
  /** Dark ink on a light background, turned into MNIST's white ink on black. */
  inverted: boolean;
  /** The ink's bounding box in the source picture (null when there is no ink). */
  box: { x: number; y: number; width: number; height: number } | null;
  /** Size the box was scaled to inside the 28x28 frame. */
  scaledTo: { width: number; height: number } | null;
};

/** Grey levels closer than this to each other are treated as the same (no ink): JPEG-ish noise, paper texture. */
const INK_THRESHOLD = 32;

/**
 * Turns a picture of a digit into MNIST's 28x28 layout: white ink on black, the digit's bounding box scaled
 * to fit 20x20 and centred, as MNIST was prepared. Dark-on-light pictures are inverted.
 */
export function prepareMnist(image: GrayImage): { pixels: Uint8Array } & MnistPreparation {
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
      if (ink(x, y) > INK_THRESHOLD) {
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
  const out = new Uint8Array(MNIST_PIXELS);
  if (maxX < 0) return { pixels: out, inverted: invert, box: null, scaledTo: null };
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
  return {
    pixels: out,
    inverted: invert,
    box: { x: minX, y: minY, width: boxW, height: boxH },
    scaledTo: { width: outW, height: outH },
  };
}

/** `prepareMnist`'s pixels. */
export function toMnistPixels(image: GrayImage): Uint8Array {
  return prepareMnist(image).pixels;
}

/** Whether pixels hold no digit: no two grey levels differ by more than the ink threshold. */
export function isBlank(pixels: ArrayLike<number>): boolean {
  let min = 255;
  let max = 0;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max - min <= INK_THRESHOLD;
}

/** An MNIST input read from a file, with what was done to it on the way. */
export type MnistInput = {
  pixels: Uint8Array;
  source: { kind: "png"; width: number; height: number } | { kind: "json" };
  /** How a picture was prepared (inverted, cropped, scaled); null when the pixels are sent as they are. */
  prepared: MnistPreparation | null;
  /** The source has no ink at all (a uniform picture, all-zero pixels). */
  blank: boolean;
};

/** A 28x28 picture of white ink on black is already MNIST's layout: sent as it is, not re-cropped. */
function isMnistLayout(image: GrayImage): boolean {
  if (image.width !== 28 || image.height !== 28) return false;
  let sum = 0;
  for (const v of image.pixels) sum += v;
  return sum / image.pixels.length <= 127;
}

/** Characters from background to full ink, for a terminal preview. */
const SHADES = " .:-=+*#%@";

/** The 28x28 input as 28 lines of text (what the provider's model will see). */
export function asciiPreview(pixels: ArrayLike<number>): string[] {
  const lines: string[] = [];
  for (let y = 0; y < 28; y++) {
    let line = "";
    for (let x = 0; x < 28; x++)
      line += SHADES[Math.min(SHADES.length - 1, Math.floor(((pixels[y * 28 + x] as number) * SHADES.length) / 256))];
    lines.push(`|${line}|`);
  }
  return lines;
}

const jsonInput = z.union([
  z.array(z.number().int().min(0).max(255)).length(MNIST_PIXELS),
  z.array(z.array(z.number().int().min(0).max(255)).length(28)).length(28),
  z.object({ pixels: z.array(z.number().int().min(0).max(255)).length(MNIST_PIXELS) }),
]);

/**
 * Reads an MNIST input from a file: a PNG picture of a digit, or JSON holding 784 pixels (flat array,
 * 28 rows of 28, or `{ "pixels": [...] }`, values 0..255, white ink on black). A 28x28 white-on-black PNG is taken
 * as it is; any other picture is prepared with `prepareMnist` (and says so in `prepared`).
 */
export function readMnistInput(file: string): MnistInput {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (error) {
    throw new Error(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`,
    );
  }
  if (data.subarray(0, 8).equals(PNG_SIGNATURE)) {
    let image: GrayImage;
    try {
      image = decodePng(data);
    } catch (error) {
      throw new Error(`${file}: ${(error as Error).message}`);
    }
    const source = { kind: "png" as const, width: image.width, height: image.height };
    if (isMnistLayout(image)) return { pixels: image.pixels, source, prepared: null, blank: isBlank(image.pixels) };
    const { pixels, ...prepared } = prepareMnist(image);
    return { pixels, source, prepared, blank: isBlank(image.pixels) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString("utf8"));
  } catch {
    throw new Error(`${file}: expected a PNG image or a JSON array of ${MNIST_PIXELS} pixels`);
  }
  const result = jsonInput.safeParse(parsed);
  if (!result.success)
    throw new Error(`${file}: expected ${MNIST_PIXELS} integers 0..255 (flat, 28x28, or {"pixels": [...]})`);
  const value = result.data;
  const pixels = Uint8Array.from(Array.isArray(value) ? value.flat() : value.pixels);
  return { pixels, source: { kind: "json" }, prepared: null, blank: isBlank(pixels) };
}

/** `readMnistInput`'s pixels. */
export function readMnistInputFile(file: string): Uint8Array {
  return readMnistInput(file).pixels;
}
