// Plain TypeScript evaluator of the integer model: the third implementation the tests compare against the
// quantized ONNX graph and the circuit witness. Values stay far below 2^53, so JS numbers are exact.
import { inputQuantOf, inputRange, type IntLayer, type IntModel, size } from "./ir.ts";

/** Calls f(o, window) for each output o of a pool (no padding): window = the input indices it covers, row-major. */
export function poolWindows(
  l: {
    inShape: [number, number, number];
    outShape: [number, number, number];
    kernel: [number, number];
    stride: [number, number];
  },
  f: (o: number, window: number[]) => void,
): void {
  const [c, h, w] = l.inShape;
  const [, oh, ow] = l.outShape;
  for (let ch = 0; ch < c; ch++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        const window: number[] = [];
        for (let ky = 0; ky < l.kernel[0]; ky++)
          for (let kx = 0; kx < l.kernel[1]; kx++)
            window.push((ch * h + oy * l.stride[0] + ky) * w + ox * l.stride[1] + kx);
        f((ch * oh + oy) * ow + ox, window);
      }
}

/** One layer on x; `skip` is the output of layer `l.from` for a residual add. */
export function evalLayer(l: IntLayer, x: ArrayLike<number>, skip?: ArrayLike<number>): number[] {
  switch (l.op) {
    case "add": {
      if (!skip || skip.length !== x.length) throw new Error(`layer ${l.node}: residual add without its skip tensor`);
      const m = 2 ** l.mainShift;
      const s = 2 ** l.skipShift;
      return Array.from(x, (v, i) => v * m + skip[i]! * s);
    }
    case "dense": {
      const y = new Array<number>(l.outSize);
      for (let o = 0; o < l.outSize; o++) {
        let s = l.b[o]!;
        const row = o * l.inSize;
        for (let i = 0; i < l.inSize; i++) s += l.w[row + i]! * x[i]!;
        y[o] = s;
      }
      return y;
    }
    case "conv": {
      const [ci, h, w] = l.inShape;
      const [co, oh, ow] = l.outShape;
      const [kh, kw] = l.kernel;
      const [pt, pl] = l.pads;
      const y = new Array<number>(co * oh * ow);
      for (let m = 0; m < co; m++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++) {
            let s = l.b[m]!;
            for (let c = 0; c < ci; c++)
              for (let ky = 0; ky < kh; ky++) {
                const iy = oy * l.stride[0] + ky - pt;
                if (iy < 0 || iy >= h) continue;
                for (let kx = 0; kx < kw; kx++) {
                  const ix = ox * l.stride[1] + kx - pl;
                  if (ix < 0 || ix >= w) continue;
                  s += l.w[((m * ci + c) * kh + ky) * kw + kx]! * x[(c * h + iy) * w + ix]!;
                }
              }
            y[(m * oh + oy) * ow + ox] = s;
          }
      return y;
    }
    case "sumpool": {
      const [c, h, w] = l.inShape;
      const [, oh, ow] = l.outShape;
      const y = new Array<number>(c * oh * ow);
      for (let ch = 0; ch < c; ch++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++) {
            let s = 0;
            for (let ky = 0; ky < l.kernel[0]; ky++)
              for (let kx = 0; kx < l.kernel[1]; kx++)
                s += x[(ch * h + oy * l.stride[0] + ky) * w + ox * l.stride[1] + kx]!;
            y[(ch * oh + oy) * ow + ox] = s;
          }
      return y;
    }
    case "maxpool": {
      const y = new Array<number>(size(l.outShape));
      poolWindows(l, (o, window) => {
        let m = x[window[0]!]!;
        for (const i of window) m = Math.max(m, x[i]!);
        y[o] = m;
      });
      return y;
    }
    case "flatten":
      return Array.from(x);
    case "requant": {
      const d = 2 ** l.shift;
      const r = l.shift > 0 ? 2 ** (l.shift - 1) : 0;
      return Array.from(x, (v) => Math.min(l.hi, Math.max(0, Math.floor((v + r) / d))));
    }
  }
}

/** Runs the layers on x (the input less its zero point); returns the output of each layer. */
export function evalLayerOutputs(layers: readonly IntLayer[], x: ArrayLike<number>): number[][] {
  const outs: number[][] = [];
  let cur: ArrayLike<number> = x;
  for (const l of layers) {
    cur = evalLayer(l, cur, l.op === "add" ? (l.from < 0 ? x : outs[l.from]) : undefined);
    outs.push(cur as number[]);
  }
  return outs;
}

/** Runs the layers on x; returns the last output. */
export function evalLayers(layers: readonly IntLayer[], x: ArrayLike<number>): number[] {
  const outs = evalLayerOutputs(layers, x);
  return Array.from(outs.at(-1) ?? x);
}

/** Integer output (e.g. logits) of the model for one integer input (zero point not yet subtracted). */
export function evaluate(model: IntModel, input: ArrayLike<number>): number[] {
  const n = model.input.shape.reduce((a, b) => a * b, 1);
  if (input.length !== n) throw new Error(`model ${model.name}: input has ${input.length} values, expected ${n}`);
  const { min, max } = inputRange(inputQuantOf(model));
  for (let i = 0; i < n; i++) {
    const v = input[i]!;
    if (!Number.isInteger(v) || v < min || v > max)
      throw new Error(`model ${model.name}: input[${i}] = ${v} is not an integer in [${min}, ${max}]`);
  }
  const zp = model.input.zeroPoint ?? 0;
  return evalLayers(model.layers, zp === 0 ? input : Array.from(input, (v) => v - zp));
}

export const argmax = (v: ArrayLike<number>): number => {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
};
