import { describe, expect, it } from "vitest";
import { hashInput } from "@sovra/circuits/io/input";
import { POST } from "../src/app/api/input-hash/route";
import {
  SNARK_FIELD,
  fetchInputHash,
  imageInput,
  imageLevels,
  inputRefOf,
  isBlank,
  levelsOf,
  parseInputJson,
  parsePixelsJson,
  quantizeInput,
  readFeatureField,
  readFeatureForm,
  valuesFromInputRef,
} from "../src/lib/input-encoding";
import { parseModelIo, type ModelIo } from "../src/lib/io-spec";
import { mnistIo, tabularIo, text } from "./specs";

const io = (spec: unknown): ModelIo => {
  const result = parseModelIo(text(spec));
  if (!result.ok) throw new Error(result.error);
  return result.io;
};
const mnist = io(mnistIo).input;
const tabular = io(tabularIo).input;
const MNIST_SIZE = { height: 28, width: 28, channels: 1 };

/** A white canvas of `width` x `height` with black ink in the given rectangle (canvas pixels). */
function canvasWith(width: number, height: number, ink: { x0: number; y0: number; x1: number; y1: number }) {
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  for (let y = ink.y0; y < ink.y1; y += 1) {
    for (let x = ink.x0; x < ink.x1; x += 1) {
      const i = (y * width + x) * 4;
      data[i] = 0;
      data[i + 1] = 0;
      data[i + 2] = 0;
    }
  }
  return { width, height, data };
}

describe("image models", () => {
  it("maps white paper to 0 and black ink to 255, row-major (MNIST)", () => {
    // Ink in the 10x10-canvas-pixel cell at column 3, row 1 of a 280px canvas (10 px per MNIST pixel).
    const levels = imageLevels(canvasWith(280, 280, { x0: 30, y0: 10, x1: 40, y1: 20 }), MNIST_SIZE);
    expect(levels).toHaveLength(784);
    expect(levels[1 * 28 + 3]).toBe(255);
    expect(levels[3 * 28 + 1]).toBe(0);
    expect(levels.filter((value) => value > 0)).toHaveLength(1);
  });
  it("averages partly covered cells", () => {
    expect(imageLevels(canvasWith(280, 280, { x0: 0, y0: 0, x1: 5, y1: 10 }), MNIST_SIZE)[0]).toBe(128);
  });
  it("treats transparent pixels as paper", () => {
    const levels = imageLevels({ width: 28, height: 28, data: new Uint8ClampedArray(28 * 28 * 4) }, MNIST_SIZE);
    expect(isBlank(levels, MNIST_SIZE)).toBe(true);
  });
  it("sends MNIST's pixels unchanged: every grey level is its own uint8 value", () => {
    const levels = Array.from({ length: 784 }, (_, i) => i % 256);
    const { values, clamped } = imageInput(levels, mnist);
    expect(values).toEqual(levels);
    expect(clamped).toEqual([]);
    expect(levelsOf(values, mnist)).toEqual(levels);
    expect(inputRefOf(values, mnist)).toBe(`0x${levels.map((v) => v.toString(16).padStart(2, "0")).join("")}`);
  });
  it("downsamples to the model's own size, and colour images by channel planes", () => {
    const size = { height: 4, width: 8, channels: 3 };
    // Ink in the top-left model pixel of a 80x40 canvas (10 px a cell).
    const levels = imageLevels(canvasWith(80, 40, { x0: 0, y0: 0, x1: 10, y1: 10 }), size);
    expect(levels).toHaveLength(96);
    expect([levels[0], levels[32], levels[64]]).toEqual([0, 0, 0]);
    expect(levels.filter((level) => level === 255)).toHaveLength(93);
    expect(isBlank(levels, size)).toBe(false);
  });
  it("reads uploaded pixels in the model's encoding", () => {
    const values = Array.from({ length: 784 }, () => 7);
    expect(parsePixelsJson(JSON.stringify(values), mnist)[0]).toBe(7);
    expect(parsePixelsJson(JSON.stringify({ pixels: values }), mnist)[783]).toBe(7);
    expect(() => parsePixelsJson("{", mnist)).toThrow("not valid JSON");
    expect(() => parsePixelsJson("[1,2,3]", mnist)).toThrow("expected 784 pixels (28x28)");
    expect(() => parsePixelsJson(JSON.stringify(values.map(() => 256)), mnist)).toThrow(
      "expected 784 integers in [0, 255]",
    );
  });
});

describe("tabular models: signed int9 values, two bytes each", () => {
  it("quantizes real values with the spec's scale and zero point, clamping outside the calibrated range", () => {
    // q = clamp(round(x / 0.012156) - 9, -256, 255)
    const { values, clamped } = quantizeInput([0, 1, -2.5, 100], tabular);
    expect(values).toEqual([-9, 73, -215, 255]);
    expect(clamped).toEqual([3]);
    expect(quantizeInput([-100], tabular)).toEqual({ values: [-256], clamped: [0] });
  });
  it("encodes them little-endian, two's complement, and reads them back", () => {
    const ref = inputRefOf([-9, 73, -256, 255], tabular);
    // -9 = 0xfff7, 73 = 0x0049, -256 = 0xff00, 255 = 0x00ff
    expect(ref).toBe("0xf7ff4900" + "00ffff00");
    expect(valuesFromInputRef(ref, tabular)).toEqual([-9, 73, -256, 255]);
    expect(() => inputRefOf([1, 2, 3], tabular)).toThrow("expected 4 input values, got 3");
    expect(() => inputRefOf([0, 0, 0, 256], tabular)).toThrow("input[3] = 256 is not an integer in [-256, 255] (int9)");
  });
  it("full 16-bit signed values: the extremes and their bytes", () => {
    const int16 = io({ ...tabularIo, input: { ...tabularIo.input, bits: 16, scale: 0.001, zeroPoint: 0 } }).input;
    const { values, clamped } = quantizeInput([-32.768, 32.767, -0.001, 40], int16);
    expect(values).toEqual([-32768, 32767, -1, 32767]);
    expect(clamped).toEqual([3]);
    const ref = inputRefOf(values, int16);
    expect(ref).toBe("0x0080ff7fffffff7f");
    expect(valuesFromInputRef(ref, int16)).toEqual(values);
  });
  it("reads each form field: a number, its integer, or a message", () => {
    expect(readFeatureField(" 1 ", tabular, 0)).toEqual({ ok: true, real: 1, integer: 73, clamped: false });
    expect(readFeatureField("-1e3", tabular, 0)).toEqual({ ok: true, real: -1000, integer: -256, clamped: true });
    expect(readFeatureField(".5", tabular, 0)).toMatchObject({ ok: true, real: 0.5 });
    expect(readFeatureField("", tabular, 0)).toEqual({ ok: false, error: "enter a number" });
    expect(readFeatureField("abc", tabular, 0)).toEqual({ ok: false, error: '"abc" is not a finite number' });
    expect(readFeatureField("1e999", tabular, 0)).toEqual({ ok: false, error: '"1e999" is not a finite number' });
    expect(readFeatureField("0x10", tabular, 0)).toEqual({ ok: false, error: '"0x10" is not a finite number' });
  });
  it("standardizes each field with its own mean and std when the model asks for it", () => {
    const standardized = io({
      ...tabularIo,
      input: { ...tabularIo.input, standardize: { mean: [0, 10, 100, 1000], std: [1, 2, 10, 100] } },
    }).input;
    // 12 in feature 1 is (12 - 10) / 2 = 1: the same integer as 1 in an unstandardized feature
    expect(readFeatureField("12", standardized, 1)).toEqual({ ok: true, real: 12, integer: 73, clamped: false });
    expect(readFeatureForm(["0", "12", "75", "1100"], standardized)).toEqual({
      values: [-9, 73, -215, 73],
      clamped: [],
    });
  });
  it("gives the form's integers only when every field is a number", () => {
    expect(readFeatureForm(["0", "1", "-2.5", "100"], tabular)).toEqual({ values: [-9, 73, -215, 255], clamped: [3] });
    expect(readFeatureForm(["0", "1", "", "100"], tabular)).toBeUndefined();
    expect(readFeatureForm(["0", "1"], tabular)).toBeUndefined();
  });
});

describe("any model: JSON {input} in the model's units", () => {
  it("reads the values", () => {
    expect(parseInputJson('{"input":[0.5,-1,2,3e-2]}', tabular)).toEqual([0.5, -1, 2, 0.03]);
  });
  it("says in one line what is wrong", () => {
    expect(() => parseInputJson("[1,2,3,4]", tabular)).toThrow('expected {"input": [...]}');
    expect(() => parseInputJson('{"input":[1,2,3]}', tabular)).toThrow('expected 4 values in "input", got 3');
    expect(() => parseInputJson('{"input":[1,"2",3,4]}', tabular)).toThrow('input[1] is not a number: "2"');
    expect(() => parseInputJson('{"input":[1,null,3,4]}', tabular)).toThrow("input[1] is not a number: null");
    expect(() => parseInputJson("{input:", tabular)).toThrow("the file is not valid JSON");
  });
});

describe("input hash", () => {
  const post = (body: string) =>
    POST(
      new Request("http://dapp/api/input-hash", {
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
      }),
    );

  it("hashes the bid's bytes as the circuits do, for any encoding", async () => {
    const values = [-9, 73, -256, 255];
    const response = await post(JSON.stringify({ inputRef: inputRefOf(values, tabular) }));
    expect(response.status).toBe(200);
    const { inputHash } = (await response.json()) as { inputHash: string };
    expect(BigInt(inputHash)).toBe(await hashInput(values, tabular));
    // Other bytes, another hash: the int9 values are not hashed as if they were bytes.
    expect(BigInt(inputHash)).not.toBe(await hashInput([247, 255, 73, 0], { bits: 8, signed: false }));
  });
  it("refuses what is not a bid's input, and anything too large, unread", async () => {
    expect((await post("{")).status).toBe(400);
    const odd = await post(JSON.stringify({ inputRef: "0x123" }));
    expect(odd.status).toBe(400);
    expect(await odd.json()).toEqual({ error: "inputRef must be hex bytes, at least one" });
    expect((await post(JSON.stringify({ inputRef: "0x" }))).status).toBe(400);
    expect((await post(JSON.stringify({ pixels: [1, 2] }))).status).toBe(400);
    const huge = await post(JSON.stringify({ inputRef: `0x${"00".repeat(70_000)}` }));
    expect(huge.status).toBe(413);
  });
  it("reads the server's decimal hash and rejects errors and values outside the field", async () => {
    const answer =
      (status: number, body: unknown): typeof fetch =>
      async () =>
        new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    expect(await fetchInputHash("0x00", answer(200, { inputHash: "123" }))).toBe(123n);
    await expect(fetchInputHash("0x00", answer(400, { error: "inputRef must be hex bytes" }))).rejects.toThrow(
      "inputRef must be hex bytes",
    );
    await expect(fetchInputHash("0x00", answer(200, { inputHash: SNARK_FIELD.toString() }))).rejects.toThrow("field");
  });
});
