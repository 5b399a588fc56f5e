// Inputs for the optimistic runners' tests, made in the test: text rendered with a real font (DejaVu Sans from
// the dejavu-fonts-ttf package, rasterized by pureimage, no system fonts needed) and speech assembled from two
// recorded words with silence around them (test/fixtures/speech/, see the README for their source).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as PImage from "pureimage";
import { encodeWav, parseWav, VAD_SAMPLE_RATE } from "../src/optimistic/wav.ts";
import { encodeGrayPng } from "../src/testing/png.ts";

const require = createRequire(import.meta.url);
const fontPath = path.join(path.dirname(require.resolve("dejavu-fonts-ttf/package.json")), "ttf", "DejaVuSans.ttf");
let fontLoaded = false;

/** A grayscale PNG with `lines` of dark text on white, `size` px high letters. */
export function renderTextPng(lines: readonly string[], size = 32): Buffer {
  if (!fontLoaded) {
    PImage.registerFont(fontPath, "DejaVu Sans").loadSync();
    fontLoaded = true;
  }
  const lineHeight = Math.round(size * 1.8);
  const measure = PImage.make(10, 10).getContext("2d");
  measure.font = `${size}px 'DejaVu Sans'`;
  const widest = Math.max(...lines.map((l) => measure.measureText(l).width));
  const width = Math.ceil(widest + size * 2);
  const height = lineHeight * lines.length + size;
  const image = PImage.make(width, height);
  const ctx = image.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = "#000000";
  ctx.font = `${size}px 'DejaVu Sans'`;
  for (const [i, line] of lines.entries()) ctx.fillText(line, size, size + lineHeight * i + size);
  const gray = new Uint8Array(width * height);
  for (let i = 0; i < gray.length; i++) gray[i] = image.data[i * 4] as number;
  return encodeGrayPng(width, height, gray, 1);
}

const speechDir = path.join(import.meta.dirname, "fixtures", "speech");

/** A recorded word pair as 16 kHz samples: "front-center" or "rear-right". */
export function speechClip(name: "front-center" | "rear-right"): Float32Array {
  return parseWav(new Uint8Array(readFileSync(path.join(speechDir, `${name}.wav`)))).samples;
}

/** Where each piece of `speechAudio` lies, in ms. */
export type Placement = { startMs: number; endMs: number }[];

/** Silence and clips laid end to end: numbers are ms of silence, clips are placed as they are. */
export function speechAudio(parts: readonly (number | Float32Array)[]): { wav: Buffer; placement: Placement } {
  const samples: number[] = [];
  const placement: Placement = [];
  for (const part of parts) {
    if (typeof part === "number") {
      for (let i = 0; i < Math.round((part * VAD_SAMPLE_RATE) / 1000); i++) samples.push(0);
    } else {
      const startMs = (samples.length * 1000) / VAD_SAMPLE_RATE;
      for (const v of part) samples.push(v);
      placement.push({ startMs, endMs: (samples.length * 1000) / VAD_SAMPLE_RATE });
    }
  }
  return { wav: encodeWav(samples), placement };
}
