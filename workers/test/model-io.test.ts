// Generic model io on the buyer's and the node's side: input files (JSON in real units, CSV with or without a
// header, PNG, raw pixels) read by an io spec, clamping, the node's decoding of int16 inputs, and the answer
// printed from a packed output.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { encodeInput, quantizeReal } from "@sovra/circuits/io/input";
import { packOutput } from "@sovra/circuits/io/pack";
import { modelInputConcerns, modelInputRefusal } from "../src/cli/input-check.ts";
import { readMnistInput } from "../src/image.ts";
import { decodeInputRef, encodeInputRef } from "../src/input.ts";
import { inputBytesOf, parseIoSpec, quantizationOf, type IoSpec } from "../src/io-spec.ts";
import { cells, clampWarning, describeInput, pixelsToValues, readModelInput } from "../src/model-input.ts";
import { describeOutput } from "../src/output.ts";
import { jobInput } from "../src/pipeline/processors.ts";
import { encodeGrayPng } from "../src/testing/png.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const HASH = "poseidon(n_bytes, 31-byte LE field elements, chunks of 15)";

/** The shipped MNIST MLP's io spec, as deploy puts it on chain (manifest io + accuracy). */
const mlpManifest = JSON.parse(
  readFileSync(path.join(here, "..", "..", "circuits", "models", "mlp", "manifest.json"), "utf8"),
) as { io: unknown; accuracy: { quantized: number } };
const mnist = parseIoSpec(JSON.stringify({ ...(mlpManifest.io as object), accuracy: 0.94 }), "mlp");

/** A tabular classifier with signed 9-bit inputs (2 bytes each), as sovra-model compiles one. */
const tabularText = JSON.stringify({
  input: {
    shape: [4],
    dtype: "int16",
    bits: 9,
    signed: true,
    scale: 0.0125,
    zeroPoint: -9,
    features: ["length_cm", "weight_kg", "ratio", "price_usd"],
    hash: HASH,
  },
  output: {
    shape: [3],
    count: 3,
    scale: 0.001,
    min: -40000,
    max: 50000,
    laneBits: 17,
    lanesPerField: 14,
    packedLength: 1,
    task: "classify",
    labels: ["Adelie", "Chinstrap", "Gentoo"],
  },
  accuracy: 0.92,
});
const tabular = parseIoSpec(tabularText, "tab");

const regressor: IoSpec = parseIoSpec(
  JSON.stringify({
    input: { shape: [2], dtype: "uint8", bits: 8, signed: false, scale: 1, zeroPoint: 0, hash: HASH },
    output: {
      shape: [1],
      count: 1,
      scale: 0.25,
      min: -1000,
      max: 1000,
      laneBits: 12,
      lanesPerField: 21,
      packedLength: 1,
      task: "regress",
      labels: ["mpg"],
    },
  }),
  "reg",
);

/** A 3-channel 4x3 image model (channels x height x width). */
const rgb = parseIoSpec(
  JSON.stringify({
    input: {
      shape: [3, 3, 4],
      dtype: "uint8",
      bits: 8,
      signed: false,
      scale: 1 / 255,
      zeroPoint: 0,
      image: { height: 3, width: 4, channels: 3 },
      hash: HASH,
    },
    output: { ...(JSON.parse(tabularText) as { output: object }).output, labels: undefined },
  }),
  "rgb",
);

const dir = mkdtempSync(path.join(os.tmpdir(), "sovra-model-io-"));
function write(name: string, content: string | Uint8Array | object): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === "string" || content instanceof Uint8Array ? content : JSON.stringify(content));
  return file;
}

describe("io spec from the chain", () => {
  it("reads the MNIST and a tabular spec and refuses a malformed one in one line", () => {
    expect(inputBytesOf(mnist.input)).toBe(784);
    expect(inputBytesOf(tabular.input)).toBe(8);
    expect(() => parseIoSpec("{", "x")).toThrow(/^model 'x' has no readable io spec on chain/);
    expect(() => parseIoSpec(JSON.stringify({ input: {}, output: {} }), "x")).toThrow(
      /^model 'x' has an io spec on chain this CLI cannot read: input\.shape/,
    );
    const named = JSON.parse(tabularText) as { input: { features: string[] } };
    named.input.features = ["a"];
    expect(() => parseIoSpec(JSON.stringify(named), "x")).toThrow(/names 1 features for 4 input values/);
  });
});

describe("input files for a tabular model", () => {
  const real = [-0.27, -1.5, 0.5, -0.14];
  const expected = quantizeReal(real, quantizationOf(tabular.input)).values;

  it("reads {input: [...]} in real units and quantizes it as the compiler does", () => {
    const input = readModelInput(write("in.json", { input: real }), tabular, "tab");
    expect(input.values).toEqual(expected);
    expect(input.values).toEqual([-31, -129, 31, -20]);
    expect(input.clamped).toEqual([]);
    expect(describeInput(tabular, input)).toEqual([
      "length_cm = -0.275",
      "weight_kg = -1.5",
      "ratio = 0.5",
      "price_usd = -0.1375",
    ]);
  });

  it("reads a CSV row with or without the header of feature names", () => {
    const withHeader = write("h.csv", "length_cm,weight_kg,ratio,price_usd\n-0.27,-1.5,0.5,-0.14\n");
    const plain = write("p.csv", "-0.27, -1.5, 0.5, -0.14\r\n");
    expect(readModelInput(withHeader, tabular, "tab")).toMatchObject({
      values: expected,
      source: { kind: "csv", header: true },
    });
    expect(readModelInput(plain, tabular, "tab")).toMatchObject({
      values: expected,
      source: { kind: "csv", header: false },
    });
  });

  it("clamps values outside the calibrated range and says which", () => {
    const file = write("far.json", { input: [100, 0, 0, -100] });
    const input = readModelInput(file, tabular, "tab");
    expect(input.values).toEqual([255, -9, -9, -256]);
    expect(input.clamped).toEqual([0, 3]);
    expect(clampWarning(file, tabular, input)).toBe(
      `${file}: 2 values are outside the range the model was calibrated on and are sent clamped to its edge: length_cm, price_usd`,
    );
    expect(describeInput(tabular, input)[0]).toBe("length_cm = 3.3 (clamped from 100)");
    expect(clampWarning(file, tabular, readModelInput(write("ok.json", { input: real }), tabular, "tab"))).toBe(
      undefined,
    );
  });

  it("refuses wrong files in one line naming the file", () => {
    const cases: [string, string | object, RegExp][] = [
      ["count.json", { input: [1, 2, 3] }, /count\.json: 3 input values, but model 'tab' takes 4 values \(length_cm/],
      ["nan.json", { input: [1, "x", 3, 4] }, /nan\.json: input\[1\] is "x", not a number/],
      ["bare.json", [1, 2, 3, 4], /bare\.json: expected \{"input": \[\.\.\.\]\} with the values in the model's units/],
      ["broken.json", "{", /broken\.json: not JSON/],
      [
        "order.csv",
        "weight_kg,length_cm,ratio,price_usd\n1,2,3,4",
        /order\.csv: header has the features in another order: model 'tab' expects length_cm, weight_kg, ratio, price_usd \(in this order\)/,
      ],
      ["names.csv", "a,b,c,d\n1,2,3,4", /names\.csv: header names a, b, c, d: model 'tab' expects length_cm/],
      ["rows.csv", "1,2,3,4\n5,6,7,8", /rows\.csv: expected one row of values, found 2/],
      ["cell.csv", "1,2,abc,4", /cell\.csv: value 3 \(ratio\) is 'abc', not a number/],
      [
        "only.csv",
        "length_cm,weight_kg,ratio,price_usd",
        /only\.csv: expected one row of values after the header, found 0/,
      ],
      [
        "cell2.csv",
        "length_cm,weight_kg,ratio,price_usd\n1,,3,4",
        /cell2\.csv: value 2 \(weight_kg\) is '', not a number/,
      ],
      ["short.csv", "1,2,3", /short\.csv: 3 values, but model 'tab' takes 4 values/],
      ["empty.csv", "\n", /empty\.csv: empty: expected one row of 4 numbers/],
      // JSON's 1e999 reads as Infinity; a null (what JSON.stringify makes of it) is not a number either.
      ["inf.json", '{"input": [1, 2, 3, 1e999]}', /inf\.json: input\[3\] = Infinity is not a finite number/],
      ["null.json", { input: [1, 2, 3, null] }, /null\.json: input\[3\] is null, not a number/],
      [
        "pic.png",
        encodeGrayPng(2, 2, new Uint8Array(4)),
        /pic\.png: a PNG is an input for image models, but model 'tab' takes 4 values/,
      ],
    ];
    for (const [name, content, pattern] of cases) {
      const file = write(name, content instanceof Uint8Array || typeof content === "string" ? content : content);
      expect(() => readModelInput(file, tabular, "tab"), name).toThrow(pattern);
    }
    expect(() => readModelInput(path.join(dir, "missing.csv"), tabular, "tab")).toThrow(
      /^cannot read .*missing\.csv: no such file$/,
    );
    // A header with no feature names in the spec cannot be checked: refused.
    expect(() => readModelInput(write("h2.csv", "a,b\n1,2"), regressor, "reg")).toThrow(
      /h2\.csv: has a header row \(a, b\) but model 'reg' takes 2 values without feature names/,
    );
  });
});

describe("image inputs", () => {
  it("keeps MNIST byte for byte: a pixel's value is the pixel", () => {
    const all = Array.from({ length: 784 }, (_, i) => i % 256);
    expect(pixelsToValues(all, mnist)).toEqual(all);
    const json = readModelInput(write("digit.json", all), mnist, "mlp");
    expect(json.values).toEqual(all);
    const png = write(
      "wide.png",
      encodeGrayPng(
        100,
        60,
        new Uint8Array(6000).fill(255).map((v, i) => (i % 100 > 40 && i % 100 < 50 ? 0 : v)),
      ),
    );
    const read = readModelInput(png, mnist, "mlp");
    expect(read.values).toEqual(Array.from(readMnistInput(png).pixels));
    expect(modelInputConcerns(png, read)[0]).toMatch(/is a 100x60 PNG, not MNIST's 28x28 white-on-black/);
    // {input: [...]} in the model's units (pixels / 255) reaches the same integers.
    expect(readModelInput(write("real.json", { input: all.map((p) => p / 255) }), mnist, "mlp").values).toEqual(all);
  });

  it("scales a PNG to a 3-channel model's size, channels first", () => {
    const gray = new Uint8Array(8 * 6).map((_, i) => (i % 8 < 4 ? 0 : 255));
    const file = write("rgb.png", encodeGrayPng(8, 6, gray));
    const input = readModelInput(file, rgb, "rgb");
    expect(input.values).toHaveLength(36);
    // Each channel plane: the left half black, the right half white.
    expect(input.values.slice(0, 4)).toEqual([0, 0, 255, 255]);
    expect(input.values.slice(24, 28)).toEqual([0, 0, 255, 255]);
    expect(modelInputConcerns(file, input)).toEqual([`${file} is a 8x6 PNG: it is scaled to the model's 4x3`]);
    expect(modelInputRefusal(file, input)).toMatch(/^not sent: .* was rescaled from 8x6 to 4x3; .* --yes/);
    expect(() => readModelInput(write("px.json", { pixels: [1, 2] }), rgb, "rgb")).toThrow(
      /px\.json: 2 pixels, but model 'rgb' takes a 4x3x3 image/,
    );
  });
});

describe("the node's decoding of int16 inputs", () => {
  it("decodes signed 9-bit values from 2 little-endian bytes each, and refuses bad bytes", () => {
    const values = [-256, 255, -9, 0];
    const ref = encodeInputRef(values, { bits: 9, signed: true });
    // -256 = 0xff00 (LE: 00 ff), 255 = 0x00ff (ff 00), -9 = 0xfff7 (f7 ff)
    expect(ref).toBe("0x00ffff00f7ff0000");
    const data = { inputRef: ref, inputBytes: inputBytesOf(tabular.input), input: { bits: 9, signed: true } };
    expect(jobInput(data)).toEqual(values);
    // 256 fits 2 bytes but not 9 signed bits: a bad input (declined), as is a wrong length.
    const outOfRange =
      `0x${Buffer.from(encodeInput([256, 0, 0, 0], { bits: 16, signed: true })).toString("hex")}` as const;
    expect(() => jobInput({ ...data, inputRef: outOfRange })).toThrow(
      /input\[0\] = 256 is not an integer in \[-256, 255\]/,
    );
    expect(() => jobInput({ ...data, inputRef: "0x00ff" })).toThrow(/must hold the model's 8 input bytes, got 2/);
    // A job queued without an encoding is uint8 (the MNIST models), its bytes the values.
    expect(jobInput({ inputRef: "0x00ff07", inputBytes: 3 })).toEqual([0, 255, 7]);
    expect(decodeInputRef("0x00ff07", 3)).toEqual([0, 255, 7]);
  });
});

describe("the answer printed from a settled output", () => {
  it("classify: the argmax label and the scores in real units", () => {
    const answer = describeOutput(tabular.output, packOutput([120, -300, 2500], tabular.output.laneBits));
    expect(answer).toMatchObject({
      task: "classify",
      predicted: 2,
      label: "Gentoo",
      scores: [120, -300, 2500],
      values: { Adelie: 0.12, Chinstrap: -0.3, Gentoo: 2.5 },
    });
    expect(answer.lines).toEqual(["answer: Gentoo (class 2)", "scores: Adelie = 0.12, Chinstrap = -0.3, Gentoo = 2.5"]);
    const unlabelled = describeOutput(rgb.output, packOutput([5, 9, 1], rgb.output.laneBits));
    expect(unlabelled.lines[0]).toBe("answer: class 1");
    expect(unlabelled.label).toBe("1");
  });

  it("regress: integer x scale under the quantity's name", () => {
    const answer = describeOutput(regressor.output, packOutput([97], regressor.output.laneBits));
    expect(answer).toMatchObject({ task: "regress", predicted: null, label: null, values: { mpg: 24.25 } });
    expect(answer.lines).toEqual(["answer: mpg = 24.25"]);
  });

  it("refuses an output that does not unpack by the spec", () => {
    expect(() => describeOutput(tabular.output, [1n, 2n])).toThrow(/expected 1 packed elements, got 2/);
  });
});

describe("CSV cells", () => {
  it("splits on commas outside quotes, unquotes, and keeps a quoted comma or quote", () => {
    expect(cells('a, "b, c" ,"say ""hi""",4')).toEqual(["a", "b, c", 'say "hi"', "4"]);
    expect(cells("1.5,-2,3e2")).toEqual(["1.5", "-2", "3e2"]);
    expect(cells("")).toEqual([""]);
  });
});
