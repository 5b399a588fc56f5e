import { describe, expect, it } from "vitest";
import { inputCount, inputKind, isDigitModel, parseModelIo } from "../src/lib/io-spec";
import { mnistIo, regressorIo, tabularIo, text } from "./specs";

const parsed = (io: unknown) => {
  const result = parseModelIo(text(io));
  if (!result.ok) throw new Error(result.error);
  return result.io;
};

describe("parseModelIo", () => {
  it("reads the spec of an image, a tabular and a regression model", () => {
    const mnist = parsed(mnistIo);
    expect(inputKind(mnist.input)).toBe("image");
    expect(isDigitModel(mnist)).toBe(true);
    const tabular = parsed(tabularIo);
    expect(inputKind(tabular.input)).toBe("tabular");
    expect(inputCount(tabular.input)).toBe(4);
    expect(isDigitModel(tabular)).toBe(false);
    const regressor = parsed(regressorIo);
    expect(regressor.output.task).toBe("regress");
    expect(regressor.meanAbsError).toBe(2.345);
  });

  it("takes older specs: no bits/signed/task/labels means uint8 classify", () => {
    const { bits, signed, features, ...input } = tabularIo.input;
    const { task, labels, softmax, ...output } = tabularIo.output;
    const io = parsed({
      input: { ...input, dtype: "uint8", shape: [784] },
      output: { ...output, count: 10, shape: [10] },
    });
    expect(io.input).toMatchObject({ bits: 8, signed: false });
    expect(io.output.task).toBe("classify");
    expect(inputKind(io.input)).toBe("values");
    // 784 uint8 in, 10 unlabelled scores out: the MNIST digit task of the first deployments.
    expect(isDigitModel(io)).toBe(true);
  });

  it("refuses a malformed spec in one line naming the problem", () => {
    const cases: Array<[unknown, string]> = [
      [{ ...tabularIo, input: { ...tabularIo.input, features: ["a", "b"] } }, "2 feature names for 4 input values"],
      [{ ...tabularIo, input: { ...tabularIo.input, dtype: "uint8" } }, "dtype uint8 does not fit signed 9-bit"],
      [{ ...tabularIo, input: { ...tabularIo.input, dtype: "float32" } }, "input.dtype"],
      [{ ...tabularIo, input: { ...tabularIo.input, scale: 0 } }, "input.scale"],
      [{ ...tabularIo, output: { ...tabularIo.output, labels: ["x"] } }, "1 output labels for 3 output values"],
      [{ ...tabularIo, output: { ...tabularIo.output, shape: [2] } }, "output shape [2] is not 3 values"],
      [{ ...mnistIo, input: { ...mnistIo.input, image: { height: 28, width: 27, channels: 1 } } }, "28x27x1"],
      [{ ...mnistIo, input: { ...mnistIo.input, shape: [70_000] } }, "more than a bid carries"],
      [{ input: "uint8[784]", output: "digit" }, "input"],
    ];
    for (const [io, message] of cases) {
      const result = parseModelIo(text(io));
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error).toContain(message);
        expect(result.error).toMatch(/^the model's io spec is malformed: [^\n]+$/);
      }
    }
    expect(parseModelIo("mnist-28x28")).toEqual({ ok: false, error: "the model's io spec is not JSON" });
  });
});
