// PP-OCRv4 on the project's onnxruntime-node: PNG bytes -> recognized lines. The pre- and post-processing
// follow PaddleOCR's defaults (DB detection limited to 960 px, box threshold 0.6, unclip 1.5; recognition at
// height 48, CTC greedy decoding, lines under 0.5 confidence dropped), written here rather than taken from
// @gutenye/ocr-common so every step that decides the output text is ours to pin: the comparison rule (exact
// bytes) holds only if two honest providers run the same arithmetic around the network.
// Text boxes are axis-aligned rectangles: rotated or vertical text is out of scope for this tier's first model.
import { decodeOcrImage } from "./image-input.ts";
import { loadWeights, OCR } from "./models.ts";
import { floatOutput, openSession, ort, type RunnerOptions } from "./session.ts";
import type { RgbImage } from "../image.ts";

const DET_LIMIT_SIDE = 960;
const DET_THRESHOLD = 0.3;
const DET_BOX_THRESHOLD = 0.6;
const DET_UNCLIP_RATIO = 1.5;
const DET_MIN_SIZE = 3;
const REC_HEIGHT = 48;
const REC_MIN_WIDTH = 320;
const REC_DROP_SCORE = 0.5;
/** Lines whose tops differ by less than this many pixels are read left to right (PaddleOCR's sorted_boxes). */
const SAME_LINE_PX = 10;
// ImageNet statistics in the order of PaddleOCR's BGR tensors.
const DET_MEAN = [0.485, 0.456, 0.406] as const;
const DET_STD = [0.229, 0.224, 0.225] as const;

export type Box = { x0: number; y0: number; x1: number; y1: number };
export type OcrLine = { text: string; confidence: number; box: Box };
export type OcrResult = {
  lines: OcrLine[];
  /** Raw tensors, for measuring how far two runs or two devices drift apart. */
  raw: { detection: Float32Array; recognition: Float32Array[] };
};

/**
 * Bilinear resize with OpenCV's pixel-centre convention (cv2.resize INTER_LINEAR), the one PaddleOCR's models
 * were trained behind. `src` is row-major RGB; the result is RGB floats in 0..255.
 */
export function resizeBilinear(src: RgbImage, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height * 3);
  const sx = src.width / width;
  const sy = src.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(Math.floor(fy), src.height - 1);
    const y1 = Math.min(y0 + 1, src.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const x0 = Math.min(Math.floor(fx), src.width - 1);
      const x1 = Math.min(x0 + 1, src.width - 1);
      const wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const a = src.rgb[(y0 * src.width + x0) * 3 + c] as number;
        const b = src.rgb[(y0 * src.width + x1) * 3 + c] as number;
        const d = src.rgb[(y1 * src.width + x0) * 3 + c] as number;
        const e = src.rgb[(y1 * src.width + x1) * 3 + c] as number;
        out[(y * width + x) * 3 + c] = (a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy;
      }
    }
  }
  return out;
}

/** Detection input size: longest side at most 960, both sides multiples of 32 (the network downsamples by 32). */
export function detectionSize(width: number, height: number): { width: number; height: number } {
  const ratio = Math.max(width, height) > DET_LIMIT_SIDE ? DET_LIMIT_SIDE / Math.max(width, height) : 1;
  const to32 = (v: number): number => Math.max(Math.round(Math.floor(v * ratio) / 32) * 32, 32);
  return { width: to32(width), height: to32(height) };
}

function detectionTensor(image: RgbImage): { tensor: ort.Tensor; width: number; height: number } {
  const { width, height } = detectionSize(image.width, image.height);
  const rgb = resizeBilinear(image, width, height);
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const bgr = rgb[i * 3 + (2 - c)] as number;
      data[c * plane + i] = (bgr / 255 - (DET_MEAN[c] as number)) / (DET_STD[c] as number);
    }
  }
  return { tensor: new ort.Tensor("float32", data, [1, 3, height, width]), width, height };
}

/**
 * DB post-processing on the probability map: components of `p > 0.3` (8-connected), each kept when its mean
 * probability reaches 0.6, grown by area * 1.5 / perimeter on every side (DB's unclip) and scaled back to the
 * image. Boxes come sorted top to bottom, left to right within a line.
 */
export function boxesFromMap(
  map: Float32Array,
  mapWidth: number,
  mapHeight: number,
  imageWidth: number,
  imageHeight: number,
): Box[] {
  const seen = new Uint8Array(mapWidth * mapHeight);
  const boxes: Box[] = [];
  const stack: number[] = [];
  for (let start = 0; start < map.length; start++) {
    if (seen[start] || (map[start] as number) <= DET_THRESHOLD) continue;
    let minX = mapWidth;
    let minY = mapHeight;
    let maxX = -1;
    let maxY = -1;
    seen[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop() as number;
      const px = p % mapWidth;
      const py = (p - px) / mapWidth;
      minX = Math.min(minX, px);
      maxX = Math.max(maxX, px);
      minY = Math.min(minY, py);
      maxY = Math.max(maxY, py);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = px + dx;
          const ny = py + dy;
          if (nx < 0 || ny < 0 || nx >= mapWidth || ny >= mapHeight) continue;
          const q = ny * mapWidth + nx;
          if (seen[q] || (map[q] as number) <= DET_THRESHOLD) continue;
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
    const w = maxX - minX;
    const h = maxY - minY;
    if (Math.min(w, h) < DET_MIN_SIZE) continue;
    let sum = 0;
    for (let y = minY; y <= maxY; y++) for (let x = minX; x <= maxX; x++) sum += map[y * mapWidth + x] as number;
    if (sum / ((w + 1) * (h + 1)) < DET_BOX_THRESHOLD) continue;
    const grow = (w * h * DET_UNCLIP_RATIO) / (2 * (w + h));
    if (Math.min(w, h) + 2 * grow < DET_MIN_SIZE + 2) continue;
    const scaleX = imageWidth / mapWidth;
    const scaleY = imageHeight / mapHeight;
    const clip = (v: number, max: number): number => Math.min(Math.max(Math.round(v), 0), max);
    const box = {
      x0: clip((minX - grow) * scaleX, imageWidth),
      y0: clip((minY - grow) * scaleY, imageHeight),
      x1: clip((maxX + grow) * scaleX, imageWidth),
      y1: clip((maxY + grow) * scaleY, imageHeight),
    };
    if (box.x1 - box.x0 <= DET_MIN_SIZE || box.y1 - box.y0 <= DET_MIN_SIZE) continue;
    boxes.push(box);
  }
  boxes.sort((a, b) => a.y0 - b.y0 || a.x0 - b.x0);
  // One pass of neighbour swaps, as PaddleOCR does: boxes on the same text line are read left to right.
  for (let i = 0; i + 1 < boxes.length; i++) {
    for (let j = i; j >= 0; j--) {
      const a = boxes[j] as Box;
      const b = boxes[j + 1] as Box;
      if (Math.abs(b.y0 - a.y0) < SAME_LINE_PX && b.x0 < a.x0) {
        boxes[j] = b;
        boxes[j + 1] = a;
      } else break;
    }
  }
  return boxes;
}

function crop(image: RgbImage, box: Box): RgbImage {
  const width = box.x1 - box.x0;
  const height = box.y1 - box.y0;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((box.y0 + y) * image.width + box.x0) * 3;
    rgb.set(image.rgb.subarray(from, from + width * 3), y * width * 3);
  }
  return { width, height, rgb };
}

/** Recognition input: height 48, width by aspect ratio (at least 320, zero-padded on the right), BGR in [-1, 1]. */
function recognitionTensor(line: RgbImage): ort.Tensor {
  const ratio = line.width / line.height;
  const tensorWidth = Math.max(REC_MIN_WIDTH, Math.floor(REC_HEIGHT * ratio));
  const width = Math.min(tensorWidth, Math.ceil(REC_HEIGHT * ratio));
  const rgb = resizeBilinear(line, width, REC_HEIGHT);
  const plane = tensorWidth * REC_HEIGHT;
  const data = new Float32Array(3 * plane);
  for (let y = 0; y < REC_HEIGHT; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const bgr = rgb[(y * width + x) * 3 + (2 - c)] as number;
        data[c * plane + y * tensorWidth + x] = (bgr / 255 - 0.5) / 0.5;
      }
    }
  }
  return new ort.Tensor("float32", data, [1, 3, REC_HEIGHT, tensorWidth]);
}

/**
 * CTC greedy decoding: the best class per time step, repeats collapsed, blanks (class 0) dropped. Ties go to
 * the lower class so two runs with equal scores read the same text.
 */
export function ctcDecode(
  probs: Float32Array,
  steps: number,
  classes: number,
  charset: readonly string[],
): { text: string; confidence: number } {
  let text = "";
  let sum = 0;
  let count = 0;
  let previous = -1;
  for (let t = 0; t < steps; t++) {
    let best = 0;
    let bestScore = probs[t * classes] as number;
    for (let k = 1; k < classes; k++) {
      const score = probs[t * classes + k] as number;
      if (score > bestScore) {
        best = k;
        bestScore = score;
      }
    }
    if (best !== 0 && best !== previous) {
      text += charset[best] ?? "";
      sum += bestScore;
      count++;
    }
    previous = best;
  }
  return { text, confidence: count === 0 ? 0 : sum / count };
}

/** Class list of the recognizer: CTC blank, the dictionary's characters, then the space PaddleOCR appends. */
export function charsetFromDictionary(dictionary: Uint8Array): string[] {
  const keys = new TextDecoder().decode(dictionary).split(/\r?\n/);
  if (keys.at(-1) === "") keys.pop();
  return ["", ...keys, " "];
}

export class OcrRunner {
  private readonly detection: ort.InferenceSession;
  private readonly recognition: ort.InferenceSession;
  private readonly charset: readonly string[];

  private constructor(detection: ort.InferenceSession, recognition: ort.InferenceSession, charset: readonly string[]) {
    this.detection = detection;
    this.recognition = recognition;
    this.charset = charset;
  }

  /** Loads both networks (checked against their CIDs) on `options.device` (cpu by default). */
  static async create(options: RunnerOptions = {}): Promise<OcrRunner> {
    const weights = loadWeights(OCR);
    const detection = await openSession(weights.get("detection") as Uint8Array, options);
    const recognition = await openSession(weights.get("recognition") as Uint8Array, options);
    return new OcrRunner(detection, recognition, charsetFromDictionary(weights.get("dictionary") as Uint8Array));
  }

  /** Recognizes the text of a PNG (bytes as uploaded). */
  async recognize(png: Uint8Array): Promise<OcrResult> {
    return this.recognizeImage(decodeOcrImage(png));
  }

  async recognizeImage(image: RgbImage): Promise<OcrResult> {
    const det = detectionTensor(image);
    const detOut = await this.detection.run({ [this.detection.inputNames[0] as string]: det.tensor });
    const map = floatOutput(detOut, this.detection.outputNames[0] as string);
    const boxes = boxesFromMap(map, det.width, det.height, image.width, image.height);
    const lines: OcrLine[] = [];
    const recognition: Float32Array[] = [];
    for (const box of boxes) {
      const out = await this.recognition.run({
        [this.recognition.inputNames[0] as string]: recognitionTensor(crop(image, box)),
      });
      const name = this.recognition.outputNames[0] as string;
      const dims = out[name]?.dims ?? [];
      const probs = floatOutput(out, name);
      recognition.push(probs);
      const classes = dims[2] ?? this.charset.length;
      if (classes !== this.charset.length)
        throw new Error(`recognizer has ${classes} classes, the dictionary ${this.charset.length}`);
      const read = ctcDecode(probs, dims[1] ?? 0, classes, this.charset);
      if (read.text.length > 0 && read.confidence >= REC_DROP_SCORE) lines.push({ ...read, box });
    }
    return { lines, raw: { detection: map, recognition } };
  }

  async release(): Promise<void> {
    await this.detection.release();
    await this.recognition.release();
  }
}
