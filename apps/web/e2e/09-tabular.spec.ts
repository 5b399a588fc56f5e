// A tabular model bought through the form its io spec asks for: one field per feature name, in real units, each
// quantized in the browser (the integer it is sent as, clamping outside the calibrated range), a message per
// field that is not a number, a JSON upload `{"input": [...]}` that fills the form; the bid the chain accepts
// carries exactly the model's encoded bytes and the circuits' hash of them.
import { createPublicClient, createWalletClient, hexToBytes, http } from "viem";
import { hardhat } from "viem/chains";
import { z } from "zod";
import { modelRegistryAbi, spotMarketAbi, testStablecoinAbi } from "@sovra/contracts";
import { hashBytes } from "../../../circuits/src/io/hash.ts";
import { dequantize, encodeInput, quantizeReal, valueRange } from "../../../circuits/src/io/input.ts";
import { expect, expectConfirmed, test } from "./fixtures.ts";

/** The tabular classifier this flow buys (a folder of circuits/models registered by the deployment). */
const TABULAR_MODEL = "penguins";

/** Hardhat's development account #7: used by no other flow, funded here from the faucet. */
const tabularBuyer = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955" as const;

const specSchema = z.object({
  input: z.object({
    shape: z.array(z.number().int()),
    bits: z.number().int(),
    signed: z.boolean(),
    scale: z.number(),
    zeroPoint: z.number().int(),
    features: z.array(z.string()),
    standardize: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).optional(),
  }),
  output: z.object({ count: z.number().int(), labels: z.array(z.string()).optional() }),
});

test("a tabular model's form sends a bid the chain accepts with the circuits' input hash", async ({ page, app }) => {
  const { deployment, rpcUrl } = app.state;
  const market = deployment.markets.find((entry) => entry.model === TABULAR_MODEL && entry.policyClass === 0);
  // A shipped model: the deploy opens its market, so its absence is a failure.
  if (!market) throw new Error(`the deployment has no open "${TABULAR_MODEL}" market`);
  const transport = http(rpcUrl);
  const client = createPublicClient({ transport });
  const model = await client.readContract({
    address: deployment.contracts.modelRegistry,
    abi: modelRegistryAbi,
    functionName: "modelOf",
    args: [market.modelId],
  });
  const spec = specSchema.parse(JSON.parse(model.ioSpec));
  const { features } = spec.input;
  const q = {
    bits: spec.input.bits,
    signed: spec.input.signed,
    scale: spec.input.scale,
    zeroPoint: spec.input.zeroPoint,
    // the model takes (x - mean) / std: the form's fields are in the features' own units
    ...(spec.input.standardize ? { standardize: spec.input.standardize } : {}),
  };
  // Values across each feature's calibrated range (its own units), and one far above it (clamped to the largest
  // integer): the integer range's ends, in the buyer's units.
  const { min, max } = valueRange(q);
  const lows = dequantize(new Array<number>(features.length).fill(min), q);
  const highs = dequantize(new Array<number>(features.length).fill(max), q);
  const typed = features.map((_, index) => {
    const low = lows[index] ?? 0;
    const high = highs[index] ?? 0;
    return index === 1
      ? String(high + 10 * (high - low))
      : (low + ((high - low) * (index + 1)) / (features.length + 2)).toFixed(3);
  });
  const expected = quantizeReal(typed.map(Number), q);
  expect(expected.clamped).toEqual([1]);
  expect(expected.values[1]).toBe(max);

  // The buyer's tUSD, from the faucet (node side: the flow is about the form).
  const wallet = createWalletClient({ transport, account: tabularBuyer });
  const funded = await wallet.writeContract({
    chain: hardhat,
    address: deployment.contracts.paymentToken,
    abi: testStablecoinAbi,
    functionName: "faucet",
  });
  await client.waitForTransactionReceipt({ hash: funded });

  // The models page says what the model takes, by its feature names.
  await app.goto("/models");
  const card = page.getByRole("region", { name: new RegExp(`^${TABULAR_MODEL} `) });
  await expect(card.getByTestId("model-task")).toContainText(`a row of ${features.length} features`);
  await expect(card.getByTestId("model")).toContainText(features.join(", "));

  await app.useWallet(tabularBuyer);
  await app.goto(`/buy?market=${market.marketId}`);
  await app.connect();
  const form = page.getByTestId("feature-form");
  await expect(form).toBeVisible();
  await expect(page.getByTestId("digit-canvas")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Enter the input first" })).toBeDisabled();

  // A field that is not a number says so, by name; the bid stays disabled until every field is one.
  const first = features[0] ?? "";
  await form.getByLabel(first, { exact: true }).fill("abc");
  await expect(page.getByTestId("feature-note-0")).toHaveText(`${first}: "abc" is not a finite number`);
  for (const [index, name] of features.entries()) await form.getByLabel(name, { exact: true }).fill(typed[index] ?? "");
  await expect(page.getByTestId("feature-note-0")).toHaveText(`sent as ${expected.values[0]} (int${q.bits})`);
  await expect(page.getByTestId("feature-note-1")).toHaveText(
    new RegExp(`^outside the calibrated range \\(.+ to .+\\): sent as ${max} \\(int${q.bits}\\)`),
  );

  // The JSON upload refuses a wrong count in one line, and fills the form with a right one.
  const upload = page.getByLabel("Upload the input as JSON");
  await upload.setInputFiles({
    name: "short.json",
    mimeType: "application/json",
    buffer: Buffer.from(JSON.stringify({ input: [1] })),
  });
  await expect(page.getByTestId("input-json-error")).toHaveText(`expected ${features.length} values in "input", got 1`);
  await upload.setInputFiles({
    name: "input.json",
    mimeType: "application/json",
    buffer: Buffer.from(JSON.stringify({ input: typed.map(Number) })),
  });
  await expect(page.getByTestId("input-json-error")).toHaveCount(0);
  for (const [index, name] of features.entries())
    await expect(form.getByLabel(name, { exact: true })).toHaveValue(String(Number(typed[index])));
  await app.screenshot("buy-tabular-form");

  // Below the node's ask the bid rests; the chain accepts it.
  await page.getByLabel("Maximum price (tUSD)").fill("0.01");
  await page.getByRole("button", { name: "Place bid" }).click();
  await expectConfirmed(page, "Bid (with permit)");
  await expect(page.getByTestId("order-tracker")).toContainText("rests in the book");

  // On chain: the model's encoding of the quantized values, and the circuits' hash of exactly those bytes.
  const [placed] = await client.getContractEvents({
    address: deployment.contracts.spotMarket,
    abi: spotMarketAbi,
    eventName: "BidPlaced",
    args: { buyer: tabularBuyer },
    fromBlock: 0n,
  });
  expect(placed?.args.marketId).toBe(market.marketId);
  const bytes = hexToBytes(placed?.args.inputRef ?? "0x");
  expect(bytes).toEqual(encodeInput(expected.values, q));
  expect(placed?.args.inputHash).toBe(await hashBytes(bytes));
});
