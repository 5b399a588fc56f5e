// A job on a model no MNIST code path knows, end to end through the CLIs: the buyer gives a CSV row in the model's
// own units (header of feature names when the model has them), `sovra bid` quantizes it by the io spec it reads from
// the chain, the provider node decodes the multi-byte inputRef by the manifest, infers, proves and settles, and the
// CLI prints the answer by the model's task: the shipped classifier (penguins) and regressor (mpg), or the one
// model SOVRA_IO_MODEL names (any model of circuits/models that deploy registers); and the larger CNN, digits_cnn,
// bought with a PNG of a held-out digit.
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesToHex } from "viem";
import { spotMarketAbi } from "@sovra/contracts";
import { close as closeProver, infer, loadModel, modelManifestSchema } from "@sovra/circuits";
import { dequantize, encodeInput, valueRange } from "@sovra/circuits/io/input";
import { encodeGrayPng } from "@sovra/workers/testing/png";
import { heldOutDigit } from "../support/digits.ts";
import {
  buyerBin,
  modelsDir,
  nodeReady,
  placeAsk,
  registerProvider,
  repoRoot,
  runCli,
  settledCount,
  startNode,
  startSystem,
  type NodeProcess,
  type System,
} from "../support/system.ts";

/** The shipped models no MNIST code path knows (SOVRA_IO_MODEL picks one). */
const IO_MODELS = process.env.SOVRA_IO_MODEL ? [process.env.SOVRA_IO_MODEL] : ["penguins", "mpg"];
/** The larger CNN (2^17 circuit, a MaxPool): bought with a PNG. */
const IMAGE_MODEL = "digits_cnn";

/** A shipped model's manifest; its absence (or its verifier's) is a failure, not a skip. */
function shipped(model: string) {
  const manifestFile = path.join(modelsDir, model, "manifest.json");
  if (!existsSync(manifestFile)) throw new Error(`the io end-to-end test needs circuits/models/${model}`);
  const manifest = modelManifestSchema.parse(JSON.parse(readFileSync(manifestFile, "utf8")));
  const verifierFile = path.join(repoRoot, "contracts", "contracts", "verifiers", `${manifest.verifier.contract}.sol`);
  if (!existsSync(verifierFile))
    throw new Error(`${path.relative(repoRoot, verifierFile)} is absent (deploy registers ${model} with it)`);
  return manifest;
}
const manifests = new Map(IO_MODELS.map((model) => [model, shipped(model)]));
const imageManifest = shipped(IMAGE_MODEL);
/** The model the refusal test sends a picture to. */
const TABULAR = IO_MODELS[0] as string;
const manifest = manifests.get(TABULAR);

/** How the CLI describes a tabular model's input in its errors. */
function modelTakes(): string {
  const spec = manifest?.io.input;
  const n = spec?.shape.reduce((a, b) => a * b, 1) ?? 0;
  const names = spec?.features !== undefined ? ` (${spec.features.join(", ")})` : "";
  return `model '${TABULAR}' takes ${n} value${n === 1 ? "" : "s"}${names}`;
}

describe(`verified jobs on ${IO_MODELS.join(" and ")} (generic io), end to end`, () => {
  let sys: System;
  let node: NodeProcess;

  beforeAll(async () => {
    sys = await startSystem();
    await registerProvider(sys, { stake: "1000" });
    for (const model of [...IO_MODELS, IMAGE_MODEL]) await placeAsk(sys, { price: "0.05", capacity: 2, model });
    node = startNode({
      config: await sys.writeConfig({ name: "node", models: [...IO_MODELS, IMAGE_MODEL] }),
      account: sys.provider,
    });
    await nodeReady(node);
  });

  afterAll(async () => {
    await node?.stop();
    await closeProver();
    await sys?.stop();
  });

  it.each(IO_MODELS)(
    "%s: a CSV row in the buyer's units is settled with a proof, the answer printed by the io spec",
    async (IO_MODEL) => {
      const manifest = manifests.get(IO_MODEL);
      if (manifest === undefined) throw new Error(`no manifest for ${IO_MODEL}`);
      const { input: spec, output } = manifest.io;
      const count = spec.shape.reduce((a, b) => a * b, 1);
      // Integers across the input range (both ends included); their real values are what the buyer writes.
      const { min, max } = valueRange(spec);
      const values = Array.from({ length: count }, (_, i) => Math.round(min + ((max - min) * ((i * 7) % 11)) / 10));
      const real = dequantize(values, spec);
      const file = path.join(sys.dir, "input.csv");
      // RFC 4180: a name holding a comma or a quote is quoted
      const csvCell = (name: string) => (/[",]/.test(name) ? `"${name.replaceAll('"', '""')}"` : name);
      const header = spec.features !== undefined ? `${spec.features.map(csvCell).join(",")}\n` : "";
      const csv = `${header}${real.map(String).join(",")}\n`;
      await writeFile(file, csv);

      const config = await sys.writeConfig({ name: "buyer" });
      const args = ["--config", config, "bid", "--model", IO_MODEL, "--input", file, "--max-price", "0.05"];
      const result = await runCli(buyerBin, args, { account: sys.buyer });
      if (process.env.SOVRA_E2E_ECHO === "1")
        console.log(`$ cat input.csv\n${csv}$ sovra ${args.join(" ")}\n${result.stderr}${result.stdout}`);
      expect(result.code, result.stderr).toBe(0);
      const answer = JSON.parse(result.stdout) as {
        jobId: string;
        task: string;
        predicted: number | null;
        label: string | null;
        values: Record<string, number>;
        scores: number[];
      };
      // The proven output is the model's on exactly these integers.
      const expected = infer(await loadModel(IO_MODEL), values);
      expect(answer.scores).toEqual(expected);
      expect(answer.task).toBe(output.task);
      const names = expected.map((_, i) => output.labels?.[i] ?? (output.task === "classify" ? String(i) : null));
      if (output.task === "classify") {
        const best = expected.indexOf(Math.max(...expected));
        expect(answer.predicted).toBe(best);
        expect(answer.label).toBe(names[best]);
        const shown =
          output.labels === undefined
            ? `class ${best}`
            : names[best] === String(best)
              ? String(best)
              : `${names[best]} (class ${best})`;
        expect(result.stderr).toContain(`\nanswer: ${shown}\n`);
      } else {
        expect(answer.predicted).toBe(null);
        expect(Object.values(answer.values)).toEqual(expected.map((v) => Number((v * output.scale).toPrecision(6))));
        expect(result.stderr).toMatch(/answer: .+ = /);
      }
      // Before sending, the CLI listed the input feature by feature.
      expect(result.stderr).toContain(`what will be sent to ${IO_MODEL}`);
      for (const name of spec.features ?? []) expect(result.stderr).toContain(`  ${name} = `);

      // On chain: one settlement, and the bid's inputRef is the values in the io spec's encoding.
      const jobId = BigInt(answer.jobId);
      expect(await settledCount(sys, jobId)).toBe(1);
      const [bid] = await sys.client.getContractEvents({
        address: sys.market,
        abi: spotMarketAbi,
        eventName: "BidPlaced",
        args: { orderId: jobId },
        fromBlock: BigInt(sys.deployment.startBlock),
        strict: true,
      });
      expect(bid?.args.inputRef).toBe(bytesToHex(encodeInput(values, spec)));
    },
  );

  it(`${IMAGE_MODEL}: a held-out digit as a PNG is settled with a proof of the 71k-constraint circuit`, async () => {
    const image = imageManifest.io.input.image;
    expect(image).toEqual({ height: 28, width: 28, channels: 1 });
    const digit = heldOutDigit(7, 3);
    const file = path.join(sys.dir, "digit.png");
    await writeFile(file, encodeGrayPng(28, 28, Uint8Array.from(digit.pixels)));
    const config = await sys.writeConfig({ name: "buyer" });
    const args = ["--config", config, "bid", "--model", IMAGE_MODEL, "--input", file, "--max-price", "0.05"];
    const result = await runCli(buyerBin, args, { account: sys.buyer });
    expect(result.code, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout) as { jobId: string; predicted: number; label: string; scores: number[] };
    // The proven output is the model's on the PNG's pixels (a 28x28 MNIST-layout digit goes through unchanged).
    const expected = infer(await loadModel(IMAGE_MODEL), digit.pixels);
    expect(answer.scores).toEqual(expected);
    const best = expected.indexOf(Math.max(...expected));
    expect(answer.predicted).toBe(best);
    expect(answer.label).toBe(String(best));
    expect(await settledCount(sys, BigInt(answer.jobId))).toBe(1);
  });

  it.skipIf(manifest?.io.input.image !== undefined)(
    "refuses a PNG for a tabular model in one line, before any transaction",
    async () => {
      const file = path.join(sys.dir, "picture.png");
      await writeFile(file, encodeGrayPng(4, 4, new Uint8Array(16)));
      const config = await sys.writeConfig({ name: "buyer" });
      const bids = async () =>
        (
          await sys.client.getContractEvents({
            address: sys.market,
            abi: spotMarketAbi,
            eventName: "BidPlaced",
            args: { buyer: sys.buyer.address },
            fromBlock: BigInt(sys.deployment.startBlock),
            strict: true,
          })
        ).length;
      const before = await bids();
      const result = await runCli(
        buyerBin,
        ["--config", config, "bid", "--model", TABULAR, "--input", file, "--max-price", "0.05"],
        { account: sys.buyer },
      );
      expect(result.code).toBe(1);
      const errors = result.stderr.split("\n").filter((line) => line.startsWith("error:"));
      expect(errors).toEqual([
        `error: ${file}: a PNG is an input for image models, but ${modelTakes()}: give a .json {"input": [...]} or a .csv row`,
      ]);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(await bids()).toBe(before);
    },
  );
});
