import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decodePng, readMnistInputFile, toMnistPixels } from "../src/image.ts";
import { MNIST_PIXELS, argmax, decodeInputRef, encodeMnistInput } from "../src/input.ts";
import { encodeGrayPng } from "../src/testing/png.ts";

describe("MNIST input encoding", () => {
  it("round-trips 784 pixels through inputRef bytes and rejects bad sizes", () => {
    const pixels = Uint8Array.from({ length: MNIST_PIXELS }, (_, i) => i % 256);
    const ref = encodeMnistInput(pixels);
    expect(ref.length).toBe(2 + 2 * MNIST_PIXELS);
    expect(decodeInputRef(ref, MNIST_PIXELS)).toEqual(Array.from(pixels));
    // uint8: the bytes are the values, as before the io spec travelled with the job.
    expect(ref).toBe(`0x${Buffer.from(pixels).toString("hex")}`);
    expect(() => decodeInputRef("0x00", MNIST_PIXELS)).toThrow(/784/);
    expect(() => encodeMnistInput([1, 2, 3])).toThrow(/784/);
    expect(() => encodeMnistInput(new Array(MNIST_PIXELS).fill(256))).toThrow(/0\.\.255/);
    expect(argmax([0.1, 3, 2])).toBe(1);
  });
});

describe("digit pictures", () => {
  it("decodes PNG rows with filters and turns a dark-on-light digit into MNIST layout", () => {
    // A 56x56 white picture with a black vertical bar (a "1").
    const w = 56;
    const pixels = new Uint8Array(w * w).fill(255);
    for (let y = 8; y < 48; y++) for (let x = 26; x < 30; x++) pixels[y * w + x] = 0;
    for (const filter of [0, 1] as const) {
      const image = decodePng(encodeGrayPng(w, w, pixels, filter));
      expect(image.pixels).toEqual(pixels);
    }
    const mnist = toMnistPixels(decodePng(encodeGrayPng(w, w, pixels)));
    // Inverted (white ink), 20 rows tall, centred.
    expect(mnist[14 * 28 + 14]).toBe(255);
    expect(mnist[0]).toBe(0);
    let rows = 0;
    for (let y = 0; y < 28; y++) if (mnist.slice(y * 28, y * 28 + 28).some((v) => v > 0)) rows++;
    expect(rows).toBe(20);
  });

  it("reads JSON inputs in the three accepted shapes", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sovra-input-"));
    const flat = Array.from({ length: MNIST_PIXELS }, (_, i) => i % 7);
    const write = (name: string, value: unknown) => {
      const p = path.join(dir, name);
      writeFileSync(p, JSON.stringify(value));
      return p;
    };
    expect(Array.from(readMnistInputFile(write("a.json", flat)))).toEqual(flat);
    expect(Array.from(readMnistInputFile(write("b.json", { pixels: flat })))).toEqual(flat);
    const rows = Array.from({ length: 28 }, (_, y) => flat.slice(y * 28, y * 28 + 28));
    expect(Array.from(readMnistInputFile(write("c.json", rows)))).toEqual(flat);
    expect(() => readMnistInputFile(write("d.json", [1, 2]))).toThrow(/784 integers/);
  });
});
