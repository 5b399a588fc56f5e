// PNG input of the text-recognition model. The header is read and bounded before any pixel is inflated: a
// buyer's file decides how much work and memory a provider spends, so the limits are checked first.
import { z } from "zod";
import { decodePngRgb, type RgbImage } from "../image.ts";

export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
export const MAX_IMAGE_SIDE = 4096;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const headerSchema = z.object({
  width: z
    .number()
    .int()
    .min(1, "PNG has no pixels")
    .max(MAX_IMAGE_SIDE, `PNG is too large: at most ${MAX_IMAGE_SIDE} x ${MAX_IMAGE_SIDE} pixels`),
  height: z
    .number()
    .int()
    .min(1, "PNG has no pixels")
    .max(MAX_IMAGE_SIDE, `PNG is too large: at most ${MAX_IMAGE_SIDE} x ${MAX_IMAGE_SIDE} pixels`),
});

/** Decodes an OCR input (8-bit PNG) to RGB on white; throws one line on anything else. */
export function decodeOcrImage(data: Uint8Array): RgbImage {
  if (data.length > MAX_IMAGE_BYTES) throw new Error(`image is too large: at most ${MAX_IMAGE_BYTES} bytes`);
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error("not a PNG file");
  if (buf.length < 33 || buf.toString("ascii", 12, 16) !== "IHDR") throw new Error("PNG header is missing");
  const header = headerSchema.safeParse({ width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) });
  if (!header.success) throw new Error(header.error.issues[0]?.message ?? "PNG header is invalid");
  try {
    return decodePngRgb(data);
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
    throw new Error(reason.startsWith("PNG") ? reason : `PNG could not be decoded: ${reason}`);
  }
}
