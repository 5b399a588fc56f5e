import type { IntLayer, Shape } from "./ir.ts";

export function layerOutShape(l: IntLayer, inShape: Shape): Shape {
  switch (l.op) {
    case "dense":
      return [l.outSize];
    case "conv":
    case "sumpool":
    case "maxpool":
    case "flatten":
      return l.outShape;
    case "requant":
    case "add":
      return inShape;
  }
}

export function shapeAfter(layers: readonly IntLayer[], inShape: Shape): Shape {
  let s = inShape;
  for (const l of layers) s = layerOutShape(l, s);
  return s;
}
