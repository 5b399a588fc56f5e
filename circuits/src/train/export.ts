// Float layers -> a plain float ONNX model (what a model author would hand to the compiler).
import type { FloatLayer } from "../compiler/ir.ts";
import { encodeModel, floatTensor, node } from "../compiler/onnx-write.ts";
import type { INodeProto, ITensorProto } from "../compiler/onnx-proto.ts";

export function exportFloatOnnx(
  name: string,
  inputShape: number[],
  layers: FloatLayer[],
  opts: { inputName?: string } = {},
): Uint8Array {
  const nodes: INodeProto[] = [];
  const inits: ITensorProto[] = [];
  const inputName = opts.inputName ?? "input";
  let cur = inputName;
  let outShape = inputShape;
  for (const l of layers) {
    const out = `${l.node}_out`;
    switch (l.op) {
      case "dense":
        inits.push(
          floatTensor(`${l.node}.weight`, [l.outSize, l.inSize], l.w),
          floatTensor(`${l.node}.bias`, [l.outSize], l.b),
        );
        nodes.push(node("Gemm", l.node, [cur, `${l.node}.weight`, `${l.node}.bias`], [out], { transB: 1 }));
        outShape = [l.outSize];
        break;
      case "conv":
        inits.push(
          floatTensor(`${l.node}.weight`, [l.outShape[0], l.inShape[0], ...l.kernel], l.w),
          floatTensor(`${l.node}.bias`, [l.outShape[0]], l.b),
        );
        nodes.push(
          node("Conv", l.node, [cur, `${l.node}.weight`, `${l.node}.bias`], [out], {
            kernel_shape: l.kernel,
            strides: l.stride,
            pads: l.pads,
          }),
        );
        outShape = l.outShape;
        break;
      case "avgpool":
        nodes.push(node("AveragePool", l.node, [cur], [out], { kernel_shape: l.kernel, strides: l.stride }));
        outShape = l.outShape;
        break;
      case "add": {
        const skip = l.from < 0 ? inputName : `${layers[l.from]!.node}_out`;
        nodes.push(node("Add", l.node, [cur, skip], [out]));
        break;
      }
      case "maxpool":
        nodes.push(node("MaxPool", l.node, [cur], [out], { kernel_shape: l.kernel, strides: l.stride }));
        outShape = l.outShape;
        break;
      case "flatten":
        nodes.push(node("Flatten", l.node, [cur], [out], { axis: 1 }));
        outShape = l.outShape;
        break;
      case "relu":
        nodes.push(node("Relu", l.node, [cur], [out]));
        break;
    }
    cur = out;
  }
  nodes[nodes.length - 1]!.output = ["logits"];
  return encodeModel({
    name,
    inputName,
    inputShape,
    outputName: "logits",
    outputShape: outShape,
    nodes,
    initializers: inits,
  });
}
