// How a canonical output travels on-chain: `commit` takes at most 64 uint256 words. A small output goes whole, so
// the buyer reads it from `ResultCommitted` at once: [byteLength, bytes packed 32 to a word, big-endian, the last
// word zero-padded] (at least two words). A larger one commits a single word, the field commitment of its sha2-256
// (`outputHash(canonical).field`); its bytes then travel off-chain.
import { bytesToHex, hexToBytes, type Hex } from "viem";
import { outputHash } from "./canonical.ts";

export const MAX_OUTPUT_WORDS = 64;
/** Largest canonical output that travels inline. */
export const MAX_INLINE_OUTPUT_BYTES = (MAX_OUTPUT_WORDS - 1) * 32;

export function outputWords(canonical: Uint8Array): bigint[] {
  if (canonical.length > MAX_INLINE_OUTPUT_BYTES) return [outputHash(canonical).field];
  const words = [BigInt(canonical.length)];
  for (let at = 0; at < canonical.length; at += 32) {
    const chunk = new Uint8Array(32);
    chunk.set(canonical.subarray(at, at + 32));
    words.push(BigInt(bytesToHex(chunk)));
  }
  if (words.length === 1) words.push(0n);
  return words;
}

export type DecodedOutput = { kind: "inline"; bytes: Uint8Array } | { kind: "hash"; commitment: Hex };

/** Reads committed words back; throws one line when they are neither form. */
export function decodeOutputWords(words: readonly bigint[]): DecodedOutput {
  const [first] = words;
  if (first === undefined) throw new Error("committed output is empty");
  if (words.length === 1) return { kind: "hash", commitment: `0x${first.toString(16).padStart(64, "0")}` as Hex };
  const length = Number(first);
  if (first > BigInt(MAX_INLINE_OUTPUT_BYTES) || words.length !== Math.max(2, 1 + Math.ceil(length / 32)))
    throw new Error(`committed output of ${words.length} words does not hold ${first} bytes`);
  const out = new Uint8Array(Math.max(1, words.length - 1) * 32);
  words.slice(1).forEach((word, i) => {
    if (word >= 1n << 256n) throw new Error("committed output word out of range");
    out.set(hexToBytes(`0x${word.toString(16).padStart(64, "0")}` as Hex), i * 32);
  });
  return { kind: "inline", bytes: out.subarray(0, length) };
}

/** Whether committed words are those of `canonical` (inline bytes equal, or the hash of a large output). */
export function wordsMatch(words: readonly bigint[], canonical: Uint8Array): boolean {
  const mine = outputWords(canonical);
  return mine.length === words.length && mine.every((word, i) => word === words[i]);
}
