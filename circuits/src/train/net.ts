// A tiny float network with backprop, enough to train the Sovra models in TypeScript (softmax cross-entropy for
// classifiers, squared error for regressors): dense, conv, average and max pools, ReLU; SGD with momentum or Adam.
import { evalFloatLayer as fwd } from "../compiler/float-reference.ts";
import type { FloatLayer } from "../compiler/ir.ts";

// gw/gb: accumulated gradients; vw/vb: momentum (SGD) or first moment (Adam); sw/sb: Adam's second moment.
type Layer = FloatLayer & {
  gw?: Float64Array;
  gb?: Float64Array;
  vw?: Float64Array;
  vb?: Float64Array;
  sw?: Float64Array;
  sb?: Float64Array;
};

export class Net {
  readonly layers: Layer[];
  readonly inputShape: number[];
  constructor(inputShape: number[], layers: FloatLayer[]) {
    this.inputShape = inputShape;
    this.layers = layers.map((l) =>
      l.op === "dense" || l.op === "conv"
        ? {
            ...l,
            gw: new Float64Array(l.w.length),
            gb: new Float64Array(l.b.length),
            vw: new Float64Array(l.w.length),
            vb: new Float64Array(l.b.length),
            sw: new Float64Array(l.w.length),
            sb: new Float64Array(l.b.length),
          }
        : { ...l },
    );
  }

  /** Returns the activations of every layer (index 0 = input). */
  forward(x: Float64Array): Float64Array[] {
    const acts: Float64Array[] = [x];
    let cur: Float64Array = x;
    for (const l of this.layers) {
      cur = fwd(l, cur);
      acts.push(cur);
    }
    return acts;
  }

  /** Accumulates gradients of softmax cross-entropy; returns the loss. */
  backward(acts: Float64Array[], label: number): number {
    const logits = acts[acts.length - 1]!;
    let max = -Infinity;
    for (const v of logits) max = Math.max(max, v);
    let sum = 0;
    const p = logits.map((v) => Math.exp(v - max));
    for (const v of p) sum += v;
    const g: Float64Array = p.map((v) => v / sum);
    const loss = -Math.log(g[label]! + 1e-12);
    g[label]! -= 1;
    this.backprop(acts, g);
    return loss;
  }

  /** Accumulates gradients of half the squared error against `target` (a regressor); returns that loss. */
  backwardSquared(acts: Float64Array[], target: readonly number[]): number {
    const y = acts[acts.length - 1]!;
    const g = y.map((v, k) => v - target[k]!);
    this.backprop(acts, g);
    return g.reduce((a, d) => a + (d * d) / 2, 0);
  }

  private backprop(acts: Float64Array[], gOut: Float64Array): void {
    let g = gOut;
    // the input's own gradient is never used: the first layer skips it
    for (let i = this.layers.length - 1; i >= 0; i--) g = bwd(this.layers[i]!, acts[i]!, acts[i + 1]!, g, i > 0);
  }

  step(lr: number, momentum: number, batch: number, decay: number): void {
    for (const l of this.layers) {
      if (l.op !== "dense" && l.op !== "conv") continue;
      const upd = (w: Float64Array, gw: Float64Array, vw: Float64Array, wd: number) => {
        for (let i = 0; i < w.length; i++) {
          vw[i] = momentum * vw[i]! - lr * (gw[i]! / batch + wd * w[i]!);
          w[i]! += vw[i]!;
          gw[i] = 0;
        }
      };
      upd(l.w, l.gw!, l.vw!, decay);
      upd(l.b, l.gb!, l.vb!, 0);
    }
  }

  private adamSteps = 0;

  /** One Adam step (bias-corrected) on the gradients accumulated over `batch` examples; L2 `decay` on the weights. */
  adam(lr: number, batch: number, decay: number, beta1 = 0.9, beta2 = 0.999, eps = 1e-8): void {
    this.adamSteps++;
    const c1 = 1 - beta1 ** this.adamSteps;
    const c2 = 1 - beta2 ** this.adamSteps;
    for (const l of this.layers) {
      if (l.op !== "dense" && l.op !== "conv") continue;
      const upd = (w: Float64Array, gw: Float64Array, m: Float64Array, v: Float64Array, wd: number) => {
        for (let i = 0; i < w.length; i++) {
          const g = gw[i]! / batch + wd * w[i]!;
          m[i] = beta1 * m[i]! + (1 - beta1) * g;
          v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
          w[i]! -= (lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + eps);
          gw[i] = 0;
        }
      };
      upd(l.w, l.gw!, l.vw!, l.sw!, decay);
      upd(l.b, l.gb!, l.vb!, l.sb!, 0);
    }
  }

  floatLayers(): FloatLayer[] {
    return this.layers.map((l) => {
      const { gw: _a, gb: _b, vw: _c, vb: _d, sw: _e, sb: _f, ...rest } = l;
      return rest as FloatLayer;
    });
  }
}

function bwd(l: Layer, x: Float64Array, y: Float64Array, gy: Float64Array, needGx: boolean): Float64Array {
  switch (l.op) {
    case "dense": {
      const gx = new Float64Array(l.inSize);
      for (let o = 0; o < l.outSize; o++) {
        const g = gy[o]!;
        if (g === 0) continue;
        l.gb![o]! += g;
        const r = o * l.inSize;
        const gw = l.gw!;
        for (let i = 0; i < l.inSize; i++) gw[r + i]! += g * x[i]!;
        if (needGx) for (let i = 0; i < l.inSize; i++) gx[i]! += g * l.w[r + i]!;
      }
      return gx;
    }
    case "conv": {
      const [ci, h, w] = l.inShape;
      const [co, oh, ow] = l.outShape;
      const [kh, kw] = l.kernel;
      const gx = new Float64Array(ci * h * w);
      for (let m = 0; m < co; m++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++) {
            const g = gy[(m * oh + oy) * ow + ox]!;
            if (g === 0) continue;
            l.gb![m]! += g;
            // the taps inside the input; each weight and input index is hit once per output, so the sums keep the
            // order of a plain loop over (m, oy, ox, c, ky, kx)
            const y0 = oy * l.stride[0] - l.pads[0];
            const x0 = ox * l.stride[1] - l.pads[1];
            const kyLo = Math.max(0, -y0);
            const kyHi = Math.min(kh, h - y0);
            const kxLo = Math.max(0, -x0);
            const kxHi = Math.min(kw, w - x0);
            const gw = l.gw!;
            for (let c = 0; c < ci; c++)
              for (let ky = kyLo; ky < kyHi; ky++) {
                const wr = ((m * ci + c) * kh + ky) * kw;
                const xr = (c * h + y0 + ky) * w + x0;
                for (let kx = kxLo; kx < kxHi; kx++) gw[wr + kx]! += g * x[xr + kx]!;
                if (needGx) for (let kx = kxLo; kx < kxHi; kx++) gx[xr + kx]! += g * l.w[wr + kx]!;
              }
          }
      return gx;
    }
    case "avgpool": {
      const [c, h, w] = l.inShape;
      const [, oh, ow] = l.outShape;
      const n = l.kernel[0] * l.kernel[1];
      const gx = new Float64Array(c * h * w);
      for (let ch = 0; ch < c; ch++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++) {
            const g = gy[(ch * oh + oy) * ow + ox]! / n;
            for (let ky = 0; ky < l.kernel[0]; ky++)
              for (let kx = 0; kx < l.kernel[1]; kx++)
                gx[(ch * h + oy * l.stride[0] + ky) * w + ox * l.stride[1] + kx]! += g;
          }
      return gx;
    }
    case "maxpool": {
      // the gradient goes to the first input that attains the window's max (the one the forward pass kept)
      const [c, h, w] = l.inShape;
      const [, oh, ow] = l.outShape;
      const gx = new Float64Array(c * h * w);
      for (let ch = 0; ch < c; ch++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++) {
            const o = (ch * oh + oy) * ow + ox;
            let best = -1;
            for (let ky = 0; ky < l.kernel[0] && best < 0; ky++)
              for (let kx = 0; kx < l.kernel[1]; kx++) {
                const xi = (ch * h + oy * l.stride[0] + ky) * w + ox * l.stride[1] + kx;
                if (x[xi] === y[o]) {
                  best = xi;
                  break;
                }
              }
            gx[best]! += gy[o]!;
          }
      return gx;
    }
    case "add":
      throw new Error(`${l.op} is not trainable here`);
    case "flatten":
      return gy;
    case "relu":
      return gy.map((g, i) => (y[i]! > 0 ? g : 0));
  }
}
