// FloatModel + calibration inputs -> IntModel.
//  - weights: int8, symmetric, one float scale per tensor (any value: only the rescale must be 2^k);
//  - biases: integers at the accumulator's scale;
//  - AveragePool becomes a sum pool, its 1/n goes into the running scale;
//  - at each Relu: requant by 2^-k (k from the calibration maximum), fused with ReLU and a clamp to [0,255].
import { ModelCompileError } from './errors.ts';
import type { FloatModel, IntLayer, IntModel } from './ir.ts';
import { evalLayer } from './reference.ts';
import { analyze } from './bounds.ts';
import { shapeAfter } from './shapes.ts';

export interface QuantizeOptions {
  name: string;
  /** calibration inputs as unsigned integers (e.g. uint8 pixels) */
  calibration: ReadonlyArray<ArrayLike<number>>;
  /** bits of each input integer */
  inputBits: number;
  /** real value = input integer * inputScale */
  inputScale: number;
  /** activation bits after each ReLU (default 8) */
  activationBits?: number;
}

export function quantize(fm: FloatModel, opts: QuantizeOptions): IntModel {
  if (opts.calibration.length === 0) throw new ModelCompileError('quantization needs calibration inputs');
  const actHi = 2 ** (opts.activationBits ?? 8) - 1;
  let scale = opts.inputScale;
  const layers: IntLayer[] = [];
  // Calibration activations at the current point, kept exact in integers.
  let acts: number[][] = opts.calibration.map((x) => Array.from(x));
  const push = (l: IntLayer): void => {
    layers.push(l);
    acts = acts.map((a) => evalLayer(l, a));
  };
  const quantWeights = (node: string, w: Float64Array, b: Float64Array) => {
    let max = 0;
    for (const v of w) max = Math.max(max, Math.abs(v));
    if (max === 0) throw new ModelCompileError('all weights are zero', node);
    const sw = max / 127;
    const accScale = scale * sw;
    const wq = Array.from(w, (v) => Math.round(v / sw));
    const bq = Array.from(b, (v) => Math.round(v / accScale));
    scale = accScale;
    return { wq, bq };
  };
  for (const l of fm.layers) {
    switch (l.op) {
      case 'dense': {
        const { wq, bq } = quantWeights(l.node, l.w, l.b);
        push({ op: 'dense', node: l.node, inSize: l.inSize, outSize: l.outSize, w: wq, b: bq });
        break;
      }
      case 'conv': {
        const { wq, bq } = quantWeights(l.node, l.w, l.b);
        push({ op: 'conv', node: l.node, inShape: l.inShape, outShape: l.outShape, kernel: l.kernel, stride: l.stride, pads: l.pads, w: wq, b: bq });
        break;
      }
      case 'avgpool':
        scale = scale / (l.kernel[0] * l.kernel[1]);
        push({ op: 'sumpool', node: l.node, inShape: l.inShape, outShape: l.outShape, kernel: l.kernel, stride: l.stride });
        break;
      case 'flatten':
        push({ op: 'flatten', node: l.node, inShape: l.inShape, outShape: l.outShape });
        break;
      case 'relu': {
        const prev = layers[layers.length - 1];
        if (!prev || prev.op === 'requant') throw new ModelCompileError('Relu must follow a linear op', l.node);
        let max = 0;
        for (const a of acts) for (const v of a) if (v > max) max = v;
        // smallest k with max / 2^k <= actHi (rounding may still reach actHi + 1: the clamp absorbs it)
        let k = 0;
        while (max / 2 ** k > actHi) k++;
        scale = scale * 2 ** k;
        push({ op: 'requant', node: l.node, shift: k, hi: actHi });
        break;
      }
    }
  }
  const outShape = shapeAfter(layers, fm.inputShape);
  const model: IntModel = {
    format: 'sovra-int-model/1',
    name: opts.name,
    input: { name: fm.inputName, shape: fm.inputShape, bits: opts.inputBits, scale: opts.inputScale },
    layers,
    output: { name: fm.outputName, shape: outShape, scale },
  };
  analyze(model); // refuses anything not exact in float32
  return model;
}
