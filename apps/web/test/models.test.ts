import { describe, expect, it } from "vitest";
import { packOutput } from "@sovra/circuits/io/pack";
import { parseModelIo } from "../src/lib/io-spec";
import {
  decodeOutput,
  describeIoSpec,
  describeOutput,
  describeScores,
  formatMinVram,
  formatReal,
  modelArchitecture,
  modelPurpose,
  outputInWords,
} from "../src/lib/models";
import { mnistIo, regressorIo, tabularIo, text } from "./specs";

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
    expect(describeOutput(packOutput(logits, 21), cnnSpec)).toBe("digit 3");
    expect(describeOutput(packOutput([1, 2, 3, 4, 5, 6, 7, 80, 9, 10], 20), text(mnistIo))).toBe("digit 7");
  });
  it("falls back without a spec, or with one its signals do not fit", () => {
    expect(describeOutput([7n])).toBe("digit 7");
    expect(describeOutput([12n, 3n])).toBe("12, 3");
    expect(describeOutput([12n, 3n], text(tabularIo))).toBe("12, 3");
  });
  it("a classifier: the arg max's label and every score in real units", () => {
    const spec = parseModelIo(text(tabularIo));
    if (!spec.ok) throw new Error(spec.error);
    const signals = packOutput([-1159, 2318, 0], 17);
    expect(describeOutput(signals, text(tabularIo))).toBe("Chinstrap");
    const decoded = decodeOutput(signals, spec.io);
    expect(decoded).toMatchObject({ task: "classify", best: 1, answer: "Chinstrap" });
    if (decoded?.task !== "classify") throw new Error("not a classifier");
    expect(decoded.scores.map((score) => score.integer)).toEqual([-1159, 2318, 0]);
    expect(decoded.scores[1]?.real).toBeCloseTo(2318 * 0.0008629246033260609, 12);
    // softmax of (-1.0002, 2.0003, 0): the buyer's probabilities, since the float model ended in a Softmax.
    expect(describeScores(decoded, spec.io.output.scale)).toBe(
      "Adelie: -1.0001 (4.2%) · Chinstrap: 2.0003 (84.4%) · Gentoo: 0 (11.4%)",
    );
    // Without labels the class is its index.
    const unlabelled = { ...tabularIo, output: { ...tabularIo.output, labels: undefined } };
    expect(describeOutput(signals, text(unlabelled))).toBe("class 1");
  });
  it("a regressor: integer x scale, named", () => {
    expect(describeOutput(packOutput([2341], 16), text(regressorIo))).toBe("miles per gallon 23.41");
    expect(describeOutput(packOutput([-5], 16), text(regressorIo))).toBe("miles per gallon -0.05");
    const unnamed = { ...regressorIo, output: { ...regressorIo.output, labels: undefined } };
    expect(describeOutput(packOutput([2340], 16), text(unnamed))).toBe("value 23.4");
  });
  it("in full for a receipt: the answer, then every score or value", () => {
    expect(outputInWords(packOutput([-1159, 2318, 0], 17), text(tabularIo))).toBe(
      "Chinstrap (Adelie: -1.0001 (4.2%) · Chinstrap: 2.0003 (84.4%) · Gentoo: 0 (11.4%))",
    );
    expect(outputInWords(packOutput([2341], 16), text(regressorIo))).toBe("miles per gallon 23.41");
    // Signals the spec cannot read, or a spec the strict reader refuses: nothing in words.
    expect(outputInWords([12n, 3n], text(tabularIo))).toBeUndefined();
    expect(outputInWords(packOutput([2341], 16), "mnist-28x28")).toBeUndefined();
  });
  it("formats reals at the resolution of their scale", () => {
    expect(formatReal(23.4, 0.01)).toBe("23.4");
    expect(formatReal(-0.00001, 0.001)).toBe("0");
    expect(formatReal(1234.5678, 1e-9)).toBe("1234.5678");
    expect(formatReal(17, 5)).toBe("17");
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
  it("describes a tabular classifier by its feature names and labels", () => {
    expect(modelPurpose(text(tabularIo))).toEqual({
      task: "Classifies a row of 4 features into one of 3 classes (Adelie, Chinstrap, Gentoo).",
      input: "4 features: length_cm, weight_kg, ratio, price_usd (real numbers, sent as int9)",
      output: "3 scores, one per class: Adelie, Chinstrap, Gentoo: the highest is the answer",
    });
  });
  it("describes a regressor by what it predicts", () => {
    expect(modelPurpose(text(regressorIo))).toEqual({
      task: "Predicts miles per gallon from a row of 3 features.",
      input: "3 features: cylinders, horsepower, weight (real numbers, sent as int12)",
      output: "miles per gallon (each an integer × 0.0100)",
    });
    expect(describeIoSpec(text(regressorIo)).meanAbsError).toBe("2.345");
  });
  it("describes an image model of another size", () => {
    const io = {
      ...mnistIo,
      input: { ...mnistIo.input, shape: [3, 32, 32], image: { height: 32, width: 32, channels: 3 } },
      output: { ...mnistIo.output, labels: ["cat", "dog", "bird", "3", "4", "5", "6", "7", "8", "9"] },
    };
    expect(modelPurpose(text(io))).toMatchObject({
      task: "Classifies a 32×32 colour image into one of 10 classes (cat, dog, bird, 3, 4, 5, 6, 7, 8, 9).",
      input: "32×32 colour image (3072 uint8 values)",
    });
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
