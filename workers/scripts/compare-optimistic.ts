// Determinism of the optimistic models: runs OCR and VAD N times on every execution provider this host has
// (cpu with onnxruntime's default threads, cpu on one thread, webgpu, cuda) and reports, per model, whether
// the canonical outputs are byte-identical across runs and providers, whether they pass the comparison rule
// against cpu, the largest absolute difference of the raw output tensors, how close the raw outputs came to a
// decision boundary, and latency p50. Usage (from the repository root):
//   node workers/scripts/compare-optimistic.ts [--runs 10] [--out workers/bench/optimistic-compare.json]
import { writeFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { renderTextPng, speechAudio, speechClip } from "../test/optimistic-fixtures.ts";
import { canonicalBytes, sameResult } from "../src/optimistic/canonical.ts";
import { installedOnnxruntimeVersion, type OptimisticModelName } from "../src/optimistic/models.ts";
import { OcrRunner } from "../src/optimistic/ocr.ts";
import type { RunnerOptions } from "../src/optimistic/session.ts";
import { VAD_PARAMS, VadRunner } from "../src/optimistic/vad.ts";
import { parseWav } from "../src/optimistic/wav.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "10" },
    out: { type: "string", default: "workers/bench/optimistic-compare.json" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log("usage: node workers/scripts/compare-optimistic.ts [--runs N] [--out FILE]");
  process.exit(0);
}
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 2) {
  console.error("--runs must be an integer of at least 2");
  process.exit(1);
}

type Config = { label: string; options: RunnerOptions };
const configs: Config[] = [
  { label: "cpu", options: { device: "cpu" } },
  { label: "cpu-1-thread", options: { device: "cpu", threads: 1 } },
  { label: "webgpu", options: { device: "webgpu" } },
  { label: "cuda", options: { device: "cuda" } },
];

/** One run's output: the committed bytes and the raw tensors behind them. */
type Sample = { canonical: Uint8Array; raw: Float32Array[]; ms: number; margin: number };
type Input = { name: string; bytes: Uint8Array };

// A deterministic generator for the noise added to one VAD input (no Math.random: the inputs must be the same
// on every host).
function noise(seed: number, count: number, amplitude: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * amplitude;
  }
  return out;
}

function inputs(model: OptimisticModelName): Input[] {
  if (model === "ocr")
    return [
      {
        name: "two-lines-32px",
        bytes: renderTextPng(["Sovra verifies inference on-chain.", "Price 42 tUSD, deadline 17:30"]),
      },
      {
        name: "paragraph-20px",
        bytes: renderTextPng(
          [
            "An optimistic result stands unless someone shows it is wrong.",
            "Auditors re-execute a random share of jobs; a challenger posts a bond.",
            "Invoice 2024-117: 3 x GPU hours at 0.85 each, total 2.55",
          ],
          20,
        ),
      },
    ];
  const clean = speechAudio([1000, speechClip("front-center"), 1500, speechClip("rear-right"), 700]);
  const samples = parseWav(clean.wav).samples;
  const hiss = noise(7, samples.length, 0.02);
  const noisy = speechAudio([samples.map((v, i) => v + (hiss[i] as number))]);
  return [
    { name: "two-clips-clean", bytes: clean.wav },
    { name: "two-clips-noise", bytes: noisy.wav },
  ];
}

type Runner = { run(input: Uint8Array): Promise<Sample>; release(): Promise<void> };

async function open(model: OptimisticModelName, options: RunnerOptions): Promise<Runner> {
  if (model === "ocr") {
    const ocr = await OcrRunner.create(options);
    return {
      async run(input) {
        const started = performance.now();
        const result = await ocr.recognize(input);
        const ms = performance.now() - started;
        return {
          canonical: canonicalBytes("ocr", { lines: result.lines.map((l) => l.text) }),
          raw: [result.raw.detection, ...result.raw.recognition],
          ms,
          margin: Math.min(...result.raw.recognition.map((r) => top2Gap(r, 6625))),
        };
      },
      release: () => ocr.release(),
    };
  }
  const vad = await VadRunner.create(options);
  return {
    async run(input) {
      const started = performance.now();
      const result = await vad.detect(input);
      const ms = performance.now() - started;
      let margin = Number.POSITIVE_INFINITY;
      for (const p of result.probabilities)
        margin = Math.min(margin, Math.abs(p - VAD_PARAMS.threshold), Math.abs(p - VAD_PARAMS.negThreshold));
      return {
        canonical: canonicalBytes("vad", { segments: result.segments }),
        raw: [result.probabilities],
        ms,
        margin,
      };
    },
    release: () => vad.release(),
  };
}

/** Smallest gap between the best and second-best class over a recognizer's time steps: how near a tie came. */
function top2Gap(probs: Float32Array, classes: number): number {
  let gap = Number.POSITIVE_INFINITY;
  for (let t = 0; t * classes < probs.length; t++) {
    let a = Number.NEGATIVE_INFINITY;
    let b = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < classes; k++) {
      const v = probs[t * classes + k] as number;
      if (v > a) {
        b = a;
        a = v;
      } else if (v > b) b = v;
    }
    gap = Math.min(gap, a - b);
  }
  return gap;
}

/** Largest |a - b| over tensors of the same shapes; null when the shapes differ (other boxes were found). */
function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number | null {
  if (a.length !== b.length) return null;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Float32Array;
    const y = b[i] as Float32Array;
    if (x.length !== y.length) return null;
    for (let j = 0; j < x.length; j++) max = Math.max(max, Math.abs((x[j] as number) - (y[j] as number)));
  }
  return max;
}

/** The first run of input `i`: the one compared across providers. */
function first(samples: Sample[][] | undefined, i: number): Sample {
  const sample = samples?.[i]?.[0];
  if (sample === undefined) throw new Error(`no run of input ${i}`);
  return sample;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
const p50 = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
};
const round = (v: number, digits = 3): number => Number(v.toPrecision(digits));

async function compare(model: OptimisticModelName) {
  const cases = inputs(model);
  const perConfig: Record<string, Sample[][]> = {};
  const report: Record<string, unknown>[] = [];
  for (const config of configs) {
    let runner: Runner;
    try {
      runner = await open(model, config.options);
    } catch (error) {
      report.push({ config: config.label, available: false, error: (error as Error).message });
      continue;
    }
    const samples: Sample[][] = [];
    for (const input of cases) {
      await runner.run(input.bytes); // warm-up: first runs allocate and, on a GPU, compile kernels
      const one: Sample[] = [];
      for (let r = 0; r < runs; r++) one.push(await runner.run(input.bytes));
      samples.push(one);
    }
    await runner.release();
    perConfig[config.label] = samples;
    const identical = samples.every((s) => s.every((x) => same(x.canonical, (s[0] as Sample).canonical)));
    const drift = samples.map((s) => s.map((x) => maxAbsDiff(x.raw, (s[0] as Sample).raw)));
    report.push({
      config: config.label,
      available: true,
      runs,
      canonicalIdenticalAcrossRuns: identical,
      rawMaxAbsDiffAcrossRuns: Math.max(...drift.flat().map((d) => d ?? Number.POSITIVE_INFINITY)),
      latencyMsP50: Object.fromEntries(cases.map((c, i) => [c.name, round(p50((samples[i] ?? []).map((x) => x.ms)))])),
      minMarginToDecision: round(Math.min(...samples.map((s) => (s[0] as Sample).margin))),
      outputs: Object.fromEntries(cases.map((c, i) => [c.name, new TextDecoder().decode(first(samples, i).canonical)])),
    });
    console.error(JSON.stringify(report.at(-1)));
  }
  const reference = perConfig.cpu;
  const versusCpu = Object.entries(perConfig)
    .filter(([label]) => label !== "cpu")
    .map(([label, samples]) => ({
      config: label,
      canonicalIdentical: cases.every((_, i) => same(first(samples, i).canonical, first(reference, i).canonical)),
      sameResultByRule: cases.every((_, i) =>
        sameResult(model, first(samples, i).canonical, first(reference, i).canonical),
      ),
      rawMaxAbsDiff: Math.max(
        ...cases.map((_, i) => maxAbsDiff(first(samples, i).raw, first(reference, i).raw) ?? Number.POSITIVE_INFINITY),
      ),
    }));
  return { inputs: cases.map((c) => c.name), configs: report, versusCpu };
}

const result = {
  host: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    platform: `${os.platform()}-${os.arch()}`,
  },
  onnxruntime: installedOnnxruntimeVersion(),
  runs,
  ocr: await compare("ocr"),
  vad: await compare("vad"),
};
writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
