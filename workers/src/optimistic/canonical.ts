// Canonical outputs of the optimistic models: the bytes a provider commits to, their hash (the on-chain
// commitment) and the rule that decides whether two results agree. An auditor or a committee member compares
// its own result with the committed one through `sameResult`, never through the raw tensors: the rule is what
// keeps float differences between honest devices from being read as cheating.
import { createHash } from "node:crypto";
import { bytesToHex, type Hex } from "viem";
import { z } from "zod";
import type { OptimisticModelName } from "./models.ts";

export type OcrOutput = { lines: readonly string[] };
export type VadOutput = { segments: readonly (readonly [number, number])[] };
export type OptimisticOutput<M extends OptimisticModelName> = M extends "ocr" ? OcrOutput : VadOutput;

/** Segment edges are committed in steps of this many ms. */
export const VAD_ROUND_MS = 10;
/**
 * Two honest runs may put an edge one 32 ms window apart when a window's probability sits within float noise
 * of a threshold; after rounding to 10 ms that is at most 40 ms.
 */
export const VAD_EDGE_TOLERANCE_MS = 40;

/** OCR lines as committed: NFC, trailing white space trimmed, empty lines dropped, joined by "\n". */
export function canonicalText(lines: readonly string[]): string {
  return lines
    .map((line) => line.normalize("NFC").replace(/\s+$/u, ""))
    .filter((line) => line.length > 0)
    .join("\n");
}

const roundMs = (ms: number): number => Math.round(ms / VAD_ROUND_MS) * VAD_ROUND_MS;

export function canonicalBytes<M extends OptimisticModelName>(model: M, output: OptimisticOutput<M>): Uint8Array {
  if (model === "ocr") return new TextEncoder().encode(canonicalText((output as OcrOutput).lines));
  const segments = (output as VadOutput).segments.map(([start, end]) => [roundMs(start), roundMs(end)]);
  return new TextEncoder().encode(JSON.stringify(segments));
}

export type OutputHash = {
  /** sha2-256 of the canonical bytes. */
  sha256: Hex;
  /** The same digest with its top 3 bits cleared: below the BN254 field modulus, so a circuit can take it too. */
  field: bigint;
  /** `field` as bytes32: the value committed on-chain. */
  commitment: Hex;
};

/**
 * A sha2-256 digest as the tier commits to it: the digest with its top 3 bits cleared, below the BN254 field
 * modulus (the market refuses an `inputHash` at or above it, and a circuit could take it too).
 */
export function fieldCommitment(digest: Uint8Array): OutputHash {
  if (digest.length !== 32) throw new Error("a sha2-256 digest has 32 bytes");
  const sha256 = bytesToHex(digest);
  const cleared = Uint8Array.from(digest);
  cleared[0] = (cleared[0] as number) & 0x1f;
  const commitment = bytesToHex(cleared);
  return { sha256, field: BigInt(commitment), commitment };
}

export function outputHash(canonical: Uint8Array): OutputHash {
  return fieldCommitment(new Uint8Array(createHash("sha256").update(canonical).digest()));
}

/** The same commitment for an input: `field` is the bid's `inputHash` of an optimistic job. */
export type InputCommitment = OutputHash;

/** Commitment to an input's bytes (images and audio travel by CID; the bid carries this). */
export function inputCommitment(input: Uint8Array): InputCommitment {
  return fieldCommitment(new Uint8Array(createHash("sha256").update(input).digest()));
}

const segmentsSchema = z.array(
  z
    .tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])
    .refine(([start, end]) => start < end, "a segment ends after it starts"),
);

/** Parses a VAD canonical output; throws one line when the bytes are not one. */
export function parseVadCanonical(bytes: Uint8Array): [number, number][] {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new Error("VAD output is not JSON");
  }
  const parsed = segmentsSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`VAD output is not a list of [startMs,endMs]: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/**
 * Whether two canonical outputs are the same result. OCR: byte equality. VAD: the same number of segments,
 * each edge within `VAD_EDGE_TOLERANCE_MS`; a split or merged segment is a different result.
 */
export function sameResult(model: OptimisticModelName, a: Uint8Array, b: Uint8Array): boolean {
  if (model === "ocr") return Buffer.from(a).equals(Buffer.from(b));
  const x = parseVadCanonical(a);
  const y = parseVadCanonical(b);
  if (x.length !== y.length) return false;
  return x.every((segment, i) => {
    const other = y[i] as [number, number];
    return (
      Math.abs(segment[0] - other[0]) <= VAD_EDGE_TOLERANCE_MS &&
      Math.abs(segment[1] - other[1]) <= VAD_EDGE_TOLERANCE_MS
    );
  });
}
