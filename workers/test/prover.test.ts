import { mkdtempSync, copyFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cidOf } from "@sovra/circuits/io/cid";
import { createInferenceEngine } from "../src/engine.ts";
import { argmax } from "../src/input.ts";
import { inferStage, proveStage, RefusedJobError } from "../src/pipeline/processors.ts";
import { loadCircuitsProver } from "../src/prover.ts";
import { termsData } from "./helpers.ts";
import { createWeightStore } from "../src/weights/store.ts";
import { existsSync, readFileSync } from "node:fs";
import { valueRange } from "@sovra/circuits/io/input";
import { encodeInputRef } from "../src/input.ts";
import { encodingOf, inputBytesOf, inputCount } from "../src/io-spec.ts";

// The real prover from @sovra/circuits, on the MNIST MLP the circuits package ships (models/mlp).
const modelDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "circuits", "models", "mlp");

describe("stages with the real circuits prover (mlp)", () => {
  it("checks the input hash, infers with onnxruntime, proves, and refuses a tampered input", async () => {
    const manifest = JSON.parse(readFileSync(path.join(modelDir, "manifest.json"), "utf8")) as {
      name: string;
      weightsCid: string;
    };
    const onnx = new Uint8Array(readFileSync(path.join(modelDir, "model.onnx")));
    expect(cidOf(onnx)).toBe(manifest.weightsCid);
    const root = mkdtempSync(path.join(os.tmpdir(), "sovra-prover-"));
    copyFileSync(path.join(modelDir, "model.onnx"), path.join(root, "model.onnx"));
    const store = createWeightStore({
      cacheDir: path.join(root, "cache"),
      maxBytes: 1e8,
      sources: [{ kind: "dir", path: root }],
    });
    const engine = createInferenceEngine({ store, order: ["cpu"] });
    const prover = await loadCircuitsProver();
    try {
      const pixels = Uint8Array.from({ length: 784 }, (_, i) =>
        i % 28 > 10 && i % 28 < 16 && i > 150 && i < 650 ? 255 : 0,
      );
      const hash = await prover.inputHash(manifest.name, pixels);
      const terms = termsData(hash.toString());
      const data = {
        jobId: "1",
        model: manifest.name,
        weightsCid: manifest.weightsCid,
        inputBytes: 784,
        terms,
        inputRef: `0x${Buffer.from(pixels).toString("hex")}` as `0x${string}`,
        blockNumber: "1",
      };
      const inferred = await inferStage({ prover, inference: engine }, data);
      const proved = await proveStage({ prover }, inferred);
      if (proved.action !== "settle") throw new Error("expected a proven result");
      const logits = await prover.decodeOutput?.(manifest.name, proved.output.map(BigInt));
      // onnxruntime's integer-exact graph and the circuit agree on the output.
      expect(logits).toEqual(inferred.inference.output);
      expect(argmax(logits ?? [])).toBe(argmax(inferred.inference.output));
      expect(proved.proof).toMatch(/^0x[0-9a-f]{512}$/);
      await expect(
        inferStage({ prover, inference: engine }, { ...data, terms: { ...terms, inputHash: (hash + 1n).toString() } }),
      ).rejects.toBeInstanceOf(RefusedJobError);
    } finally {
      await prover.close();
      await engine.close();
    }
  });
});

// A shipped model with signed multi-byte inputs (penguins: 4 int16 values), by name through one variable.
const IO_MODEL = process.env.SOVRA_IO_MODEL ?? "penguins";
const ioModelDir = path.join(modelDir, "..", IO_MODEL);
if (!existsSync(path.join(ioModelDir, "manifest.json")))
  throw new Error(`circuits/models/${IO_MODEL} is not a model folder (SOVRA_IO_MODEL names a shipped model)`);

describe(`stages with the real prover on ${IO_MODEL} (signed, multi-byte input)`, () => {
  it("decodes the inputRef by the manifest's encoding, infers and proves it, and declines out-of-range bytes", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "sovra-prover-io-"));
    copyFileSync(path.join(ioModelDir, "model.onnx"), path.join(root, "model.onnx"));
    const store = createWeightStore({
      cacheDir: path.join(root, "cache"),
      maxBytes: 1e8,
      sources: [{ kind: "dir", path: root }],
    });
    const engine = createInferenceEngine({ store, order: ["cpu"] });
    // By folder path, as a provider with a model outside circuits/models configures it ("modelDirs").
    const prover = await loadCircuitsProver({ modelDirs: { [IO_MODEL]: ioModelDir } });
    try {
      const manifest = await prover.manifest(IO_MODEL);
      const spec = manifest.io.input;
      const { min, max } = valueRange(spec);
      const count = inputCount(spec);
      // Both ends of the range and values around the zero point: negative values travel as two's complement.
      const values = Array.from({ length: count }, (_, i) =>
        i === 0 ? min : i === 1 ? max : Math.max(min, Math.min(max, spec.zeroPoint + (i % 2 === 0 ? -3 : 5) * i)),
      );
      const encoding = encodingOf(spec);
      const hash = await prover.inputHash(IO_MODEL, values);
      const terms = termsData(hash.toString());
      const data = {
        jobId: "1",
        model: IO_MODEL,
        weightsCid: manifest.weightsCid,
        inputBytes: inputBytesOf(spec),
        input: encoding,
        terms,
        inputRef: encodeInputRef(values, encoding),
        blockNumber: "1",
      };
      expect(data.inputRef.length).toBe(2 + 2 * data.inputBytes);
      expect(await engine.inputSize(manifest.weightsCid)).toBe(count);
      const inferred = await inferStage({ prover, inference: engine }, data);
      const proved = await proveStage({ prover }, inferred);
      if (proved.action !== "settle") throw new Error("expected a proven result");
      const unpacked = await prover.decodeOutput?.(IO_MODEL, proved.output.map(BigInt));
      // onnxruntime (integers fed as float32) and the circuit agree.
      expect(unpacked).toEqual(inferred.inference.output);
      // A value one past the range, in the same number of bytes (where the bytes can hold one): the job is
      // refused (declined), never proven; so is an inputRef a byte short.
      const width = 8 * (data.inputBytes / count);
      if (spec.bits < width) {
        const badRef = encodeInputRef([max + 1, ...values.slice(1)], { bits: width, signed: true });
        await expect(inferStage({ prover, inference: engine }, { ...data, inputRef: badRef })).rejects.toBeInstanceOf(
          RefusedJobError,
        );
      }
      await expect(
        inferStage({ prover, inference: engine }, { ...data, inputRef: data.inputRef.slice(0, -2) as `0x${string}` }),
      ).rejects.toBeInstanceOf(RefusedJobError);
    } finally {
      await prover.close();
      await engine.close();
    }
  });
});
