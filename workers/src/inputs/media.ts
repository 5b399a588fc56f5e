// What the input store accepts: the media types the optimistic models take, each bounded by the largest input a
// model of that type accepts (its descriptor's `input.maxBytes`). Taken from the descriptors so a model added
// there is accepted here without a second list to keep in step.
import { OPTIMISTIC_MODELS } from "../optimistic/models.ts";

export const inputMediaTypes = ["image/png", "audio/wav"] as const;
export type InputMediaType = (typeof inputMediaTypes)[number];

/** Names clients send for the same formats (browsers label WAV files in several ways). */
const aliases: Record<string, InputMediaType> = {
  "image/png": "image/png",
  "audio/wav": "audio/wav",
  "audio/x-wav": "audio/wav",
  "audio/wave": "audio/wav",
  "audio/vnd.wave": "audio/wav",
};

/** The accepted media type a `Content-Type` header names (parameters ignored), or undefined. */
export function normalizeMediaType(contentType: string | undefined): InputMediaType | undefined {
  if (contentType === undefined) return undefined;
  const essence = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return aliases[essence];
}

export type InputLimit = { maxBytes: number; models: string[] };

/** Per media type: the largest body accepted and the models that take it. */
export function inputLimits(): Map<InputMediaType, InputLimit> {
  const limits = new Map<InputMediaType, InputLimit>();
  for (const model of Object.values(OPTIMISTIC_MODELS)) {
    const type = normalizeMediaType(model.input.mediaType);
    if (type === undefined) continue;
    const current = limits.get(type);
    limits.set(type, {
      maxBytes: Math.max(current?.maxBytes ?? 0, model.input.maxBytes),
      models: [...(current?.models ?? []), model.name],
    });
  }
  return limits;
}

/** Bytes needed to recognize each format by its first bytes. */
export const SNIFF_BYTES = 12;

/** Whether the first bytes of a body are those of `type` (a PNG signature, a RIFF/WAVE header). */
export function looksLike(type: InputMediaType, head: Uint8Array): boolean {
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (type === "image/png")
    return buf.length >= 8 && buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return buf.length >= 12 && buf.toString("ascii", 0, 4) === "RIFF" && buf.toString("ascii", 8, 12) === "WAVE";
}

/** The accepted type whose signature `head` carries (to label what the gateway serves), or undefined. */
export function sniffMediaType(head: Uint8Array): InputMediaType | undefined {
  return inputMediaTypes.find((type) => looksLike(type, head));
}

/** "image/png (ocr) or audio/wav (vad)": what to send instead, in refusals. */
export function acceptedList(limits: Map<InputMediaType, InputLimit>): string {
  return [...limits].map(([type, limit]) => `${type} (${limit.models.join(", ")})`).join(" or ");
}
