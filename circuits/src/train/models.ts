// The two Sovra MNIST models. Sizes are chosen for the dev ptau (2^14): a Groth16 circuit must stay below
// 16,384 constraints, of which ~7.4k go to the input range checks and the Poseidon hash.
import type { FloatLayer } from "../compiler/ir.ts";
import { Net } from "./net.ts";

export const MODEL_NAMES = ["mlp", "cnn"] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

function init(n: number, fanIn: number, rand: () => number): Float64Array {
  // He-uniform
  const a = Math.sqrt(6 / fanIn);
  return Float64Array.from({ length: n }, () => (rand() * 2 - 1) * a);
}

export function buildNet(name: ModelName, rand: () => number): Net {
  if (name === "mlp") {
    const layers: FloatLayer[] = [
      { op: "dense", node: "fc1", inSize: 784, outSize: 56, w: init(784 * 56, 784, rand), b: new Float64Array(56) },
      { op: "relu", node: "relu1" },
      { op: "dense", node: "fc2", inSize: 56, outSize: 10, w: init(56 * 10, 56, rand), b: new Float64Array(10) },
    ];
    return new Net([784], layers);
  }
  // conv 4x5x5 (24x24) -> avgpool 3x3/3 (8x8) -> relu -> flatten (256) -> dense 10
  const layers: FloatLayer[] = [
    {
      op: "conv",
      node: "conv1",
      inShape: [1, 28, 28],
      outShape: [4, 24, 24],
      kernel: [5, 5],
      stride: [1, 1],
      pads: [0, 0, 0, 0],
      w: init(4 * 25, 25, rand),
      b: new Float64Array(4),
    },
    { op: "avgpool", node: "pool1", inShape: [4, 24, 24], outShape: [4, 8, 8], kernel: [3, 3], stride: [3, 3] },
    { op: "relu", node: "relu1" },
    { op: "flatten", node: "flatten", inShape: [4, 8, 8], outShape: [256] },
    { op: "dense", node: "fc", inSize: 256, outSize: 10, w: init(256 * 10, 256, rand), b: new Float64Array(10) },
  ];
  return new Net([1, 28, 28], layers);
}
