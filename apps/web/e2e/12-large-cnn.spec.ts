// The larger CNN (digits_cnn: conv, MaxPool, 71,318 constraints on a 2^17 circuit) bought end to end in the browser:
// its market picked on the Buy page, a held-out digit uploaded into its image field, a bid at the provider node's
// ask, the node proves with the key it built into the cache, the market's verifier settles, the page reads the
// digit. The expected scores come from the model folder (the circuits' integer reference evaluator).
import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { evaluate, parseIntModel } from "../../../circuits/src/compiler/index.ts";
import { expect, test } from "./fixtures.ts";
import { buyAtTheAsk, fund } from "./purchase.ts";

const MODEL = "digits_cnn";
const dir = path.resolve(import.meta.dirname, "..", "..", "..", "circuits", "models", MODEL);
const sourceDigit = path.resolve(dir, "..", "..", "sources", "digits-cnn", "input.json");

/** Hardhat's development account #11: used by no other flow, funded here from the faucet. */
const buyer = "0x71bE63f3384f5fb98995898A86B02Fb2426c5788" as const;

test("a held-out digit uploaded to the larger CNN is classified by the node, verified, read as a digit", async ({
  page,
  app,
}) => {
  const market = app.state.deployment.markets.find((entry) => entry.model === MODEL && entry.policyClass === 0);
  // A shipped model: the deploy opens its market, so its absence is a failure.
  if (!market) throw new Error(`the deployment has no open "${MODEL}" market`);
  const manifest = z
    .object({
      files: z.object({ intModel: z.string() }),
      io: z.object({
        input: z.object({ image: z.object({ height: z.literal(28), width: z.literal(28), channels: z.literal(1) }) }),
        output: z.object({ laneBits: z.number().int() }),
      }),
      circuit: z.object({ constraints: z.number().int() }),
    })
    .parse(JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")));
  expect(manifest.circuit.constraints).toBeGreaterThan(50_000);
  // The first held-out digit, as the training script wrote it (pixels / 255), back to its 784 bytes.
  const unit = z
    .object({ input: z.array(z.number().min(0).max(1)).length(784) })
    .parse(JSON.parse(readFileSync(sourceDigit, "utf8")));
  const pixels = unit.input.map((x) => Math.round(x * 255));
  const intModel = parseIntModel(JSON.parse(readFileSync(path.join(dir, manifest.files.intModel), "utf8")));
  const scores = evaluate(intModel, pixels);
  const best = scores.indexOf(Math.max(...scores));

  await fund(app, buyer);
  await app.useWallet(buyer);
  await app.goto(`/buy?market=${market.marketId}`);
  await app.connect();
  await page.getByLabel("Or upload 784 pixels (JSON)").setInputFiles({
    name: "digit.json",
    mimeType: "application/json",
    buffer: Buffer.from(JSON.stringify(pixels)),
  });
  // A 2^17 circuit: a proof takes seconds to tens of seconds on a busy 2-core machine, hence the longer wait.
  const { tracker } = await buyAtTheAsk(page, app, buyer, scores, manifest.io.output.laneBits, 300_000);
  await expect(tracker.getByTestId("job-output")).toHaveText(`Output: digit ${best}`);
  await app.screenshot("buy-large-cnn-verified");
});
