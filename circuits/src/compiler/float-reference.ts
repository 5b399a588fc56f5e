// Float evaluation of the layers read from ONNX, in float64: trains the MNIST models (src/train/net.ts) and
// measures the quantization error of each layer (compiler report).
import type { FloatLayer } from "./ir.ts";

/** One layer on x; `skip` is the output of layer `l.from` for a residual add. */
export function evalFloatLayer(l: FloatLayer, x: Float64Array, skip?: Float64Array): Float64Array {
  switch (l.op) {
    case "add":
      if (!skip || skip.length !== x.length) throw new Error(`layer ${l.node}: residual add without its skip tensor`);
      return x.map((v, i) => v + skip[i]!);
    case "dense": {
      const y = new Float64Array(l.outSize);
      for (let o = 0; o < l.outSize; o++) {
        let s = l.b[o]!;
        const r = o * l.inSize;
        for (let i = 0; i < l.inSize; i++) s += l.w[r + i]! * x[i]!;
        y[o] = s;
      }
      return y;
    }
    case "conv": {
      const [ci, h, w] = l.inShape;
      const [co, oh, ow] = l.outShape;
      const [kh, kw] = l.kernel;
      const y = new Float64Array(co * oh * ow);
      for (let m = 0; m < co; m++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++) {
            // the kernel taps inside the input (the rest read padding zeros), in the same order as a plain loop
            const y0 = oy * l.stride[0] - l.pads[0];
            const x0 = ox * l.stride[1] - l.pads[1];
            const kyLo = Math.max(0, -y0);
            const kyHi = Math.min(kh, h - y0);
            const kxLo = Math.max(0, -x0);
            const kxHi = Math.min(kw, w - x0);
            let s = l.b[m]!;
            for (let c = 0; c < ci; c++)
              for (let ky = kyLo; ky < kyHi; ky++) {
                const wr = ((m * ci + c) * kh + ky) * kw;
                const xr = (c * h + y0 + ky) * w + x0;
                for (let kx = kxLo; kx < kxHi; kx++) s += l.w[wr + kx]! * x[xr + kx]!;
              }
            y[(m * oh + oy) * ow + ox] = s;
          }
      return y;
    }
    case "avgpool": {
      const [c, h, w] = l.inShape;
      const [, oh, ow] = l.outShape;
      const n = l.kernel[0] * l.kernel[1];
      const y = new Float64Array(c * oh * ow);
      for (let ch = 0; ch < c; ch++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++) {
            let s = 0;
            for (let ky = 0; ky < l.kernel[0]; ky++)
              for (let kx = 0; kx < l.kernel[1]; kx++)
                s += x[(ch * h + oy * l.stride[0] + ky) * w + ox * l.stride[1] + kx]!;
            y[(ch * oh + oy) * ow + ox] = s / n;
          }
      return y;
    }
    case "maxpool": {
      const [c, h, w] = l.inShape;
      const [, oh, ow] = l.outShape;
      const y = new Float64Array(c * oh * ow);
      for (let ch = 0; ch < c; ch++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++) {
            let m = -Infinity;
            for (let ky = 0; ky < l.kernel[0]; ky++)
              for (let kx = 0; kx < l.kernel[1]; kx++)
                m = Math.max(m, x[(ch * h + oy * l.stride[0] + ky) * w + ox * l.stride[1] + kx]!);
            y[(ch * oh + oy) * ow + ox] = m;
          }
      return y;
    }
    case "flatten":
      return x;
    case "relu":
      return x.map((v) => Math.max(v, 0));
  }
}

/** Runs every layer on x; returns the output of each layer (index i = after layer i). */
export function evalFloatLayers(layers: readonly FloatLayer[], x: ArrayLike<number>): Float64Array[] {
  const outs: Float64Array[] = [];
  const input = Float64Array.from(x);
  let cur: Float64Array = input;
  for (const l of layers) {
    cur = evalFloatLayer(l, cur, l.op === "add" ? (l.from < 0 ? input : outs[l.from]) : undefined);
    outs.push(cur);
  }
  return outs;
}

/** Number of values the float model outputs per example. */
export function floatOutputSize(inputShape: readonly number[], layers: readonly FloatLayer[]): number {
  let n = inputShape.reduce((a, b) => a * b, 1);
  for (const l of layers) {
    if (l.op === "dense") n = l.outSize;
    else if (l.op !== "relu" && l.op !== "add") n = l.outShape.reduce((a, b) => a * b, 1);
  }
  return n;
}
