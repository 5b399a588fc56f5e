// The TypeScript trainer: backprop through every trainable layer kind against finite differences, the Adam step,
// the shift augmentation.
import { describe, expect, it } from "vitest";
import type { FloatLayer } from "../src/compiler/ir.ts";
import { rng, shiftDigit } from "../src/train/data.ts";
import { Net } from "../src/train/net.ts";

const r = rng(3);
const rand = (n: number, a = 0.5) => Float64Array.from({ length: n }, () => (r() * 2 - 1) * a);

// [1,6,6] -> Conv 2@3x3 pad 1 -> MaxPool 2x2/2 -> Relu -> Conv 2@2x2 -> AveragePool 2x2/1 -> Relu -> Flatten -> Gemm 4->3
const layers = (): FloatLayer[] => [
  {
    op: "conv",
    node: "c1",
    inShape: [1, 6, 6],
    outShape: [2, 6, 6],
    kernel: [3, 3],
    stride: [1, 1],
    pads: [1, 1, 1, 1],
    w: rand(18),
    b: rand(2),
  },
  { op: "maxpool", node: "mp", inShape: [2, 6, 6], outShape: [2, 3, 3], kernel: [2, 2], stride: [2, 2] },
  { op: "relu", node: "r1" },
  {
    op: "conv",
    node: "c2",
    inShape: [2, 3, 3],
    outShape: [2, 2, 2],
    kernel: [2, 2],
    stride: [1, 1],
    pads: [0, 0, 0, 0],
    w: rand(16),
    b: rand(2),
  },
  { op: "avgpool", node: "ap", inShape: [2, 2, 2], outShape: [2, 1, 1], kernel: [2, 2], stride: [1, 1] },
  { op: "relu", node: "r2" },
  { op: "flatten", node: "f", inShape: [2, 1, 1], outShape: [2] },
  { op: "dense", node: "fc", inSize: 2, outSize: 3, w: rand(6), b: rand(3) },
];

const loss = (net: Net, x: Float64Array, label: number): number => {
  const out = net.forward(x).at(-1)!;
  const m = Math.max(...out);
  const s = out.reduce((a, v) => a + Math.exp(v - m), 0);
  return -(out[label]! - m - Math.log(s));
};

describe("Net backprop", () => {
  it("conv, MaxPool, AveragePool, Relu and Gemm gradients match finite differences", () => {
    const net = new Net([1, 6, 6], layers());
    const x = rand(36, 1);
    const label = 1;
    net.backward(net.forward(x), label);
    // the analytic gradient is what a plain SGD step (lr 1, no momentum, batch 1) subtracts from each weight
    const params = net.layers.flatMap((l) => (l.op === "conv" || l.op === "dense" ? [l.w, l.b] : []));
    const before = params.map((p) => Float64Array.from(p));
    const copy = net
      .floatLayers()
      .map((l) =>
        l.op === "conv" || l.op === "dense" ? { ...l, w: Float64Array.from(l.w), b: Float64Array.from(l.b) } : l,
      );
    const probe = new Net([1, 6, 6], copy);
    net.step(1, 0, 1, 0);
    let checked = 0;
    params.forEach((p, k) => {
      const q = probe.layers.flatMap((l) => (l.op === "conv" || l.op === "dense" ? [l.w, l.b] : []))[k]!;
      for (let i = 0; i < p.length; i++) {
        const analytic = before[k]![i]! - p[i]!;
        const h = 1e-6;
        const v = q[i]!;
        q[i] = v + h;
        const up = loss(probe, x, label);
        q[i] = v - h;
        const down = loss(probe, x, label);
        q[i] = v;
        expect(analytic).toBeCloseTo((up - down) / (2 * h), 5);
        checked++;
      }
    });
    expect(checked).toBe(18 + 2 + 16 + 2 + 6 + 3);
  });

  it("Adam steps lower the loss on a fixed example", () => {
    const net = new Net([1, 6, 6], layers());
    const x = rand(36, 1);
    const first = loss(net, x, 2);
    for (let i = 0; i < 50; i++) {
      net.backward(net.forward(x), 2);
      net.adam(0.01, 1, 0);
    }
    expect(loss(net, x, 2)).toBeLessThan(first / 2);
  });
});

describe("shiftDigit", () => {
  it("moves pixels right/down and fills with zeros", () => {
    const p = Uint8Array.from({ length: 9 }, (_, i) => i + 1); // 3x3: 1..9
    expect(Array.from(shiftDigit(p, 1, 0, 3))).toEqual([0, 1, 2, 0, 4, 5, 0, 7, 8]);
    expect(Array.from(shiftDigit(p, -1, -1, 3))).toEqual([5, 6, 0, 8, 9, 0, 0, 0, 0]);
    expect(Array.from(shiftDigit(p, 0, 0, 3))).toEqual(Array.from(p));
  });
});
