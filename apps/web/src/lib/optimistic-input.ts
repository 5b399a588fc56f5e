// Inputs by content hash, the dApp's side (no Node modules: the route and the tests use it too). The bytes of
// `inputRef` and the bid's `inputHash` follow workers/src/inputs/ref.ts exactly (a unit test decodes this
// encoding with the workers' decoder):
//   byte 0 0x01 (version), byte 1 media type (0x01 image/png, 0x02 audio/wav), bytes 2-33 the input's sha2-256,
//   then each gateway base URL as one length byte and its UTF-8 bytes.
// inputHash = the same digest with its top 3 bits cleared (below the BN254 field order the market requires).
import { bytesToHex, type Hex } from "viem";
import { z } from "zod";

export const optimisticMediaTypes = ["image/png", "audio/wav"] as const;
export type OptimisticMediaType = (typeof optimisticMediaTypes)[number];

const mediaCodes: Record<OptimisticMediaType, number> = { "image/png": 1, "audio/wav": 2 };
const MAX_URL_BYTES = 255;

/** The bid's `inputHash` for an input whose sha2-256 is `digest`. */
export function inputCommitmentOf(digest: Uint8Array): bigint {
  if (digest.length !== 32) throw new Error("a sha2-256 digest has 32 bytes");
  const cleared = Uint8Array.from(digest);
  cleared[0] = (cleared[0] as number) & 0x1f;
  return BigInt(bytesToHex(cleared));
}

/** The `inputRef` bytes naming the input `digest` at `urls` (1 to 4 gateway base URLs). */
export function encodeInputRef(digest: Uint8Array, mediaType: OptimisticMediaType, urls: readonly string[]): Hex {
  if (digest.length !== 32) throw new Error("a sha2-256 digest has 32 bytes");
  if (urls.length < 1 || urls.length > 4) throw new Error("an input reference names 1 to 4 gateway URLs");
  const encoded = urls.map((url) => new TextEncoder().encode(url));
  for (const url of encoded)
    if (url.length === 0 || url.length > MAX_URL_BYTES) throw new Error("a gateway URL has 1 to 255 bytes");
  const out = new Uint8Array(34 + encoded.reduce((sum, url) => sum + 1 + url.length, 0));
  out[0] = 1;
  out[1] = mediaCodes[mediaType];
  out.set(digest, 2);
  let at = 34;
  for (const url of encoded) {
    out[at] = url.length;
    out.set(url, at + 1);
    at += 1 + url.length;
  }
  return bytesToHex(out);
}

/** Which accepted format `head` (the first bytes of a file) is: a PNG signature or a RIFF/WAVE header. */
export function sniffOptimisticMedia(head: Uint8Array): OptimisticMediaType | undefined {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (head.length >= 8 && png.every((byte, i) => head[i] === byte)) return "image/png";
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "WAVE") return "audio/wav";
  return undefined;
}

/** What `/api/optimistic-input` answers after the gateway stored the input. */
export const uploadedInputSchema = z.object({
  cid: z.string(),
  mediaType: z.enum(optimisticMediaTypes),
  bytes: z.number().int().nonnegative(),
  /** The bid's inputHash, decimal. */
  inputHash: z.string().regex(/^\d+$/),
  inputRef: z.string().regex(/^0x[0-9a-f]*$/),
  gateway: z.string(),
});
export type UploadedInput = z.infer<typeof uploadedInputSchema>;

/** Uploads a chosen file through the dApp's server to the input gateway; throws one line on refusal. */
export async function uploadOptimisticInput(file: Blob, mediaType: OptimisticMediaType): Promise<UploadedInput> {
  const response = await fetch("/api/optimistic-input", {
    method: "POST",
    headers: { "content-type": mediaType },
    body: file,
  });
  const body: unknown = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = z.object({ error: z.string() }).safeParse(body);
    throw new Error(error.success ? error.data.error : `the upload failed (HTTP ${response.status})`);
  }
  const parsed = uploadedInputSchema.safeParse(body);
  if (!parsed.success) throw new Error("the dApp's server answered the upload with something unexpected");
  return parsed.data;
}
