// The two shipped tabular models (models/penguins, a classifier, and models/mpg, a regressor), onboarded with
// `sovra-model compile` from sources/<name>/ (scripts/train-tabular.ts): the sources are what the trainer writes
// today and compile again to the committed model; onnxruntime on the quantized model.onnx, the circuit's witness and
// the TS reference agree bit for bit on every held-out row, the edges of the input range and random inputs; the
// held-out figure in the manifest is the one `sovra-model eval` prints; a real proof verifies, a changed output not.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { WitnessCalculatorBuilder } from "circom_runtime";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { compileOnnx, evaluate, inputQuantOf, inputRange, quantizeValues, readIntOnnx } from "../src/compiler/index.ts";
import { hashInput } from "../src/io/input.ts";
import { packOutput } from "../src/io/pack.ts";
import { parseCalibration, parseDataSet } from "../src/model/files.ts";
import { modelManifestSchema } from "../src/prover/manifest.ts";
import { modelDir, PACKAGE_ROOT, VERIFIERS_DIR } from "../src/prover/paths.ts";
import { close, loadModel, prove, verify } from "../src/prover/prover.ts";
import { contractBase } from "../src/prover/solidity.ts";
import { rng } from "../src/train/data.ts";
import { trainMpg, trainPenguins } from "../src/train/vega.ts";

const BIN = join(PACKAGE_ROOT, "bin", "sovra-model.js");
const source = (name: string, file: string) => join(PACKAGE_ROOT, "sources", name, file);
const readJsonFile = (p: string): unknown => JSON.parse(readFileSync(p, "utf8"));
const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

function cliStdout(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`sovra-model ${args[0]}: ${err}`))));
  });
}

afterAll(close);

const cases = [
  { name: "penguins", train: trainPenguins, task: "classify", outputs: ["Adelie", "Chinstrap", "Gentoo"] },
  { name: "mpg", train: trainMpg, task: "regress", outputs: ["miles per gallon"] },
] as const;

for (const c of cases) {
  describe(`${c.name}: shipped tabular model`, () => {
    const dir = modelDir(c.name);
    const manifest = modelManifestSchema.parse(readJsonFile(join(dir, "manifest.json")));
    const model = readIntOnnx(new Uint8Array(readFileSync(join(dir, "model.onnx"))));
    const q = inputQuantOf(model);
    const n = model.input.shape.reduce((a, b) => a * b, 1);
    const count = manifest.io.output.count;
    const calib = parseCalibration(readJsonFile(source(c.name, "calib.json")), "calib.json");
    const data = parseDataSet(readJsonFile(source(c.name, "data.json")), "data.json", n, count);

    // held-out rows, then the corners of the input range and random integers inside it
    const { min, max } = inputRange(q);
    const r = rng(c.name.length * 101);
    const inputs = [
      ...data.inputs.map((x) => quantizeValues(x, q).values),
      new Array<number>(n).fill(min),
      new Array<number>(n).fill(max),
      Array.from({ length: n }, (_, i) => (i % 2 ? min : max)),
      Array.from({ length: n }, (_, i) => (i % 2 ? max : min)),
      ...Array.from({ length: 100 }, () => Array.from({ length: n }, () => min + Math.floor(r() * (max - min + 1)))),
    ];
    const refs = inputs.map((x) => evaluate(model, x));

    it("its sources are what scripts/train-tabular.ts trains, and the manifest carries their io names", () => {
      const t = c.train();
      expect(Buffer.from(t.onnx).equals(readFileSync(source(c.name, "float.onnx")))).toBe(true);
      expect(Buffer.from(t.onnx).equals(readFileSync(join(dir, "float.onnx")))).toBe(true);
      expect(calib.inputs).toEqual(t.data.train.inputs);
      expect(data.inputs).toEqual(t.data.heldOut.inputs);
      expect(manifest.name).toBe(c.name);
      expect(manifest.io.input.features).toEqual(calib.features);
      expect(manifest.io.input.features).toEqual(t.data.features);
      expect(manifest.io.output.task).toBe(c.task);
      expect(manifest.io.output.labels).toEqual([...c.outputs]);
      // standardized features are signed: the compiler chose a signed affine input
      expect(manifest.io.input.signed).toBe(true);
      expect(manifest.verifier.source).toBe(`contracts/contracts/verifiers/${manifest.verifier.contract}.sol`);
    });

    it("compiling the sources again gives the committed model; every committed file has its build.json hash", () => {
      const again = compileOnnx(new Uint8Array(readFileSync(source(c.name, "float.onnx"))), {
        name: c.name,
        calibration: calib.inputs as number[][],
        featureNames: calib.features,
      });
      expect(JSON.stringify(again.model)).toBe(readFileSync(join(dir, "model.json"), "utf8"));
      expect(Buffer.from(again.onnx).equals(readFileSync(join(dir, "model.onnx")))).toBe(true);
      expect(again.circom).toBe(readFileSync(join(dir, "circuit.circom"), "utf8"));
      const build = readJsonFile(join(dir, "build.json")) as { sha256: Record<string, string>; constraints: number };
      const base = contractBase(c.name);
      const files = ["float.onnx", "model.json", "model.onnx", "circuit.circom", "circuit.wasm", "circuit.zkey"];
      for (const f of [...files, "vkey.json"]) expect(sha(readFileSync(join(dir, f))), f).toBe(build.sha256[f]);
      for (const f of [`${base}Groth16Verifier.sol`, `${base}InferenceVerifier.sol`])
        expect(sha(readFileSync(join(VERIFIERS_DIR, f))), f).toBe(build.sha256[f]);
      expect(manifest.circuit.constraints).toBe(build.constraints);
    });

    it("onnxruntime on the quantized model.onnx = the TS reference, bit for bit", async () => {
      const sess = await ort.InferenceSession.create(join(dir, "model.onnx"));
      const X = new Float32Array(inputs.flat());
      const res = await sess.run({ input: new ort.Tensor("float32", X, [inputs.length, n]) });
      const out = res.output!.data as Float32Array;
      await sess.release();
      expect(out.length).toBe(inputs.length * count);
      let mismatches = 0;
      refs.forEach((ref, i) => {
        ref.forEach((v, k) => {
          if (out[i * count + k] !== v) mismatches++;
        });
      });
      expect(mismatches).toBe(0);
      for (const ref of refs)
        for (const v of ref) {
          expect(v).toBeGreaterThanOrEqual(manifest.io.output.min);
          expect(v).toBeLessThanOrEqual(manifest.io.output.max);
        }
    });

    it("the circuit witness = the TS reference (packed output) and the input hash, on every input", async () => {
      const wc = await WitnessCalculatorBuilder(new Uint8Array(readFileSync(join(dir, manifest.files.wasm))), {
        sanityCheck: true,
      });
      const { laneBits, packedLength } = manifest.io.output;
      let mismatches = 0;
      for (const [i, x] of inputs.entries()) {
        const w = await wc.calculateWitness({ in: x.map((v) => BigInt(v)) }, true);
        const packed = packOutput(refs[i]!, laneBits);
        for (let f = 0; f < packedLength; f++) if (w[1 + f] !== packed[f]) mismatches++;
        if (w[1 + packedLength] !== (await hashInput(x, q))) mismatches++;
      }
      expect(mismatches).toBe(0);
    });

    it("the held-out figure in the manifest is what `sovra-model eval` computes", async () => {
      const e = JSON.parse(await cliStdout("eval", dir, "--data", source(c.name, "data.json"))) as {
        rows: number;
        float: Record<string, number>;
        quantized: Record<string, number>;
      };
      const recorded = c.task === "classify" ? manifest.accuracy : manifest.meanAbsError;
      const key = c.task === "classify" ? "accuracy" : "meanAbsError";
      expect(recorded).toEqual({ heldOut: data.inputs.length, float: e.float[key], quantized: e.quantized[key] });
      expect(e.rows).toBe(data.inputs.length);
      if (c.task === "classify") expect(manifest.meanAbsError).toBeUndefined();
      else expect(manifest.accuracy).toBeUndefined();
    });

    it("a proof of a held-out row verifies; the same proof with another output does not", async () => {
      const m = await loadModel(c.name);
      const x = quantizeValues(data.inputs[1]!, q).values;
      const p = await prove(m, x);
      expect(p.output).toEqual(evaluate(model, x));
      expect(await verify(m, { inputHash: p.inputHash, output: p.output, proof: p.proof })).toBe(true);
      const other = p.output.map((v, k) => (k === 0 ? v + 1 : v));
      expect(await verify(m, { inputHash: p.inputHash, output: other, proof: p.proof })).toBe(false);
    });
  });
}
