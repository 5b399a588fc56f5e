// The sovra-model command line, spawned as a user runs it: --help on every command, one-line errors (no stack
// trace) with exit code 1, and the whole path on the tabular 4-8-3 MLP: compile (real circom2 and Groth16 setup on
// the dev ptau), eval, prove, verify, rebuild; then the compiled circuit at the edges of its input range.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { argmax, evaluate, parseIntModel, quantizeValues } from "../src/compiler/index.ts";
import { onnx } from "../src/compiler/onnx-proto.ts";
import { hashInput } from "../src/io/input.ts";
import { packOutput } from "../src/io/pack.ts";
import { manifestSchema, modelManifestSchema } from "../src/prover/manifest.ts";
import { PACKAGE_ROOT } from "../src/prover/paths.ts";
import { TABULAR_FEATURES, tabularModel } from "../src/train/tabular.ts";

const BIN = join(PACKAGE_ROOT, "bin", "sovra-model.js");
const tmp = join(PACKAGE_ROOT, ".tmp-test", `cli-${process.pid}`);
const at = (...p: string[]) => join(tmp, ...p);
const tab = tabularModel();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the bin to its end (asynchronously: vitest's worker stays responsive). */
function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A failed run: exit code 1, the error in one last line matching `msg` (after any progress lines), no stack trace. */
function expectOneLineError(r: Run, msg: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.trimEnd().split("\n");
  expect(
    lines.filter((l) => l.startsWith("sovra-model: ")),
    r.stderr,
  ).toEqual([lines.at(-1)]);
  expect(lines.at(-1)).toMatch(msg);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

const writeJson = (file: string, v: unknown) => writeFileSync(at(file), typeof v === "string" ? v : JSON.stringify(v));

beforeAll(() => {
  mkdirSync(tmp, { recursive: true });
  writeFileSync(at("tabular.onnx"), tab.onnx);
  writeJson("calib.json", { inputs: tab.train.inputs, features: TABULAR_FEATURES, outputNames: ["a", "b", "c"] });
  writeJson("data.json", tab.heldOut);
  writeJson("input.json", { input: tab.heldOut.inputs[3] });
  // the tabular graph with one weight of fc1 set to 1e30 (float32 little-endian in raw_data)
  const m = onnx.ModelProto.decode(tab.onnx);
  const w = m.graph!.initializer!.find((t) => t.name === "fc1.weight")!;
  const raw = new Uint8Array(w.rawData!);
  new DataView(raw.buffer, raw.byteOffset).setFloat32(5 * 4, 1e30, true);
  w.rawData = raw;
  writeFileSync(at("huge.onnx"), onnx.ModelProto.encode(m).finish());
  const m2 = onnx.ModelProto.decode(tab.onnx);
  m2.opsetImport = [{ domain: "", version: 1 }];
  writeFileSync(at("opset1.onnx"), onnx.ModelProto.encode(m2).finish());
  writeFileSync(at("notonnx.onnx"), "this is not a model");
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("sovra-model --help", () => {
  it.each([
    [[], ["compile", "eval", "prove", "verify", "rebuild", "setup"]],
    [
      ["compile"],
      [
        "--calibration <file>",
        "--out <dir>",
        "--name <name>",
        "--ptau <file>",
        "--data <file>",
        "--input-bits <n>",
        "--verifiers <dir>",
      ],
    ],
    [["eval"], ["<dir>", "--data <file>"]],
    [["prove"], ["<dir>", "--input <file>", "--out <outdir>"]],
    [["verify"], ["<dir>", "<outdir>"]],
    [["rebuild"], ["<dir>", "--ptau <file>"]],
    [["setup"], ["<dir>", "SOVRA_CACHE_DIR"]],
  ])("%j prints its usage", async (cmd, words) => {
    const r = await cli(...cmd, "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: sovra-model${cmd.length ? ` ${cmd[0]}` : ""} `));
    for (const w of words) expect(r.stdout).toContain(w);
  });
});

describe("sovra-model errors: one line, exit code 1", () => {
  const compile = (model: string, calib = "calib.json", ...more: string[]) =>
    cli("compile", model, "--calibration", calib, "--out", "never", ...more);
  it("names a missing or non-ONNX model file", async () => {
    expectOneLineError(
      await compile("missing.onnx"),
      /^sovra-model: cannot read ONNX model missing\.onnx: no such file$/,
    );
    expectOneLineError(await compile("notonnx.onnx"), /^sovra-model: notonnx\.onnx: not an ONNX model/);
  });
  it("names the file and the ONNX node of a model the compiler refuses", async () => {
    expectOneLineError(
      await compile("huge.onnx"),
      /^sovra-model: huge\.onnx: ONNX node 'fc1': 31 of 32 non-zero weights round to 0 at int8 .*destroy this layer$/,
    );
    expectOneLineError(
      await compile("opset1.onnx"),
      /^sovra-model: opset1\.onnx: opset 1 is not supported \(7 to 23\)/,
    );
  });
  it.each([
    ["not JSON", "{", /^sovra-model: bad\.json: not JSON \(/],
    ["no inputs", { rows: [] }, /^sovra-model: bad\.json: expected \{"inputs": \[\[\.\.\.\], \.\.\.\]\}$/],
    ["zero rows", { inputs: [] }, /^sovra-model: bad\.json: calibration: no rows/],
    [
      "a short row",
      {
        inputs: [
          [1, 2, 3, 4],
          [1, 2, 3],
        ],
      },
      /^sovra-model: bad\.json: calibration row 1 has 3 values; the model's input takes 4$/,
    ],
    [
      "a non-finite value",
      '{"inputs": [[1, 1e999, 0, 0]]}',
      /^sovra-model: bad\.json: calibration row 0, value 1 is Infinity, not a finite number$/,
    ],
    [
      "a string",
      { inputs: [[1, "2", 0, 0]] },
      /^sovra-model: bad\.json: calibration row 0, value 1 is "2", not a number$/,
    ],
    [
      "null",
      { inputs: [[1, 2, null, 0]] },
      /^sovra-model: bad\.json: calibration row 0, value 2 is null, not a number$/,
    ],
    [
      "output names of another length",
      { inputs: [[1, 2, 0, 0]], outputNames: ["a", "b"] },
      /^sovra-model: bad\.json: calibration: "outputNames" names 2 values, the model gives 3$/,
    ],
    [
      "feature names of another length",
      { inputs: [[1, 2, 0, 0]], features: ["a"] },
      /^sovra-model: bad\.json: calibration: 1 feature names for an input of 4 values$/,
    ],
    [
      "an image of another size",
      { inputs: [[1, 2, 0, 0]], image: { height: 3, width: 1, channels: 1 } },
      /^sovra-model: bad\.json: calibration: "image" 1x3x1 is 3 values, the model takes 4$/,
    ],
    [
      "an unknown task",
      { inputs: [[1, 2, 0, 0]], task: "rank" },
      /^sovra-model: bad\.json: "task" must be "classify" or "regress"$/,
    ],
  ])("names the calibration file and the row: %s", async (_, content, msg) => {
    writeJson("bad.json", content);
    expectOneLineError(await compile("tabular.onnx", "bad.json"), msg);
  });
  it("refuses a bad name, a missing option, an unknown command, a bad --input-bits", async () => {
    expectOneLineError(
      await compile("tabular.onnx", "calib.json", "--name", "Bad Name"),
      /model name 'Bad Name' must be lowercase/,
    );
    expectOneLineError(
      await cli("compile", "tabular.onnx", "--out", "x"),
      /required option '--calibration <file>' not specified/,
    );
    expectOneLineError(await cli("frobnicate"), /unknown command 'frobnicate'/);
    expectOneLineError(await compile("tabular.onnx", "calib.json", "--input-bits", "40"), /an integer from 1 to 16/);
  });
  it("names a directory that is not a model directory", async () => {
    expectOneLineError(
      await cli("eval", "nowhere", "--data", "data.json"),
      /cannot read model directory manifest nowhere\/manifest\.json: no such file/,
    );
    expectOneLineError(await cli("verify", "nowhere", "proof"), /nowhere\/manifest\.json: no such file/);
  });
});

describe("sovra-model on the tabular 4-8-3 MLP", () => {
  let compiled: Run;
  beforeAll(async () => {
    compiled = await cli(
      "compile",
      "tabular.onnx",
      "--calibration",
      "calib.json",
      "--out",
      "model",
      "--data",
      "data.json",
      "--verifiers",
      "sol",
    );
  });

  it("compile writes the model directory, prints the report and the progress of circom and setup", () => {
    expect(compiled.code, compiled.stderr).toBe(0);
    expect(compiled.stderr).toMatch(/^input: int\d+, scale [\d.e-]+, zero point -?\d+/m);
    expect(compiled.stderr).toMatch(/^ {2}fc1 +dense /m);
    expect(compiled.stderr).toMatch(
      /^held-out accuracy on 300 rows: float [\d.]+%, quantized [\d.]+% \(drop -?[\d.]+ points\)/m,
    );
    expect(compiled.stderr).toMatch(/^circom2 --O2: \d+ non-linear constraints \([\d.]+ s\)$/m);
    expect(compiled.stderr).toMatch(/^groth16 setup: wrote circuit\.zkey \([\d.]+ s\)$/m);
    const manifest = manifestSchema.parse(JSON.parse(readFileSync(at("model", "manifest.json"), "utf8")));
    expect(manifest.name).toBe("tabular");
    expect(manifest.io.input).toMatchObject({
      shape: [4],
      dtype: "int16",
      signed: true,
      features: [...TABULAR_FEATURES],
    });
    expect(manifest.io.input.bits).toBeGreaterThan(8);
    expect(manifest.io.output.count).toBe(3);
    expect(manifest.io.output).toMatchObject({ task: "classify", labels: ["a", "b", "c"] });
    expect(manifest.accuracy.heldOut).toBe(300);
    expect(manifest.circuit.constraints).toBeGreaterThan(300);
    for (const f of ["model.onnx", "circuit.zkey", "vkey.json"]) {
      expect(readFileSync(at("model", f)).length).toBeGreaterThan(0);
    }
    // --verifiers: the Solidity goes there, and the manifest finds it from the model directory
    for (const f of ["TabularGroth16Verifier.sol", "TabularInferenceVerifier.sol"]) {
      expect(readFileSync(at("sol", f), "utf8")).toMatch(/^\/\/ SPDX-License-Identifier/);
      expect(existsSync(at("model", f))).toBe(false);
    }
    expect(manifest.verifier.source).toBe("../sol/TabularInferenceVerifier.sol");
  });

  it("eval prints float and quantized accuracy and their agreement", async () => {
    const r = await cli("eval", "model", "--data", "data.json");
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout) as {
      rows: number;
      float: { accuracy: number };
      quantized: { accuracy: number };
      agreement: number;
    };
    expect(e.rows).toBe(300);
    expect(e.float.accuracy).toBeGreaterThan(0.85);
    expect(e.quantized.accuracy).toBeGreaterThanOrEqual(e.float.accuracy - 0.02);
    expect(e.agreement).toBeGreaterThan(0.95);
  });

  it("prove writes snarkjs files for the reference output; verify accepts them and refuses a changed output", async () => {
    const p = await cli("prove", "model", "--input", "input.json", "--out", "proof");
    expect(p.code, p.stderr).toBe(0);
    const s = JSON.parse(p.stdout) as { quantizedInput: number[]; output: number[]; argmax: number; inputHash: string };
    const model = parseIntModel(JSON.parse(readFileSync(at("model", "model.json"), "utf8")));
    const q = {
      bits: model.input.bits,
      signed: model.input.signed === true,
      scale: model.input.scale,
      zeroPoint: model.input.zeroPoint ?? 0,
    };
    expect(s.quantizedInput).toEqual(quantizeValues(tab.heldOut.inputs[3]!, q).values);
    expect(s.output).toEqual(evaluate(model, s.quantizedInput));
    expect(s.argmax).toBe(argmax(s.output));
    expect(BigInt(s.inputHash)).toBe(await hashInput(s.quantizedInput, q));
    const pub = JSON.parse(readFileSync(at("proof", "public.json"), "utf8")) as string[];
    expect(pub).toHaveLength(2);
    expect(JSON.parse(readFileSync(at("proof", "proof.json"), "utf8"))).toMatchObject({
      protocol: "groth16",
      curve: "bn128",
    });

    const v = await cli("verify", "model", "proof");
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toEqual({ verified: true, output: s.output, inputHash: s.inputHash });

    const out = s.output.slice();
    out[0] = out[0]! + 1;
    writeJson("proof/public.json", [
      ...packOutput(
        out,
        modelManifestSchema.parse(JSON.parse(readFileSync(at("model", "manifest.json"), "utf8"))).io.output.laneBits,
      ).map(String),
      pub[1],
    ]);
    const bad = await cli("verify", "model", "proof");
    expectOneLineError(bad, /^sovra-model: the proof does not verify$/);
    expect(JSON.parse(bad.stdout)).toMatchObject({ verified: false, output: out });
  });

  it("prove refuses an input of the wrong length, naming the file", async () => {
    writeJson("short.json", { input: [0.1, 0.2, 0.3] });
    expectOneLineError(
      await cli("prove", "model", "--input", "short.json", "--out", "p2"),
      /^sovra-model: short\.json: input has 3 values; the model's input takes 4$/,
    );
  });

  it("rebuild from model.onnx alone gives the same hashes; a changed vkey.json is a diff", async () => {
    const r = await cli("rebuild", "model");
    expect(r.code, r.stderr).toBe(0);
    for (const f of [
      "model.onnx",
      "circuit.r1cs",
      "circuit.wasm",
      "circuit.zkey",
      "vkey.json",
      "TabularGroth16Verifier.sol",
      "TabularInferenceVerifier.sol",
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^${f.replace(".", "\\.")} +same +[0-9a-f]{64}$`, "m"));
    }
    const vkey = JSON.parse(readFileSync(at("model", "vkey.json"), "utf8")) as { nPublic: number };
    writeJson("model/vkey.json", { ...vkey, nPublic: vkey.nPublic + 1 });
    const d = await cli("rebuild", "model");
    expectOneLineError(d, /^sovra-model: the rebuild differs: vkey\.json$/);
    expect(d.stdout).toMatch(
      /^vkey\.json +DIFFERENT +recorded [0-9a-f]{64}, rebuilt [0-9a-f]{64}, file [0-9a-f]{64}$/m,
    );
  });

  it("the circuit takes the whole signed input range and nothing outside it", async () => {
    const model = parseIntModel(JSON.parse(readFileSync(at("model", "model.json"), "utf8")));
    const q = { bits: model.input.bits, signed: true };
    const min = -(2 ** (q.bits - 1));
    const max = 2 ** (q.bits - 1) - 1;
    const wc = await WitnessCalculatorBuilder(new Uint8Array(readFileSync(at("model", "circuit.wasm"))), {
      sanityCheck: true,
    });
    const laneBits = modelManifestSchema.parse(JSON.parse(readFileSync(at("model", "manifest.json"), "utf8"))).io.output
      .laneBits;
    for (const x of [
      [min, max, -1, 0],
      [max, min, 1, -1],
      [min, min, min, min],
      [max, max, max, max],
      [0, 0, 0, 0],
    ]) {
      const w = await wc.calculateWitness({ in: x.map(BigInt) }, true);
      expect(w[1]).toBe(packOutput(evaluate(model, x), laneBits)[0]);
      expect(w[2]).toBe(await hashInput(x, q));
    }
    await expect(wc.calculateWitness({ in: [max + 1, 0, 0, 0].map(BigInt) }, true)).rejects.toThrow();
    await expect(wc.calculateWitness({ in: [0, 0, min - 1, 0].map(BigInt) }, true)).rejects.toThrow();
  });
});
