// sovra-model: bring your own ONNX model to the ZK tier (README, "Bring your own model"). Every error is one line
// on stderr naming the ONNX node or the file, with exit code 1; results go to stdout as JSON.
import { basename, extname, isAbsolute, relative, resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { DataError, ModelCompileError } from "../compiler/errors.ts";
import { floatOutputSize } from "../compiler/float-reference.ts";
import { readOnnx } from "../compiler/onnx-read.ts";
import { readIntOnnx } from "../compiler/onnx-read-int.ts";
import { ensureArtifacts } from "../model/artifacts.ts";
import { cacheDir } from "../model/cache.ts";
import { compileModelDir } from "../model/compile-dir.ts";
import { evaluateModel } from "../model/evaluate.ts";
import { parseCalibration, parseDataSet, parseInput, readBytes, readJson } from "../model/files.ts";
import { REPO_ROOT } from "../model/paths.ts";
import { proveDir, verifyDir } from "../model/prove-dir.ts";
import { rebuildDir } from "../model/rebuild-dir.ts";
import { modelManifestSchema } from "../prover/manifest.ts";
import { close } from "../prover/prover.ts";
import { terminal } from "./progress.ts";

const reporter = terminal(process.stderr);
const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split("\n")[0]!.trim();

/** Runs a command: one-line errors, exit code 1, the curve's worker threads ended either way. */
async function run(action: () => Promise<number | undefined>): Promise<void> {
  try {
    process.exitCode = (await action()) ?? 0;
  } catch (e) {
    process.stderr.write(`sovra-model: ${firstLine(e)}\n`);
    process.exitCode = 1;
  } finally {
    await close();
  }
}

const print = (v: unknown): void => {
  process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
};

/** A name from the file: 'Tabular-MLP.v2.onnx' -> 'tabular_mlp_v2'. */
const nameFromFile = (path: string): string => {
  const n = basename(path, extname(path))
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return /^[a-z]/.test(n) ? n : `m_${n}`;
};

const bits = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new InvalidArgumentError("an integer from 1 to 16");
  return n;
};

/**
 * `--verifiers DIR`: where the Solidity verifiers go, and how the manifest (and so `rebuild`) finds them again: from
 * the repository root when DIR is in this repository's contracts/ (like the MNIST models'), else from the model
 * directory, else (a relative path that would read as the repository's contracts/) absolute.
 */
function verifiersAt(dir: string, out: string): { dir: string; ref: string } {
  const abs = resolve(dir);
  const fromRepo = relative(REPO_ROOT, abs);
  if (fromRepo === "contracts" || fromRepo.startsWith("contracts/")) return { dir: abs, ref: `${fromRepo}/` };
  const fromOut = relative(resolve(out), abs);
  if (fromOut === "") return { dir: abs, ref: "" };
  return { dir: abs, ref: isAbsolute(fromOut) || fromOut.startsWith("contracts/") ? `${abs}/` : `${fromOut}/` };
}

function readModelDir(dir: string) {
  const parsed = modelManifestSchema.safeParse(readJson(`${dir}/manifest.json`, "model directory manifest"));
  if (!parsed.success) throw new DataError(`${dir}/manifest.json: not a model manifest`);
  return parsed.data;
}

const program = new Command("sovra-model")
  .description(
    "Compile a small ONNX model into a quantized integer model, a Groth16 circuit and its verifier; prove and verify.",
  )
  .version("0.1.0")
  // usage errors in the same one-line form as the others (inherited by every command)
  .configureOutput({ outputError: (str, write) => write(`sovra-model: ${str.replace(/^error: /, "")}`) });

program
  .command("compile")
  .description(
    "float ONNX + calibration rows -> DIR: integer model, exact-integer ONNX, circuit, zkey, vkey, Solidity verifier",
  )
  .argument("<model>", "float ONNX model (Gemm/MatMul+Add, Conv, AveragePool, Flatten, Relu; one chain; opset 7-23)")
  .requiredOption(
    "--calibration <file>",
    'JSON {"inputs": [[...], ...], "features"?, "outputNames"?, "task"?, "image"?}: rows in the model\'s own input units',
  )
  .requiredOption("--out <dir>", "model directory to write")
  .option("--name <name>", "model name: lowercase letters, digits, '_' (default: from the file name)")
  .option(
    "--ptau <file>",
    "powers of tau, e.g. a ceremony's (default: the smallest dev power that fits: 2^14 committed, 2^15..2^20 UNSAFE known-tau files made in the cache; NOT a trusted setup)",
  )
  .option(
    "--data <file>",
    'held-out JSON {"inputs", "labels"|"targets"}: accuracy float vs quantized, into the manifest',
  )
  .option("--input-bits <n>", "force the input width (default: chosen from the calibration range, 8 to 16)", bits)
  .option(
    "--verifiers <dir>",
    "write the Solidity verifiers there instead of --out (e.g. contracts/contracts/verifiers, where Hardhat compiles them)",
  )
  .option("--force", "rerun circom even when build/ holds the output of the same circuit source")
  .action(
    (
      modelPath: string,
      o: {
        calibration: string;
        out: string;
        name?: string;
        ptau?: string;
        data?: string;
        inputBits?: number;
        verifiers?: string;
        force?: boolean;
      },
    ) =>
      run(async () => {
        const onnx = readBytes(modelPath, "ONNX model");
        const calib = parseCalibration(readJson(o.calibration, "calibration"), o.calibration);
        let data: ReturnType<typeof parseDataSet> | undefined;
        try {
          if (o.data) {
            // the sizes come from the model: check the data before minutes of circom
            const fm = readOnnx(onnx);
            const n = fm.inputShape.reduce((a, b) => a * b, 1);
            data = parseDataSet(readJson(o.data, "data"), o.data, n, floatOutputSize(fm.inputShape, fm.layers));
          }
          await compileModelDir({
            onnx,
            name: o.name ?? nameFromFile(modelPath),
            calibration: calib.inputs,
            features: calib.features,
            meta: {
              outputNames: calib.outputNames,
              task: calib.task,
              image: calib.image,
              standardize: calib.standardize,
            },
            out: o.out,
            ptau: o.ptau,
            data,
            input: o.inputBits === undefined ? undefined : { bits: o.inputBits },
            ...(o.verifiers === undefined ? {} : { solidity: verifiersAt(o.verifiers, o.out) }),
            force: o.force,
            reporter,
          });
        } catch (e) {
          if (e instanceof ModelCompileError) throw new Error(`${modelPath}: ${firstLine(e)}`);
          if (e instanceof DataError && /^calibration/.test(e.message))
            throw new Error(`${o.calibration}: ${firstLine(e)}`);
          throw e;
        }
        return 0;
      }),
  );

program
  .command("eval")
  .description(
    'float vs quantized on held-out data; prints {"float":{"accuracy"},"quantized":{"accuracy"},"agreement"}',
  )
  .argument("<dir>", "model directory written by compile")
  .requiredOption(
    "--data <file>",
    'JSON {"inputs": [...], "labels": [...]} (classifier) or {"inputs", "targets"} (regressor)',
  )
  .action((dir: string, o: { data: string }) =>
    run(async () => {
      const manifest = readModelDir(dir);
      const model = readIntOnnx(readBytes(`${dir}/${manifest.files.onnx}`, "quantized model"));
      const n = manifest.io.input.shape.reduce((a, b) => a * b, 1);
      const data = parseDataSet(readJson(o.data, "data"), o.data, n, manifest.io.output.count);
      print(await evaluateModel(readBytes(`${dir}/${manifest.files.floatOnnx}`, "float model"), model, data));
      return 0;
    }),
  );

program
  .command("prove")
  .description("proves output = model(input); writes OUTDIR/proof.json and OUTDIR/public.json (snarkjs formats)")
  .argument("<dir>", "model directory written by compile")
  .requiredOption("--input <file>", 'JSON {"input": [...]}: one row in the model\'s own input units')
  .requiredOption("--out <outdir>", "where to write proof.json and public.json")
  .action((dir: string, o: { input: string; out: string }) =>
    run(async () => {
      const manifest = readModelDir(dir);
      const n = manifest.io.input.shape.reduce((a, b) => a * b, 1);
      const input = parseInput(readJson(o.input, "input"), o.input, n);
      print(await proveDir(dir, input, o.out, reporter));
      return 0;
    }),
  );

program
  .command("verify")
  .description("checks OUTDIR/proof.json and OUTDIR/public.json against DIR's verifying key; exit 0 when it verifies")
  .argument("<dir>", "model directory written by compile")
  .argument("<outdir>", "directory holding proof.json and public.json")
  .action((dir: string, outDir: string) =>
    run(async () => {
      const r = await verifyDir(dir, outDir);
      print({ verified: r.ok, output: r.output, inputHash: r.inputHash });
      if (!r.ok) process.stderr.write("sovra-model: the proof does not verify\n");
      return r.ok ? 0 : 1;
    }),
  );

program
  .command("rebuild")
  .description(
    "from DIR/model.onnx alone: rebuilds circuit, r1cs, zkey, vkey, verifiers; exit 0 when every hash matches",
  )
  .argument("<dir>", "model directory written by compile")
  .option("--ptau <file>", "the powers of tau the model was built on (default: the one build.json records)")
  .action((dir: string, o: { ptau?: string }) =>
    run(async () => {
      const r = await rebuildDir(dir, { ptau: o.ptau, reporter });
      const w = Math.max(...r.items.map((i) => i.file.length));
      for (const i of r.items) {
        const line = i.same
          ? `${i.file.padEnd(w)}  same       ${i.rebuilt}`
          : `${i.file.padEnd(w)}  DIFFERENT  recorded ${i.recorded ?? "(none)"}, rebuilt ${i.rebuilt}` +
            (i.present !== undefined && i.present !== i.recorded ? `, file ${i.present}` : "");
        process.stdout.write(`${line}\n`);
      }
      if (!r.same) {
        const bad = r.items.filter((i) => !i.same).map((i) => i.file);
        process.stderr.write(`sovra-model: the rebuild differs: ${bad.join(", ")}\n`);
      }
      return r.same ? 0 : 1;
    }),
  );

program
  .command("setup")
  .description(
    "finds DIR's circuit.wasm and circuit.zkey (directory, then cache) or rebuilds them from model.onnx into the cache; prints their paths",
  )
  .argument("<dir>", "model directory written by compile")
  .addHelpText(
    "after",
    "\nThe cache: $SOVRA_CACHE_DIR, else ~/.cache/sovra. Models built on a powers of tau above 2^14 keep their\n" +
      "wasm, zkey and r1cs there (by the sha256 in build.json), not in git; the first setup rebuilds them (minutes).",
  )
  .action((dir: string) =>
    run(async () => {
      readModelDir(dir);
      const r = await ensureArtifacts(dir, { reporter });
      print({ ...r, cache: cacheDir() });
      return 0;
    }),
  );

process.on("uncaughtException", (e) => {
  process.stderr.write(`sovra-model: ${firstLine(e)}\n`);
  process.exit(1);
});

await program.parseAsync(process.argv);
