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
import { readFileSync } from "node:fs";

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
