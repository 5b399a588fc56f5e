import { describe, expect, it } from "vitest";
import { packOutput } from "@sovra/circuits/io/pack";
import {
  describeIoSpec,
  describeOutput,
  formatMinVram,
  modelArchitecture,
  modelPurpose,
  parseIoSpec,
} from "../src/lib/models";

// As the circuits package registers the MNIST CNN.
const cnnSpec =
  '{"input":{"shape":[1,28,28],"dtype":"uint8","scale":0.0039},"output":{"shape":[10],"count":10,"scale":0.00036,"min":-529270,"max":563382,"laneBits":21,"lanesPerField":12,"packedLength":1}}';

describe("describeIoSpec", () => {
  it("summarises the circuits' io spec", () => {
    expect(describeIoSpec(cnnSpec)).toEqual({ summary: "in uint8[1×28×28] · out 10 values" });
  });
  it("shows accuracy when published", () => {
    expect(describeIoSpec('{"input":"uint8[784]","output":"digit","accuracy":0.9712}')).toEqual({
      summary: "in uint8[784] · out digit",
      accuracy: "97.12%",
    });
  });
  it("shows other specs as they are", () => {
    expect(describeIoSpec("mnist-28x28")).toEqual({ summary: "mnist-28x28" });
    expect(describeIoSpec('{"accuracy":2}')).toEqual({ summary: '{"accuracy":2}' });
  });
});

describe("output decoding", () => {
  const logits = [-529_270, 12, 3, 563_382, -1, 0, 7, 8, 9, 10];
  it("names the predicted digit (arg max of the logits)", () => {
    expect(describeOutput(packOutput(logits, 21), parseIoSpec(cnnSpec))).toBe("digit 3");
  });
  it("falls back without a spec", () => {
    expect(describeOutput([7n])).toBe("digit 7");
    expect(describeOutput([12n, 3n])).toBe("12, 3");
  });
});

describe("modelPurpose", () => {
  it("says what an MNIST model does, from its shapes", () => {
    expect(modelPurpose(cnnSpec)).toEqual({
      task: "Recognises a handwritten digit (0-9).",
      input: "28×28 grayscale image (784 bytes, 0 = background, 255 = ink)",
      output: "10 scores, one per digit 0-9: the highest is the answer",
    });
    expect(modelPurpose('{"input":{"shape":[784],"dtype":"uint8"},"output":{"count":10,"laneBits":21}}').task).toBe(
      "Recognises a handwritten digit (0-9).",
    );
  });
  it("prefers the spec's own task", () => {
    expect(modelPurpose('{"task":"Reads street numbers.","input":{"shape":[784]},"output":{"count":10}}').task).toBe(
      "Reads street numbers.",
    );
  });
  it("describes other models by their io spec", () => {
    expect(modelPurpose('{"input":{"shape":[3,224,224],"dtype":"float32"},"output":{"count":1000}}')).toEqual({
      task: "Runs this model on your input.",
      input: "float32[3×224×224]",
      output: "1000 values",
    });
  });
});

describe("formatMinVram", () => {
  it("says there is no minimum instead of 0 MB", () => {
    expect(formatMinVram(0)).toBe("no minimum");
    expect(formatMinVram(8_192)).toBe("8 GB");
    expect(formatMinVram(1_500)).toBe("1,500 MB");
  });
  it("names the architecture", () => {
    expect(modelArchitecture("mlp")).toBe("multi-layer perceptron");
    expect(modelArchitecture("resnet")).toBe("resnet");
  });
});
