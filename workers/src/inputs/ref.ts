// The `inputRef` of an optimistic job: where the provider finds the input the bid commits to. It is emitted in
// BidPlaced (calldata and log data are paid per byte), so it is binary and small: a 1-gateway reference is 35
// bytes + the URL (56 for http://127.0.0.1:8081: 896 calldata gas), against 126 bytes (2,016 gas) as JSON.
//
//   byte 0      0x01: format version (inputs by content hash, v1)
//   byte 1      media type: 0x01 image/png, 0x02 audio/wav
//   bytes 2-33  sha2-256 of the input (the digest of its CIDv1 raw sha2-256)
//   then 1 to 4 gateway base URLs, each one length byte (1-255) and that many bytes of UTF-8;
//   the provider fetches `<url>/ipfs/<cid>`
//
// The bid's `inputHash` is the same digest with its top 3 bits cleared (`inputCommitment`), so a provider checks
// the reference against the hash before fetching anything (`checkCidInputRef`).
import { cidFromDigest, digestOfCid, isCid } from "@sovra/circuits/io/cid";
import { bytesToHex, type Hex, toHex } from "viem";
import { z } from "zod";
import { fieldCommitment } from "../optimistic/canonical.ts";
import { type InputMediaType, inputMediaTypes } from "./media.ts";

export const INPUT_REF_VERSION = 1;
export const MAX_INPUT_REF_URLS = 4;
const MAX_URL_BYTES = 255;
const HEADER_BYTES = 2 + 32;
const mediaCodes: Record<InputMediaType, number> = { "image/png": 1, "audio/wav": 2 };

/** A gateway base URL as a reference may carry it: public in an event, so no credentials, query or fragment. */
export const gatewayUrlSchema = z
  .string()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (
        (url.protocol === "http:" || url.protocol === "https:") &&
        url.username === "" &&
        url.password === "" &&
        url.search === "" &&
        url.hash === "" &&
        !value.includes("?") &&
        !value.includes("#")
      );
    } catch {
      return false;
    }
  }, "a gateway URL is http(s)://host[:port][/path] without credentials, query or fragment")
  .refine(
    (value) => Buffer.byteLength(value, "utf8") <= MAX_URL_BYTES,
    `a gateway URL has at most ${MAX_URL_BYTES} bytes`,
  );

export const cidInputRefSchema = z.object({
  cid: z.string().refine(isCid, "cid must be a CIDv1 raw sha2-256 (bafkrei...)"),
  mediaType: z.enum(inputMediaTypes),
  urls: z
    .array(gatewayUrlSchema)
    .min(1, "an input reference names at least one gateway URL")
    .max(MAX_INPUT_REF_URLS, `an input reference names at most ${MAX_INPUT_REF_URLS} gateway URLs`),
});

export type CidInputRef = z.infer<typeof cidInputRefSchema>;

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return "invalid";
  return issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`;
}

/** The inputRef bytes of `ref` (0x-hex, as placeBid takes them); throws one line when `ref` is not a valid reference. */
export function encodeCidInputRef(ref: CidInputRef): Hex {
  const parsed = cidInputRefSchema.safeParse(ref);
  if (!parsed.success) throw new Error(`invalid input reference: ${firstIssue(parsed.error)}`);
  const { cid, mediaType, urls } = parsed.data;
  const encodedUrls = urls.map((url) => Buffer.from(url, "utf8"));
  const out = Buffer.alloc(HEADER_BYTES + encodedUrls.reduce((sum, u) => sum + 1 + u.length, 0));
  out[0] = INPUT_REF_VERSION;
  out[1] = mediaCodes[mediaType];
  out.set(digestOfCid(cid), 2);
  let at = HEADER_BYTES;
  for (const url of encodedUrls) {
    out[at] = url.length;
    out.set(url, at + 1);
    at += 1 + url.length;
  }
  return bytesToHex(out);
}

/** Reads an inputRef (bytes or 0x-hex as viem gives event data); throws one line on anything malformed. */
export function decodeCidInputRef(data: Uint8Array | Hex): CidInputRef {
  const bytes = typeof data === "string" ? hexBytes(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.length < HEADER_BYTES + 2)
    throw new Error(`malformed input reference: ${bytes.length} bytes, at least ${HEADER_BYTES + 2} expected`);
  if (bytes[0] !== INPUT_REF_VERSION)
    throw new Error(`malformed input reference: version ${bytes[0]}, expected ${INPUT_REF_VERSION}`);
  const mediaType = inputMediaTypes.find((type) => mediaCodes[type] === bytes[1]);
  if (mediaType === undefined) throw new Error(`malformed input reference: unknown media type code ${bytes[1]}`);
  const urls: string[] = [];
  let at = HEADER_BYTES;
  while (at < bytes.length) {
    const length = bytes[at] as number;
    if (length === 0 || at + 1 + length > bytes.length)
      throw new Error(`malformed input reference: URL ${urls.length + 1} runs past the end`);
    try {
      urls.push(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(at + 1, at + 1 + length)));
    } catch {
      throw new Error(`malformed input reference: URL ${urls.length + 1} is not UTF-8`);
    }
    at += 1 + length;
  }
  const ref = { cid: cidFromDigest(new Uint8Array(bytes.subarray(2, HEADER_BYTES))), mediaType, urls };
  const parsed = cidInputRefSchema.safeParse(ref);
  if (!parsed.success) throw new Error(`malformed input reference: ${firstIssue(parsed.error)}`);
  return parsed.data;
}

/** The bid's `inputHash` for the input `cid` names: its sha2-256 with the top 3 bits cleared. */
export function inputHashOfCid(cid: string): bigint {
  return fieldCommitment(digestOfCid(cid)).field;
}

/**
 * Throws one line when `ref` does not name the input `inputHash` commits to: a provider declines such a job
 * (refund, no slash) without fetching anything.
 */
export function checkCidInputRef(ref: CidInputRef, inputHash: bigint): void {
  const { commitment } = fieldCommitment(digestOfCid(ref.cid));
  if (BigInt(commitment) !== inputHash)
    throw new Error(
      `input reference names ${ref.cid} (commitment ${commitment}), not the bid's inputHash ${toHex(inputHash, { size: 32 })}`,
    );
}

function hexBytes(hex: Hex): Buffer {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(hex)) throw new Error("malformed input reference: not 0x-prefixed hex");
  return Buffer.from(hex.slice(2), "hex");
}
