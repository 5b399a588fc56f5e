// Interval analysis of the integer model. Proves, from the weights and the input range alone, that every
// value the ONNX graph computes (partial sums included) is an integer below 2^24 in magnitude, so float32
// holds it exactly; sizes the circuit's bit decompositions and the output lanes.
import { BoundError, ModelCompileError } from "./errors.ts";
import { inputQuantOf, inputRange, type IntLayer, type IntModel, size } from "./ir.ts";
import { poolWindows } from "./reference.ts";

export const FLOAT_EXACT = 2 ** 24;

export interface RequantBits {
  /** bits of the decomposition of acc + round + 2^(N-1) */
  n: number;
  /** true when the shifted value can exceed `hi`, so the circuit must clamp */
  clamp: boolean;
}

export interface Analysis {
  /** per layer: [lo, hi] over all elements of its output */
  ranges: Array<{ lo: number; hi: number }>;
  /** per layer index of a requant layer */
  requant: Map<number, RequantBits>;
  /**
   * per layer index of a maxpool layer: bits N of each comparison, the decomposition of x - m + 2^(N-1) where x is
   * a value of the window and m the running max (both in the layer's input range [L, H], so H - L < 2^(N-1))
   */
  maxpool: Map<number, number>;
  outputLo: number;
  outputHi: number;
  /** lane width of the packed output: v + 2^(B-1) fits in B bits */
  laneBits: number;
  /** largest magnitude of any intermediate value, partial sums included */
  maxAbs: number;
}

function check(v: number, l: IntLayer, what: string): void {
  if (!(v < FLOAT_EXACT)) {
    throw new BoundError(
      `${what} can reach ${v} >= 2^24, not exact in float32: lower the weight or input range`,
      l.node,
    );
  }
}

export function analyze(model: IntModel): Analysis {
  const n = model.input.shape.reduce((a, b) => a * b, 1);
  // The first layer sees the input integer less its zero point.
  const q = inputQuantOf(model);
  const { min, max } = inputRange(q);
  let lo = new Array<number>(n).fill(min - q.zeroPoint);
  let hi = new Array<number>(n).fill(max - q.zeroPoint);
  const ranges: Analysis["ranges"] = [];
  const requant = new Map<number, RequantBits>();
  const maxpool = new Map<number, number>();
  let maxAbs = Math.max(Math.abs(min - q.zeroPoint), Math.abs(max - q.zeroPoint));
  if (!(maxAbs < FLOAT_EXACT)) throw new BoundError(`the input less its zero point can reach ${maxAbs} >= 2^24`);

  const input = { lo, hi };
  const history: Array<{ lo: number[]; hi: number[] }> = [];
  model.layers.forEach((l, idx) => {
    let nlo: number[];
    let nhi: number[];
    const linear = (
      terms: (o: number, add: (w: number, i: number) => void) => void,
      outSize: number,
      bias: (o: number) => number,
    ) => {
      nlo = new Array<number>(outSize);
      nhi = new Array<number>(outSize);
      for (let o = 0; o < outSize; o++) {
        let a = bias(o);
        let b = a;
        let abs = Math.abs(a);
        terms(o, (w, i) => {
          const p = w * lo[i]!;
          const q = w * hi[i]!;
          a += Math.min(p, q);
          b += Math.max(p, q);
          abs += Math.abs(w) * Math.max(Math.abs(lo[i]!), Math.abs(hi[i]!));
        });
        check(abs, l, `a partial sum of output ${o}`);
        maxAbs = Math.max(maxAbs, abs);
        nlo[o] = a;
        nhi[o] = b;
      }
    };
    switch (l.op) {
      case "dense":
        if (l.w.length !== l.inSize * l.outSize || l.b.length !== l.outSize || lo.length !== l.inSize) {
          throw new ModelCompileError(`dense shape mismatch`, l.node);
        }
        linear(
          (o, add) => {
            for (let i = 0; i < l.inSize; i++) add(l.w[o * l.inSize + i]!, i);
          },
          l.outSize,
          (o) => l.b[o]!,
        );
        break;
      case "conv": {
        const [ci, h, w] = l.inShape;
        const [co, oh, ow] = l.outShape;
        const [kh, kw] = l.kernel;
        if (lo.length !== ci * h * w || l.w.length !== co * ci * kh * kw || l.b.length !== co)
          throw new ModelCompileError("conv shape mismatch", l.node);
        linear(
          (o, add) => {
            const m = Math.floor(o / (oh * ow));
            const oy = Math.floor(o / ow) % oh;
            const ox = o % ow;
            for (let c = 0; c < ci; c++)
              for (let ky = 0; ky < kh; ky++) {
                const iy = oy * l.stride[0] + ky - l.pads[0];
                if (iy < 0 || iy >= h) continue;
                for (let kx = 0; kx < kw; kx++) {
                  const ix = ox * l.stride[1] + kx - l.pads[1];
                  if (ix < 0 || ix >= w) continue;
                  add(l.w[((m * ci + c) * kh + ky) * kw + kx]!, (c * h + iy) * w + ix);
                }
              }
          },
          co * oh * ow,
          (o) => l.b[Math.floor(o / (oh * ow))]!,
        );
        break;
      }
      case "sumpool": {
        const [c, h, w] = l.inShape;
        const [, oh, ow] = l.outShape;
        if (lo.length !== c * h * w) throw new ModelCompileError("sumpool shape mismatch", l.node);
        linear(
          (o, add) => {
            const ch = Math.floor(o / (oh * ow));
            const oy = Math.floor(o / ow) % oh;
            const ox = o % ow;
            for (let ky = 0; ky < l.kernel[0]; ky++)
              for (let kx = 0; kx < l.kernel[1]; kx++)
                add(1, (ch * h + oy * l.stride[0] + ky) * w + ox * l.stride[1] + kx);
          },
          c * oh * ow,
          () => 0,
        );
        break;
      }
      case "add": {
        const skip = l.from < 0 ? input : history[l.from];
        if (!skip || skip.lo.length !== lo.length || l.from >= idx - 1)
          throw new ModelCompileError("residual add shape mismatch", l.node);
        const m = 2 ** l.mainShift;
        const s = 2 ** l.skipShift;
        nlo = lo.map((v, i) => v * m + skip.lo[i]! * s);
        nhi = hi.map((v, i) => v * m + skip.hi[i]! * s);
        for (let i = 0; i < lo.length; i++) {
          const abs =
            Math.max(Math.abs(lo[i]!), Math.abs(hi[i]!)) * m +
            Math.max(Math.abs(skip.lo[i]!), Math.abs(skip.hi[i]!)) * s;
          check(abs, l, `the sum of output ${i}`);
          maxAbs = Math.max(maxAbs, abs);
        }
        break;
      }
      case "maxpool": {
        const [c, h, w] = l.inShape;
        if (lo.length !== c * h * w) throw new ModelCompileError("maxpool shape mismatch", l.node);
        const n = size(l.outShape);
        const olo = new Array<number>(n);
        const ohi = new Array<number>(n);
        poolWindows(l, (o, window) => {
          olo[o] = Math.max(...window.map((i) => lo[i]!));
          ohi[o] = Math.max(...window.map((i) => hi[i]!));
        });
        const span = Math.max(...hi) - Math.min(...lo);
        let nb = 1;
        while (span >= 2 ** (nb - 1)) nb++;
        if (nb > 250) throw new ModelCompileError(`comparisons need ${nb} bits`, l.node);
        maxpool.set(idx, nb);
        nlo = olo;
        nhi = ohi;
        break;
      }
      case "flatten":
        nlo = lo;
        nhi = hi;
        break;
      case "requant": {
        const r = l.shift > 0 ? 2 ** (l.shift - 1) : 0;
        const minV = Math.min(...lo) + r;
        const maxV = Math.max(...hi) + r;
        check(Math.max(Math.abs(minV), Math.abs(maxV)), l, "the rounded accumulator");
        maxAbs = Math.max(maxAbs, Math.abs(minV), Math.abs(maxV));
        // smallest N with -2^(N-1) <= minV and maxV < 2^(N-1)
        let nb = 1;
        while (-(2 ** (nb - 1)) > minV || maxV >= 2 ** (nb - 1)) nb++;
        // the shifted value needs N-1-shift bits; clamp when it may exceed hi
        const shiftedMax = Math.floor(maxV / 2 ** l.shift);
        const clamp = shiftedMax > l.hi;
        if (clamp && (l.hi + 1) & l.hi) throw new ModelCompileError(`clamp bound ${l.hi} must be 2^b - 1`, l.node);
        if (nb - 1 <= l.shift)
          throw new ModelCompileError(`shift ${l.shift} leaves no bits (accumulator < 2^${nb - 1})`, l.node);
        if (nb > 250) throw new ModelCompileError(`accumulator needs ${nb} bits`, l.node);
        requant.set(idx, { n: nb, clamp });
        nlo = lo.map((v) => Math.min(l.hi, Math.max(0, Math.floor((v + r) / 2 ** l.shift))));
        nhi = hi.map((v) => Math.min(l.hi, Math.max(0, Math.floor((v + r) / 2 ** l.shift))));
        break;
      }
    }
    lo = nlo!;
    hi = nhi!;
    history.push({ lo, hi });
    ranges.push({ lo: Math.min(...lo), hi: Math.max(...hi) });
  });
  const outputLo = Math.min(...lo);
  const outputHi = Math.max(...hi);
  let laneBits = 1;
  while (-(2 ** (laneBits - 1)) > outputLo || outputHi >= 2 ** (laneBits - 1)) laneBits++;
  const outN = model.output.shape.reduce((a, b) => a * b, 1);
  if (outN !== lo.length)
    throw new ModelCompileError(
      `output shape [${model.output.shape}] does not match the last layer (${lo.length} values)`,
    );
  return { ranges, requant, maxpool, outputLo, outputHi, laneBits, maxAbs };
}
