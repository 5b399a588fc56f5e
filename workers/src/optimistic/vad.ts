// Silero VAD v5 on the project's onnxruntime-node: 16 kHz mono WAV -> speech segments. Streaming as the model
// was trained: 512-sample windows (32 ms), each preceded by the last 64 samples of the one before, the
// recurrent state carried from window to window. Segments come from Silero's own hysteresis
// (get_speech_timestamps) with the parameters below; audio is processed strictly in order, so the result does
// not depend on how a provider batches or threads it.
import { loadWeights, VAD } from "./models.ts";
import { floatOutput, openSession, ort, type RunnerOptions } from "./session.ts";
import { parseWav, VAD_SAMPLE_RATE } from "./wav.ts";

export const VAD_WINDOW = 512;
const CONTEXT = 64;
const STATE_SIZE = 2 * 1 * 128;

/** Hysteresis: speech starts at `threshold`, ends only below `negThreshold` for `minSilenceMs`. */
export const VAD_PARAMS = {
  threshold: 0.5,
  negThreshold: 0.35,
  /** Shorter bursts (a click, a cough) are not speech. */
  minSpeechMs: 250,
  /** Pauses between words shorter than this stay inside one segment. */
  minSilenceMs: 100,
  /** Each segment is widened by this much on both sides (Silero's default), halved between close segments. */
  speechPadMs: 30,
} as const;

/** A speech segment in samples at 16 kHz (end exclusive). */
export type SampleSegment = { start: number; end: number };
export type VadResult = {
  /** Speech segments in ms, not rounded (the canonical output rounds them to 10 ms). */
  segments: [number, number][];
  /** Speech probability of each 512-sample window: the raw output, for measuring drift between runs. */
  probabilities: Float32Array;
};

/** Silero's get_speech_timestamps (without the max-speech split) over per-window probabilities. */
export function speechSegments(probabilities: ArrayLike<number>, totalSamples: number): SampleSegment[] {
  const perMs = VAD_SAMPLE_RATE / 1000;
  const minSpeech = VAD_PARAMS.minSpeechMs * perMs;
  const minSilence = VAD_PARAMS.minSilenceMs * perMs;
  const pad = VAD_PARAMS.speechPadMs * perMs;
  const segments: SampleSegment[] = [];
  let triggered = false;
  let start = 0;
  let tempEnd = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i] as number;
    const at = i * VAD_WINDOW;
    if (p >= VAD_PARAMS.threshold && tempEnd !== 0) tempEnd = 0;
    if (p >= VAD_PARAMS.threshold && !triggered) {
      triggered = true;
      start = at;
      continue;
    }
    if (p < VAD_PARAMS.negThreshold && triggered) {
      if (tempEnd === 0) tempEnd = at;
      if (at - tempEnd < minSilence) continue;
      if (tempEnd - start > minSpeech) segments.push({ start, end: tempEnd });
      triggered = false;
      tempEnd = 0;
    }
  }
  if (triggered && totalSamples - start > minSpeech) segments.push({ start, end: totalSamples });
  // Padding: a gap shorter than two pads is split in the middle, so segments never overlap.
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as SampleSegment;
    if (i === 0) segment.start = Math.max(0, segment.start - pad);
    const next = segments[i + 1];
    if (next === undefined) {
      segment.end = Math.min(totalSamples, segment.end + pad);
      continue;
    }
    const gap = next.start - segment.end;
    if (gap < 2 * pad) {
      segment.end += Math.floor(gap / 2);
      next.start = Math.max(0, next.start - Math.floor(gap / 2));
    } else {
      segment.end = Math.min(totalSamples, segment.end + pad);
      next.start = Math.max(0, next.start - pad);
    }
  }
  return segments;
}

export class VadRunner {
  private readonly session: ort.InferenceSession;

  private constructor(session: ort.InferenceSession) {
    this.session = session;
  }

  /** Loads the network (checked against its CID) on `options.device` (cpu by default). */
  static async create(options: RunnerOptions = {}): Promise<VadRunner> {
    const weights = loadWeights(VAD);
    return new VadRunner(await openSession(weights.get("vad") as Uint8Array, options));
  }

  /** Speech segments of a WAV (bytes as uploaded). */
  async detect(wav: Uint8Array): Promise<VadResult> {
    return this.detectSamples(parseWav(wav).samples);
  }

  async detectSamples(samples: Float32Array): Promise<VadResult> {
    const windows = Math.ceil(samples.length / VAD_WINDOW);
    const probabilities = new Float32Array(windows);
    let state: Float32Array = new Float32Array(STATE_SIZE);
    const input = new Float32Array(CONTEXT + VAD_WINDOW);
    const sr = new ort.Tensor("int64", BigInt64Array.from([BigInt(VAD_SAMPLE_RATE)]), []);
    for (let w = 0; w < windows; w++) {
      // The context is the previous window's last 64 samples (zeros before the first); the last window is
      // zero-padded to full length.
      input.copyWithin(0, VAD_WINDOW, VAD_WINDOW + CONTEXT);
      if (w === 0) input.fill(0, 0, CONTEXT);
      input.fill(0, CONTEXT);
      input.set(samples.subarray(w * VAD_WINDOW, (w + 1) * VAD_WINDOW), CONTEXT);
      const out = await this.session.run({
        input: new ort.Tensor("float32", input.slice(), [1, CONTEXT + VAD_WINDOW]),
        state: new ort.Tensor("float32", state, [2, 1, 128]),
        sr,
      });
      probabilities[w] = floatOutput(out, "output")[0] as number;
      state = floatOutput(out, "stateN");
    }
    const segments = speechSegments(probabilities, samples.length).map((s): [number, number] => [
      (s.start * 1000) / VAD_SAMPLE_RATE,
      (s.end * 1000) / VAD_SAMPLE_RATE,
    ]);
    return { segments, probabilities };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
