// Committed output words of the optimistic tier: small outputs travel whole and read back byte for byte, large ones
// as their hash; the comparison a verifier makes against committed words follows the model's rule.
import { describe, expect, it } from "vitest";
import { outputHash } from "../src/optimistic/canonical.ts";
import { agreesWith } from "../src/optimistic/compare.ts";
import { decodeOutputWords, MAX_INLINE_OUTPUT_BYTES, outputWords } from "../src/optimistic/output-words.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("optimistic output words", () => {
  it("a short text is two words and reads back exactly", () => {
    const words = outputWords(bytes("Sovra reads this page"));
    expect(words).toHaveLength(2);
    expect(words[0]).toBe(21n);
    const back = decodeOutputWords(words);
    expect(back.kind).toBe("inline");
    expect(new TextDecoder().decode(back.kind === "inline" ? back.bytes : new Uint8Array())).toBe(
      "Sovra reads this page",
    );
  });

  it("an empty output is [0, 0]; a 33-byte one takes three words", () => {
    expect(outputWords(new Uint8Array())).toEqual([0n, 0n]);
    const text = `${"é".repeat(16)}x`; // 33 bytes of UTF-8
    const words = outputWords(bytes(text));
    expect(words).toHaveLength(3);
    const back = decodeOutputWords(words);
    expect(back.kind === "inline" && new TextDecoder().decode(back.bytes)).toBe(text);
  });

  it("the largest inline output fills 64 words; one byte more commits its hash", () => {
    const largest = new Uint8Array(MAX_INLINE_OUTPUT_BYTES).fill(65);
    expect(outputWords(largest)).toHaveLength(64);
    const larger = new Uint8Array(MAX_INLINE_OUTPUT_BYTES + 1).fill(65);
    const words = outputWords(larger);
    expect(words).toEqual([outputHash(larger).field]);
    expect(decodeOutputWords(words)).toEqual({ kind: "hash", commitment: outputHash(larger).commitment });
  });

  it("refuses words that do not hold the length they claim", () => {
    expect(() => decodeOutputWords([100n, 1n])).toThrow("does not hold 100 bytes");
    expect(() => decodeOutputWords([])).toThrow("empty");
  });

  it("compares by the model's rule: OCR exact, VAD within its tolerance, garbage never agrees", () => {
    expect(agreesWith("ocr", bytes("Sovra"), outputWords(bytes("Sovra")))).toBe(true);
    expect(agreesWith("ocr", bytes("Sovra"), outputWords(bytes("Sovra!")))).toBe(false);
    expect(agreesWith("vad", bytes("[[600,1150]]"), outputWords(bytes("[[610,1160]]")))).toBe(true);
    expect(agreesWith("vad", bytes("[[600,1150]]"), outputWords(bytes("[[600,1150],[1400,2000]]")))).toBe(false);
    expect(agreesWith("vad", bytes("[[600,1150]]"), outputWords(bytes("lorem")))).toBe(false);
    expect(agreesWith("ocr", bytes("x"), [5n, 1n])).toBe(false);
  });
});
