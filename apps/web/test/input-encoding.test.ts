import { describe, expect, it } from "vitest";
import {
  INPUT_LENGTH,
  SNARK_FIELD,
  encodeRgba,
  fetchInputHash,
  inputRefOf,
  isBlank,
  parsePixelsJson,
  pixelsFromInputRef,
} from "../src/lib/input-encoding";

/** A white square canvas of side `side` with black ink in the given rectangle (canvas pixels). */
function canvasWith(side: number, ink: { x0: number; y0: number; x1: number; y1: number }) {
  const data = new Uint8ClampedArray(side * side * 4).fill(255);
  for (let y = ink.y0; y < ink.y1; y += 1) {
    for (let x = ink.x0; x < ink.x1; x += 1) {
      const i = (y * side + x) * 4;
      data[i] = 0;
      data[i + 1] = 0;
      data[i + 2] = 0;
    }
  }
  return { width: side, height: side, data };
}

describe("encodeRgba", () => {
  it("maps white paper to 0 and black ink to 255, row-major", () => {
    // Ink in the 10x10-canvas-pixel cell at column 3, row 1 of a 280px canvas (10 px per MNIST pixel).
    const pixels = encodeRgba(canvasWith(280, { x0: 30, y0: 10, x1: 40, y1: 20 }));
    expect(pixels).toHaveLength(INPUT_LENGTH);
    expect(pixels[1 * 28 + 3]).toBe(255);
    expect(pixels[3 * 28 + 1]).toBe(0);
    expect([...pixels].filter((value) => value > 0)).toHaveLength(1);
  });
  it("averages partly covered cells", () => {
    const pixels = encodeRgba(canvasWith(280, { x0: 0, y0: 0, x1: 5, y1: 10 }));
    expect(pixels[0]).toBe(128);
  });
  it("treats transparent pixels as paper", () => {
    const pixels = encodeRgba({ width: 28, height: 28, data: new Uint8ClampedArray(28 * 28 * 4) });
    expect(isBlank(pixels)).toBe(true);
  });
  it("works on a real canvas", () => {
    const canvas = document.createElement("canvas");
    canvas.width = 56;
    canvas.height = 56;
    const context = canvas.getContext("2d");
    // happy-dom has no 2D rendering; the encoder only needs the ImageData shape.
    if (!context) return;
    const image = context.getImageData(0, 0, 56, 56);
    expect(encodeRgba(image)).toHaveLength(INPUT_LENGTH);
  });
});

describe("inputRef and inputHash", () => {
  const pixels = Uint8Array.from({ length: INPUT_LENGTH }, (_, i) => i % 256);
  it("round-trips the pixels through inputRef", () => {
    const ref = inputRefOf(pixels);
    expect(ref).toHaveLength(2 + INPUT_LENGTH * 2);
    expect(pixelsFromInputRef(ref)).toEqual(pixels);
  });
  it("rejects inputs of the wrong size", () => {
    expect(() => inputRefOf(new Uint8Array(10))).toThrow();
    expect(() => pixelsFromInputRef("0x00")).toThrow();
  });
});

describe("parsePixelsJson", () => {
  it("accepts a bare array or {pixels}", () => {
    const values = Array.from({ length: INPUT_LENGTH }, () => 7);
    expect(parsePixelsJson(JSON.stringify(values))[0]).toBe(7);
    expect(parsePixelsJson(JSON.stringify({ pixels: values }))[783]).toBe(7);
  });
  it("explains what is wrong", () => {
    expect(() => parsePixelsJson("{")).toThrow("not valid JSON");
    expect(() => parsePixelsJson("[1,2,3]")).toThrow("expected 784 pixels");
    expect(() => parsePixelsJson(JSON.stringify(Array.from({ length: INPUT_LENGTH }, () => 256)))).toThrow();
  });
});

describe("fetchInputHash", () => {
  const pixels = new Uint8Array(INPUT_LENGTH);
  const answer =
    (status: number, body: unknown): typeof fetch =>
    async () =>
      new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  it("reads the server's decimal hash", async () => {
    expect(await fetchInputHash(pixels, answer(200, { inputHash: "123" }))).toBe(123n);
  });
  it("rejects errors and values outside the field", async () => {
    await expect(fetchInputHash(pixels, answer(400, { error: "expected 784 pixels (28x28)" }))).rejects.toThrow(
      "expected 784",
    );
    await expect(fetchInputHash(pixels, answer(200, { inputHash: SNARK_FIELD.toString() }))).rejects.toThrow("field");
  });
});
