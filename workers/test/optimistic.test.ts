import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  canonicalBytes,
  canonicalText,
  outputHash,
  parseVadCanonical,
  sameResult,
  VAD_EDGE_TOLERANCE_MS,
} from "../src/optimistic/canonical.ts";
import { decodeOcrImage, MAX_IMAGE_BYTES } from "../src/optimistic/image-input.ts";
import { loadWeights, OCR, OPTIMISTIC_MODELS, VAD } from "../src/optimistic/models.ts";
import { OcrRunner } from "../src/optimistic/ocr.ts";
import { createOptimisticRunner, type OptimisticRunner } from "../src/optimistic/runner.ts";
import { speechSegments, VAD_WINDOW, VadRunner } from "../src/optimistic/vad.ts";
import { encodeWav, parseWav } from "../src/optimistic/wav.ts";
import { renderTextPng, speechAudio, speechClip } from "./optimistic-fixtures.ts";

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const oneLine = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("expected a refusal");
};

describe("optimistic model descriptors", () => {
  it("resolve every weights file from the installed packages and match their CIDs", () => {
    for (const model of Object.values(OPTIMISTIC_MODELS)) {
      const files = loadWeights(model);
      for (const file of model.weights) expect(files.get(file.role)?.length).toBe(file.bytes);
      expect(model.tier).toBe("optimistic");
      expect(model.runtime.executionProviders).toContain("cpu");
    }
  });

  it("refuse a weights file whose bytes are not the ones named by its CID", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sovra-weights-"));
    try {
      const file = path.join(dir, "silero_vad.onnx");
      copyFileSync(VAD.weights[0]?.path as string, file);
      writeFileSync(file, Buffer.from("tampered"), { flag: "a" });
      const tampered = { ...VAD, weights: VAD.weights.map((w) => ({ ...w, path: file })) };
      expect(oneLine(() => loadWeights(tampered))).toMatch(/does not match its CID/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("OCR (PP-OCRv4)", () => {
  let runner: OptimisticRunner;
  const sentence = ["Sovra verifies inference on-chain.", "Price 42 tUSD, deadline 17:30"];
  beforeAll(async () => {
    runner = await createOptimisticRunner("ocr");
  });
  afterAll(async () => {
    await runner.release();
  });

  it("reads a rendered sentence exactly, with the same bytes and commitment on a rerun", async () => {
    const png = renderTextPng(sentence);
    const first = await runner.run(png);
    expect(text(first.canonical)).toBe(sentence.join("\n"));
    expect(first.device).toBe("cpu");
    const second = await runner.run(png);
    expect(Buffer.from(second.canonical).equals(Buffer.from(first.canonical))).toBe(true);
    expect(second.hash).toEqual(first.hash);
    expect(sameResult("ocr", first.canonical, second.canonical)).toBe(true);
  });

  it("refuses a result with one word changed", async () => {
    const honest = (await runner.run(renderTextPng(sentence))).canonical;
    const lie = canonicalBytes("ocr", {
      lines: ["Sovra verifies inference on-chain.", "Price 43 tUSD, deadline 17:30"],
    });
    expect(sameResult("ocr", honest, lie)).toBe(false);
    expect(outputHash(lie).commitment).not.toBe(outputHash(honest).commitment);
  });

  it("reads nothing on a blank page", async () => {
    const blank = renderTextPng([" "]);
    expect(text((await runner.run(blank)).canonical)).toBe("");
  });

  it("returns each line with its box, top to bottom", async () => {
    const ocr = await OcrRunner.create();
    try {
      const { lines } = await ocr.recognize(renderTextPng(["first line", "second line"], 28));
      expect(lines.map((l) => l.text)).toEqual(["first line", "second line"]);
      expect((lines[0]?.box.y1 ?? 0) <= (lines[1]?.box.y0 ?? 0)).toBe(true);
    } finally {
      await ocr.release();
    }
  });

  it("refuses what is not a PNG it can read, in one line", () => {
    expect(oneLine(() => decodeOcrImage(Buffer.from("GIF89a not a png")))).toBe("not a PNG file");
    const png = renderTextPng(["x"]);
    const huge = Buffer.from(png);
    huge.writeUInt32BE(5000, 16);
    expect(oneLine(() => decodeOcrImage(huge))).toBe("PNG is too large: at most 4096 x 4096 pixels");
    const oversized = Buffer.alloc(MAX_IMAGE_BYTES + 1);
    png.copy(oversized);
    expect(oneLine(() => decodeOcrImage(oversized))).toMatch(/^image is too large/);
    expect(oneLine(() => decodeOcrImage(png.subarray(0, 60)))).toMatch(/^PNG could not be decoded/);
  });
});

describe("VAD (Silero v5)", () => {
  let vad: VadRunner;
  beforeAll(async () => {
    vad = await VadRunner.create();
  });
  afterAll(async () => {
    await vad.release();
  });

  it("finds speech where the recorded words are and nowhere else", async () => {
    const { wav, placement } = speechAudio([1000, speechClip("front-center"), 1500, speechClip("rear-right"), 700]);
    const { segments } = await vad.detect(wav);
    expect(segments.length).toBeGreaterThanOrEqual(placement.length);
    // Each segment lies inside a clip (give or take the 30 ms pad and one window); each clip holds speech.
    const slack = 30 + (VAD_WINDOW * 1000) / 16_000;
    for (const [start, end] of segments)
      expect(placement.some((p) => start >= p.startMs - slack && end <= p.endMs + slack)).toBe(true);
    for (const p of placement) expect(segments.some(([s, e]) => s < p.endMs && e > p.startMs)).toBe(true);
  });

  it("finds none in silence", async () => {
    const { segments } = await vad.detect(speechAudio([3000]).wav);
    expect(segments).toEqual([]);
    expect(text(canonicalBytes("vad", { segments }))).toBe("[]");
  });

  it("commits segments rounded to 10 ms, JSON without spaces, the same on a rerun", async () => {
    const runner = await createOptimisticRunner("vad");
    try {
      const { wav } = speechAudio([500, speechClip("rear-right"), 400]);
      const first = await runner.run(wav);
      const second = await runner.run(wav);
      expect(text(first.canonical)).toMatch(/^\[\[\d+0,\d+0\](,\[\d+0,\d+0\])*\]$/);
      expect(Buffer.from(second.canonical).equals(Buffer.from(first.canonical))).toBe(true);
      expect(sameResult("vad", first.canonical, second.canonical)).toBe(true);
    } finally {
      await runner.release();
    }
  });

  it("accepts an edge one window away, refuses a moved, dropped or split segment", async () => {
    const { wav } = speechAudio([1000, speechClip("front-center"), 1500, speechClip("rear-right"), 700]);
    const { segments } = await vad.detect(wav);
    const honest = canonicalBytes("vad", { segments });
    const shift = (i: number, ms: number): Uint8Array =>
      canonicalBytes("vad", { segments: segments.map(([s, e], j) => (j === i ? [s + ms, e + ms] : [s, e])) });
    expect(sameResult("vad", honest, shift(0, 32))).toBe(true);
    expect(sameResult("vad", honest, shift(0, VAD_EDGE_TOLERANCE_MS + 20))).toBe(false);
    expect(sameResult("vad", honest, shift(segments.length - 1, -200))).toBe(false);
    expect(sameResult("vad", honest, canonicalBytes("vad", { segments: segments.slice(1) }))).toBe(false);
    const [s, e] = segments[0] as [number, number];
    const split = [[s, s + (e - s) / 2 - 50] as const, [s + (e - s) / 2 + 50, e] as const, ...segments.slice(1)];
    expect(sameResult("vad", honest, canonicalBytes("vad", { segments: split }))).toBe(false);
  });

  it("applies Silero's hysteresis: short bursts dropped, short pauses bridged", () => {
    const windows = (pattern: [number, number][]): number[] =>
      pattern.flatMap(([p, n]) => Array.from({ length: n }, () => p));
    const ms = (windowsCount: number): number => windowsCount * VAD_WINDOW;
    // 5 windows (160 ms) of speech: under the 250 ms minimum.
    expect(
      speechSegments(
        windows([
          [0, 10],
          [0.9, 5],
          [0, 20],
        ]),
        ms(35),
      ),
    ).toEqual([]);
    // A 2-window (64 ms) dip below 0.35 inside speech: shorter than the 100 ms minimum silence.
    const bridged = speechSegments(
      windows([
        [0, 10],
        [0.9, 20],
        [0.1, 2],
        [0.9, 20],
        [0, 20],
      ]),
      ms(72),
    );
    expect(bridged).toHaveLength(1);
    // Between 0.35 and 0.5 speech goes on (hysteresis); a 10-window pause splits it.
    expect(
      speechSegments(
        windows([
          [0, 10],
          [0.9, 20],
          [0.4, 10],
          [0.9, 5],
          [0, 20],
        ]),
        ms(65),
      ),
    ).toHaveLength(1);
    expect(
      speechSegments(
        windows([
          [0, 10],
          [0.9, 20],
          [0.1, 10],
          [0.9, 20],
          [0, 20],
        ]),
        ms(80),
      ),
    ).toHaveLength(2);
  });

  it("refuses WAVs it cannot take, in one line", () => {
    const wav = encodeWav(new Float32Array(1600));
    expect(oneLine(() => parseWav(encodeWav(new Float32Array(4410), 44_100)))).toBe(
      "WAV sample rate 44100 Hz: send 16000 Hz",
    );
    const stereo = Buffer.from(wav);
    stereo.writeUInt16LE(2, 22);
    expect(oneLine(() => parseWav(stereo))).toBe("WAV has 2 channels: send mono");
    const eightBit = Buffer.from(wav);
    eightBit.writeUInt16LE(8, 34);
    expect(oneLine(() => parseWav(eightBit))).toBe("WAV has 8-bit samples: send 16-bit PCM");
    const float = Buffer.from(wav);
    float.writeUInt16LE(3, 20);
    expect(oneLine(() => parseWav(float))).toBe("WAV encoding 3 not supported: send 16-bit PCM");
    expect(oneLine(() => parseWav(renderTextPng(["x"])))).toBe("not a WAV file");
    const long = Buffer.alloc(44 + 2 * (600 * 16_000 + 16_000));
    wav.copy(long, 0, 0, 44);
    long.writeUInt32LE(long.length - 44, 40);
    expect(oneLine(() => parseWav(long))).toBe("WAV is 601 s long: at most 600 s");
  });
});

describe("canonical outputs", () => {
  it("normalize OCR text to NFC, trim trailing spaces, drop empty lines", () => {
    expect(canonicalText(["Cafe\u0301  ", "", "  two\t"])).toBe("Caf\u00e9\n  two");
  });

  it("commit sha2-256 and its field-safe form (top 3 bits cleared)", () => {
    const bytes = canonicalBytes("vad", { segments: [[1004, 1536.2]] });
    expect(text(bytes)).toBe("[[1000,1540]]");
    const hash = outputHash(bytes);
    const digest = createHash("sha256").update(bytes).digest("hex");
    expect(hash.sha256).toBe(`0x${digest}`);
    expect(hash.field).toBe(BigInt(`0x${digest}`) & ((1n << 253n) - 1n));
    expect(hash.commitment).toBe(`0x${hash.field.toString(16).padStart(64, "0")}`);
    // sha256 of nothing starts with 0xe3: the cleared form starts with 0x03.
    expect(outputHash(new Uint8Array()).commitment.slice(0, 4)).toBe("0x03");
  });

  it("refuse VAD bytes that are not a list of segments, in one line", () => {
    expect(oneLine(() => parseVadCanonical(new TextEncoder().encode("[[10,5]]")))).toMatch(/ends after it starts/);
    expect(oneLine(() => sameResult("vad", new TextEncoder().encode("nope"), new Uint8Array()))).toBe(
      "VAD output is not JSON",
    );
  });

  it("name both models with their rule", () => {
    expect(OCR.canonicalOutput.rule).toBe("exact byte equality");
    expect(VAD.canonicalOutput.rule).toContain(`${VAD_EDGE_TOLERANCE_MS} ms`);
  });
});
