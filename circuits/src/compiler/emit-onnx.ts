// IntModel -> ONNX graph with exact integer semantics in float32 (bounds.ts proves every value < 2^24).
import { analyze } from "./bounds.ts";
import type { IntModel } from "./ir.ts";
import { encodeModel, floatTensor, int64Tensor, node } from "./onnx-write.ts";
import type { INodeProto, ITensorProto } from "./onnx-proto.ts";

export function emitOnnx(model: IntModel): Uint8Array {
  analyze(model);
  const nodes: INodeProto[] = [];
  const inits: ITensorProto[] = [];
  let cur = "input";
  const zp = model.input.zeroPoint ?? 0;
  if (zp !== 0) {
    // The graph takes the input integers as they are hashed and proven; the first layer sees them less the zero point.
    inits.push(floatTensor("input_zero_point", [], [zp]));
    nodes.push(node("Sub", "input_zero_point", [cur, "input_zero_point"], ["input_centered"]));
    cur = "input_centered";
  }
  const input = cur; // what the first layer sees (the skip tensor of a residual add from the input)
  model.layers.forEach((l, i) => {
    const p = `l${i}`;
    const out = `${p}_out`;
    switch (l.op) {
      case "add": {
        // x * 2^mainShift + skip * 2^skipShift, the skip being an earlier tensor of the graph
        let x = cur;
        let skip = l.from < 0 ? input : `l${l.from}_out`;
        if (l.mainShift > 0) {
          inits.push(floatTensor(`${p}_main_scale`, [], [2 ** l.mainShift]));
          nodes.push(node("Mul", `${p}_mulmain`, [x, `${p}_main_scale`], [`${p}_main`]));
          x = `${p}_main`;
        }
        if (l.skipShift > 0) {
          inits.push(floatTensor(`${p}_skip_scale`, [], [2 ** l.skipShift]));
          nodes.push(node("Mul", `${p}_mulskip`, [skip, `${p}_skip_scale`], [`${p}_skip`]));
          skip = `${p}_skip`;
        }
        nodes.push(node("Add", `${p}_add`, [x, skip], [out]));
        break;
      }
      case "dense":
        inits.push(floatTensor(`${p}_w`, [l.outSize, l.inSize], l.w), floatTensor(`${p}_b`, [l.outSize], l.b));
        nodes.push(node("Gemm", `${p}_gemm`, [cur, `${p}_w`, `${p}_b`], [out], { transB: 1 }));
        break;
      case "conv": {
        const [co, ci] = [l.outShape[0], l.inShape[0]];
        inits.push(floatTensor(`${p}_w`, [co, ci, ...l.kernel], l.w), floatTensor(`${p}_b`, [co], l.b));
        nodes.push(
          node("Conv", `${p}_conv`, [cur, `${p}_w`, `${p}_b`], [out], {
            kernel_shape: l.kernel,
            strides: l.stride,
            pads: l.pads,
          }),
        );
        break;
      }
      case "sumpool": {
        // A depthwise convolution with a kernel of ones: an exact integer sum (AveragePool would divide).
        const c = l.inShape[0];
        inits.push(
          floatTensor(`${p}_ones`, [c, 1, ...l.kernel], new Array<number>(c * l.kernel[0] * l.kernel[1]).fill(1)),
        );
        nodes.push(
          node("Conv", `${p}_sumpool`, [cur, `${p}_ones`], [out], {
            kernel_shape: l.kernel,
            strides: l.stride,
            group: c,
          }),
        );
        break;
      }
      case "maxpool":
        // max of integers held exactly in float32 is exact
        nodes.push(node("MaxPool", `${p}_maxpool`, [cur], [out], { kernel_shape: l.kernel, strides: l.stride }));
        break;
      case "flatten":
        if (l.outShape.length === 1) {
          nodes.push(node("Flatten", `${p}_flatten`, [cur], [out], { axis: 1 }));
        } else {
          // 0 keeps the batch dimension
          inits.push(int64Tensor(`${p}_shape`, [l.outShape.length + 1], [0, ...l.outShape]));
          nodes.push(node("Reshape", `${p}_reshape`, [cur, `${p}_shape`], [out]));
        }
        break;
      case "requant": {
        let x = cur;
        if (l.shift > 0) {
          inits.push(
            floatTensor(`${p}_round`, [], [2 ** (l.shift - 1)]),
            floatTensor(`${p}_scale`, [], [2 ** -l.shift]),
          );
          nodes.push(node("Add", `${p}_round`, [x, `${p}_round`], [`${p}_r`]));
          nodes.push(node("Mul", `${p}_shift`, [`${p}_r`, `${p}_scale`], [`${p}_s`]));
          nodes.push(node("Floor", `${p}_floor`, [`${p}_s`], [`${p}_f`]));
          x = `${p}_f`;
        }
        inits.push(floatTensor(`${p}_lo`, [], [0]), floatTensor(`${p}_hi`, [], [l.hi]));
        nodes.push(node("Clip", `${p}_clip`, [x, `${p}_lo`, `${p}_hi`], [out]));
        break;
      }
    }
    cur = out;
  });
  nodes.push(node("Identity", "output", [cur], ["output"]));
  return encodeModel({
    name: model.name,
    inputName: "input",
    inputShape: model.input.shape,
    outputName: "output",
    outputShape: model.output.shape,
    nodes,
    initializers: inits,
    docString: intOnnxDocString(model),
  });
}

/**
 * The quantized graph's doc string: the model name and the io numbers the graph itself does not hold. For a uint8
 * input with zero point 0 it is the MNIST models' text, byte for byte; `readIntOnnx` parses it back.
 */
export function intOnnxDocString(model: IntModel): string {
  const { bits, scale } = model.input;
  const zp = model.input.zeroPoint ?? 0;
  const input = `${model.input.signed ? "int" : "uint"}${bits} (scale ${scale}${zp !== 0 ? `, zero point ${zp}` : ""})`;
  const softmax = model.output.softmax ? " (logits: the float model's Softmax is left to the buyer)" : "";
  return `Sovra integer model '${model.name}': exact integer semantics in float32; input ${input}, output scale ${model.output.scale}${softmax}`;
}
