// Test support: writes the 8-bit grayscale PNGs the input tests feed to the CLI and to the image decoder. Kept
// here, not in the product path: the node only decodes PNGs (src/image.ts).
import { deflateSync } from "node:zlib";

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = (crcTable[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, "ascii");
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, tail]);
}

/**
 * An 8-bit grayscale PNG of `width` x `height` row-major `pixels`, every row with PNG filter `filter` (0 none,
 * 1 sub: each byte minus its left neighbour), so decoders are tested on more than the trivial filter.
 */
export function encodeGrayPng(width: number, height: number, pixels: Uint8Array, filter: 0 | 1 = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth; colour type 0 (grayscale) is the zero left at ihdr[9]
  const raw = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = filter;
    for (let x = 0; x < width; x++) {
      const value = pixels[y * width + x] as number;
      const left = x > 0 ? (pixels[y * width + x - 1] as number) : 0;
      raw[y * (width + 1) + 1 + x] = filter === 1 ? (value - left) & 0xff : value;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
