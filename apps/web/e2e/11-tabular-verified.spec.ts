// The shipped tabular models bought end to end in the browser from the provider node (global-setup's asks): the
// penguins classifier through its feature form, the mpg regressor through a JSON upload, each in the buyer's own
// units; the bid crosses the node's ask, the node proves, the market's verifier settles (JobSettled) and the page
// shows the answer by the io spec: the predicted label, or the value with its name. The expected answer is
// computed here from the model folder (the circuits' quantization and integer reference evaluator).
import { readFileSync } from "node:fs";
import path from "node:path";
import { createPublicClient, http } from "viem";
import { z } from "zod";
import { modelRegistryAbi } from "@sovra/contracts";
import { evaluate, parseIntModel } from "../../../circuits/src/compiler/index.ts";
import { quantizationOf, quantizeReal } from "../../../circuits/src/io/input.ts";
import { expect, test, type App } from "./fixtures.ts";
import { buyAtTheAsk, fund } from "./purchase.ts";

const modelsDir = path.resolve(import.meta.dirname, "..", "..", "..", "circuits", "models");

const ioSchema = z.object({
  input: z.object({
    shape: z.array(z.number().int()),
    bits: z.number().int(),
    signed: z.boolean(),
    scale: z.number(),
    zeroPoint: z.number().int(),
    features: z.array(z.string()),
    standardize: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).optional(),
  }),
  output: z.object({
    count: z.number().int(),
    scale: z.number(),
    laneBits: z.number().int(),
    task: z.enum(["classify", "regress"]),
    labels: z.array(z.string()).optional(),
  }),
});

/** The model's integer outputs for `real` (the buyer's units), from its folder: quantized as the io spec says. */
function expectedOutput(model: string, real: readonly number[]) {
  const dir = path.join(modelsDir, model);
  const manifest = z
    .object({ io: ioSchema, files: z.object({ intModel: z.string() }) })
    .parse(JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")));
  const intModel = parseIntModel(JSON.parse(readFileSync(path.join(dir, manifest.files.intModel), "utf8")));
  const { values, clamped } = quantizeReal(real, quantizationOf(manifest.io.input));
  // The rows below lie inside the calibrated range: what the model is asked is what the buyer typed.
  expect(clamped).toEqual([]);
  return { io: manifest.io, values, scores: evaluate(intModel, values) };
}

/** The market of `model` (policy class 0, opened by the deployment) and the io spec the registry holds for it. */
async function openMarket(app: App, model: string) {
  const { deployment, rpcUrl } = app.state;
  const market = deployment.markets.find((entry) => entry.model === model && entry.policyClass === 0);
  // A shipped model: the deploy opens its market, so its absence is a failure.
  if (!market) throw new Error(`the deployment has no open "${model}" market`);
  const client = createPublicClient({ transport: http(rpcUrl) });
  const listed = await client.readContract({
    address: deployment.contracts.modelRegistry,
    abi: modelRegistryAbi,
    functionName: "modelOf",
    args: [market.modelId],
  });
  return { market, client, io: ioSchema.parse(JSON.parse(listed.ioSpec)) };
}

/** Hardhat's development accounts #9 and #10: used by no other flow, funded here from the faucet. */
const penguinsBuyer = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720" as const;
const mpgBuyer = "0xBcd4042DE499D14e55001CcbB24a551F3b954096" as const;

test("a penguin's measurements typed into the form are classified by the node, verified, labelled", async ({
  page,
  app,
}) => {
  const { market, io } = await openMarket(app, "penguins");
  expect(io.output.task).toBe("classify");
  // A penguin measured in the field, in the features' own units (mm, mm, mm, g).
  const row = [50.2, 18.7, 198, 3775];
  expect(row).toHaveLength(io.input.features.length);
  const expected = expectedOutput("penguins", row);
  const best = expected.scores.indexOf(Math.max(...expected.scores));
  const label = io.output.labels?.[best];
  if (label === undefined) throw new Error("the penguins io spec has no label for its best class");

  await fund(app, penguinsBuyer);
  await app.useWallet(penguinsBuyer);
  await app.goto(`/buy?market=${market.marketId}`);
  await app.connect();
  const form = page.getByTestId("feature-form");
  for (const [index, name] of io.input.features.entries())
    await form.getByLabel(name, { exact: true }).fill(String(row[index]));
  for (const [index, value] of expected.values.entries())
    await expect(page.getByTestId(`feature-note-${index}`)).toHaveText(`sent as ${value} (int${io.input.bits})`);

  const { tracker, jobId, signals } = await buyAtTheAsk(page, app, penguinsBuyer, expected.scores, io.output.laneBits);
  const answer = `Output: ${label}`;
  await expect(tracker.getByTestId("job-output")).toHaveText(answer);
  // Every class's score, by its label.
  for (const name of io.output.labels ?? []) await expect(tracker.getByTestId("job-scores")).toContainText(`${name}:`);
  await app.screenshot("buy-tabular-verified");

  // The settlement's receipt reads the proven output by the model's io spec, beside the signals it came from.
  await tracker.getByRole("listitem").filter({ hasText: "Verified on-chain" }).getByRole("link").click();
  const event = page.getByTestId("tx-event").filter({ has: page.getByRole("heading", { name: /^JobSettled/ }) });
  const output = event.getByTestId("arg-output");
  await expect(output).toContainText(`${label} (`);
  for (const name of io.output.labels ?? []) await expect(output).toContainText(`${name}: `);
  await expect(output).toContainText(`public signals ${signals.join(", ")}`);
  await app.screenshot("tx-tabular-settlement-decoded");

  // Later, from My orders: the ended job with its label, and its page opened afresh (a bookmark, a new tab).
  await app.goto("/orders");
  const ended = page.getByTestId(`ended-${jobId}`);
  await expect(ended).toContainText(`settled (proof verified): ${label}`);
  const link = ended.getByRole("link", { name: `job #${jobId}` });
  await expect(link).toHaveAttribute("href", `/buy?market=${market.marketId}&job=${jobId}`);
  await app.goto(`/buy?market=${market.marketId}&job=${jobId}`);
  await expect(page.getByTestId("job-output")).toHaveText(answer);
});

test("a car's specification uploaded as JSON gets the regressor's verified miles per gallon", async ({ page, app }) => {
  const { market, io } = await openMarket(app, "mpg");
  expect(io.output.task).toBe("regress");
  expect(io.output.count).toBe(1);
  // A car in the features' own units: cylinders, cu in, hp, lb, s (0 to 60 mph), model year.
  const row = [4, 97, 88, 2130, 14.5, 1970];
  expect(row).toHaveLength(io.input.features.length);
  const expected = expectedOutput("mpg", row);
  const [integer = Number.NaN] = expected.scores;
  const name = io.output.labels?.[0];
  if (name === undefined) throw new Error("the mpg io spec does not name its value");

  await fund(app, mpgBuyer);
  await app.useWallet(mpgBuyer);
  // From the Buy page's own market picker (it opens on another model's market): the form replaces that input.
  await app.goto("/buy");
  await app.connect();
  await page.getByLabel("Model and policy class").selectOption(String(market.marketId));
  await expect(page.getByTestId("feature-form")).toBeVisible();
  await expect(page.getByTestId("digit-canvas")).toHaveCount(0);
  await page.getByLabel("Upload the input as JSON").setInputFiles({
    name: "car.json",
    mimeType: "application/json",
    buffer: Buffer.from(JSON.stringify({ input: row })),
  });
  await expect(page.getByTestId("input-json-error")).toHaveCount(0);
  for (const [index, value] of expected.values.entries())
    await expect(page.getByTestId(`feature-note-${index}`)).toHaveText(`sent as ${value} (int${io.input.bits})`);

  const { tracker } = await buyAtTheAsk(page, app, mpgBuyer, expected.scores, io.output.laneBits);
  // The value is the integer times the io spec's output scale, shown at the resolution of one integer step.
  const output = tracker.getByTestId("job-output");
  await expect(output).toHaveText(new RegExp(`^Output: ${name} -?\\d+(\\.\\d+)?$`));
  const shown = Number((await output.textContent())?.slice(`Output: ${name} `.length));
  expect(Math.abs(shown - integer * io.output.scale)).toBeLessThanOrEqual(io.output.scale / 2);
  await app.screenshot("buy-regressor-verified");
  // The receipt of the settlement says the same value.
  const answer = (await output.textContent())?.slice("Output: ".length) ?? "";
  await tracker.getByRole("listitem").filter({ hasText: "Verified on-chain" }).getByRole("link").click();
  const event = page.getByTestId("tx-event").filter({ has: page.getByRole("heading", { name: /^JobSettled/ }) });
  await expect(event.getByTestId("arg-output")).toContainText(`${answer}public signals`);
});
