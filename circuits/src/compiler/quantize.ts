// FloatModel + calibration inputs -> IntModel.
//  - input: affine integers (scale, zero point: input-quant.ts); the zero point is subtracted before the first layer;
//  - weights: int8, symmetric, one float scale per tensor (any value: only the rescale must be 2^k);
//  - biases: integers at the accumulator's scale;
//  - AveragePool becomes a sum pool, its 1/n goes into the running scale;
//  - at each Relu: requant by 2^-k (k from the calibration maximum), fused with ReLU and a clamp to [0,255].
import { ModelCompileError } from "./errors.ts";
import type { FloatModel, InputQuant, IntLayer, IntModel } from "./ir.ts";
import { quantizeValues } from "./input-quant.ts";
import { evalLayer } from "./reference.ts";
import { analyze } from "./bounds.ts";
import { shapeAfter } from "./shapes.ts";

export interface QuantizeOptions {
  name: string;
  /** calibration rows in the float model's input units (validated by the caller) */
  calibration: ReadonlyArray<ArrayLike<number>>;
  /** how the input becomes integers */
  input: InputQuant;
  /** activation bits after each ReLU (default 8) */
  activationBits?: number;
}

export interface Quantized {
  model: IntModel;
  /** per layer: real value ~= integer * scale of its output */
  layerScales: number[];
}

/** More than this share of a tensor's non-zero weights rounding to 0 at int8 destroys the layer: refused. */
export const MAX_ZEROED_WEIGHTS = 0.5;

const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

export function quantize(fm: FloatModel, opts: QuantizeOptions): Quantized {
  if (opts.calibration.length === 0) throw new ModelCompileError("quantization needs calibration inputs");
  const actHi = 2 ** (opts.activationBits ?? 8) - 1;
  const zp = opts.input.zeroPoint;
  let scale = opts.input.scale;
  const layers: IntLayer[] = [];
  const layerScales: number[] = [];
  // Calibration activations at the current point, kept exact in integers (the input less its zero point).
  const input0: number[][] = opts.calibration.map((x) => quantizeValues(x, opts.input).values.map((v) => v - zp));
  let acts = input0;
  // the calibration activations of the layers a residual add takes as its skip side (only those: they are large)
  const skipped = new Set(fm.layers.flatMap((l) => (l.op === "add" ? [l.from] : [])));
  const history = new Map<number, number[][]>();
  const scaleOf = (from: number): number => (from < 0 ? opts.input.scale : layerScales[from]!);
  const push = (l: IntLayer): void => {
    layers.push(l);
    layerScales.push(scale);
    const skip = l.op === "add" ? (l.from < 0 ? input0 : history.get(l.from)!) : undefined;
    acts = acts.map((a, r) => evalLayer(l, a, skip?.[r]));
    if (skipped.has(layers.length - 1)) history.set(layers.length - 1, acts);
  };
  /** `skipScale`: the layer closes a residual branch whose skip tensor has this scale. */
  const quantWeights = (node: string, w: Float64Array, b: Float64Array, skipScale?: number) => {
    let max = 0;
    for (const v of w) max = Math.max(max, Math.abs(v));
    if (max === 0) throw new ModelCompileError("all weights are zero", node);
    let sw = max / 127;
    if (skipScale !== undefined) {
      // The finest weight step (>= max/127) that puts the accumulator at the skip's scale times a power of 2, so the
      // add is exact in integers: at worst half the usual int8 resolution.
      const e = Math.ceil(Math.log2((scale * sw) / skipScale) - 1e-12);
      sw = (skipScale * 2 ** e) / scale;
    }
    const accScale = scale * sw;
    const wq = Array.from(w, (v) => Math.max(-127, Math.min(127, Math.round(v / sw))));
    const bq = Array.from(b, (v) => Math.round(v / accScale));
    // One huge weight sets the int8 step for the whole tensor: refuse when it erases most of the others.
    const nonZero: number[] = [];
    let zeroed = 0;
    w.forEach((v, i) => {
      if (v === 0) return;
      nonZero.push(Math.abs(v));
      if (wq[i] === 0) zeroed++;
    });
    if (zeroed > MAX_ZEROED_WEIGHTS * nonZero.length) {
      throw new ModelCompileError(
        `${zeroed} of ${nonZero.length} non-zero weights round to 0 at int8 (largest |w| ${max.toPrecision(3)}, median ` +
          `${median(nonZero).toPrecision(3)}): quantization would destroy this layer`,
        node,
      );
    }
    scale = accScale;
    return { wq, bq };
  };
  fm.layers.forEach((l, idx) => {
    const next = fm.layers[idx + 1];
    const skipScale = next?.op === "add" ? scaleOf(next.from) : undefined;
    switch (l.op) {
      case "dense": {
        const { wq, bq } = quantWeights(l.node, l.w, l.b, skipScale);
        push({ op: "dense", node: l.node, inSize: l.inSize, outSize: l.outSize, w: wq, b: bq });
        break;
      }
      case "conv": {
        const { wq, bq } = quantWeights(l.node, l.w, l.b, skipScale);
        push({
          op: "conv",
          node: l.node,
          inShape: l.inShape,
          outShape: l.outShape,
          kernel: l.kernel,
          stride: l.stride,
          pads: l.pads,
          w: wq,
          b: bq,
        });
        break;
      }
      case "avgpool":
        scale = scale / (l.kernel[0] * l.kernel[1]);
        push({
          op: "sumpool",
          node: l.node,
          inShape: l.inShape,
          outShape: l.outShape,
          kernel: l.kernel,
          stride: l.stride,
        });
        break;
      case "add": {
        const prev = layers[layers.length - 1];
        if (!prev || (prev.op !== "dense" && prev.op !== "conv"))
          throw new ModelCompileError("a residual Add needs a Conv, Gemm or MatMul right before it", l.node);
        // both sides at the finer of the two scales; their ratio is a power of 2 (quantWeights above)
        const ratio = Math.round(Math.log2(scale / scaleOf(l.from)));
        const mainShift = Math.max(0, ratio);
        const skipShift = Math.max(0, -ratio);
        scale = Math.min(scale, scaleOf(l.from));
        push({ op: "add", node: l.node, from: l.from, mainShift, skipShift });
        break;
      }
      case "maxpool":
        // max commutes with a positive scale: the scale stays
        push({
          op: "maxpool",
          node: l.node,
          inShape: l.inShape,
          outShape: l.outShape,
          kernel: l.kernel,
          stride: l.stride,
        });
        break;
      case "flatten":
        push({ op: "flatten", node: l.node, inShape: l.inShape, outShape: l.outShape });
        break;
      case "relu": {
        const prev = layers[layers.length - 1];
        if (!prev || prev.op === "requant") throw new ModelCompileError("Relu must follow a linear op", l.node);
        let max = 0;
        for (const a of acts) for (const v of a) if (v > max) max = v;
        // smallest k with max / 2^k <= actHi (rounding may still reach actHi + 1: the clamp absorbs it)
        let k = 0;
        while (max / 2 ** k > actHi) k++;
        scale = scale * 2 ** k;
        push({ op: "requant", node: l.node, shift: k, hi: actHi });
        break;
      }
    }
  });
  const outShape = shapeAfter(layers, fm.inputShape);
  const q = opts.input;
  // Key order and absent defaults keep the MNIST models' model.json byte for byte.
  const input: IntModel["input"] = { name: fm.inputName, shape: fm.inputShape, bits: q.bits, scale: q.scale };
  if (q.signed) input.signed = true;
  if (q.zeroPoint !== 0) input.zeroPoint = q.zeroPoint;
  const model: IntModel = {
    format: "sovra-int-model/1",
    name: opts.name,
    input,
    layers,
    output: { name: fm.outputName, shape: outShape, scale },
  };
  if (fm.softmax) model.output.softmax = true;
  analyze(model); // refuses anything not exact in float32
  return { model, layerScales };
}
