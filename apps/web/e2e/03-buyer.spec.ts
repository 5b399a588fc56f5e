// Buyer: connect -> faucet -> draw a digit -> bid (permit) -> the bid rests in the book, visible on the market;
// then a held-out MNIST digit bought from the provider node: matched -> proving -> verified -> the digit.
import { readFileSync } from "node:fs";
import path from "node:path";
import { createPublicClient, hexToBytes, http } from "viem";
import { z } from "zod";
import { spotMarketAbi } from "@sovra/contracts";
import { hashBytes } from "../../../circuits/src/io/hash.ts";
import { accounts, rpc } from "./chain.ts";
import { drawDigit, expect, expectConfirmed, test } from "./fixtures.ts";

// A held-out MNIST test digit with its label, the one the circuits' proof fixture uses.
const sampleFile = path.resolve(import.meta.dirname, "..", "..", "..", "circuits", "fixtures", "mlp-proof.json");
const sample = z
  .object({ label: z.number().int().min(0).max(9), input: z.array(z.number().int().min(0).max(255)).length(784) })
  .parse(JSON.parse(readFileSync(sampleFile, "utf8")));

test("buyer gets test dollars, draws a digit and bids", async ({ page, app }) => {
  await app.useWallet(accounts.buyer);
  await app.goto("/faucet");
  await app.connect();
  await page.getByRole("button", { name: "Get tUSD" }).click();
  await expectConfirmed(page, "Faucet");
  await expect(page.getByTestId("faucet-balance")).toHaveText("Your balance: 1,000 tUSD");
  // A second call reverts with FaucetCooldown, shown in words.
  await page.getByRole("button", { name: "Get tUSD" }).click();
  await expect(page.getByRole("status").filter({ hasText: "You used the faucet recently" })).toBeVisible();
  await app.screenshot("faucet");

  await app.goto("/buy");
  // The provider node's ask (global-setup) is the best price; a bid below it rests in the book.
  await expect(page.getByTestId("quote")).toHaveText("Best ask: 0.05 tUSD per job.");
  await expect(page.getByRole("button", { name: "Draw a digit first" })).toBeDisabled();
  await drawDigit(page);
  await page.getByLabel("Maximum price (tUSD)").fill("0.02");
  await page.getByRole("button", { name: "Place bid" }).click();
  await expectConfirmed(page, "Bid (with permit)");
  await expect(page.getByTestId("order-tracker")).toContainText("rests in the book at tick 20");
  await app.screenshot("buy-bid-resting");

  // On chain: the bid carries the drawn pixels and the circuits' Poseidon hash of exactly those pixels.
  const client = createPublicClient({ transport: http(app.state.rpcUrl) });
  const [placed] = await client.getContractEvents({
    address: app.state.deployment.contracts.spotMarket,
    abi: spotMarketAbi,
    eventName: "BidPlaced",
    args: { buyer: accounts.buyer },
    fromBlock: 0n,
  });
  const pixels = hexToBytes(placed?.args.inputRef ?? "0x");
  expect(pixels).toHaveLength(784);
  expect(pixels.some((value) => value > 128)).toBe(true);
  expect(placed?.args.inputHash).toBe(await hashBytes(pixels));

  await app.goto("/");
  await expect(page.getByTestId("best-bid")).toHaveText("0.02 tUSD");
  await expect(page.getByTestId("depth-chart")).toBeVisible();
});

test("buyer uploads a held-out MNIST digit and sees the provider node's verified output", async ({ page, app }) => {
  const { rpcUrl, deployment } = app.state;
  const market = deployment.markets.find((entry) => entry.model === "mlp" && entry.policyClass === 0);
  if (!market) throw new Error("the deployment has no open mlp market");
  await app.useWallet(accounts.buyer);
  await app.goto("/buy");
  await app.connect();
  await page.getByLabel("Model and policy class").selectOption(String(market.marketId));
  await expect(page.getByTestId("quote")).toHaveText("Best ask: 0.05 tUSD per job.");
  await page.getByLabel("Or upload 784 pixels (JSON)").setInputFiles({
    name: `digit-${sample.label}.json`,
    mimeType: "application/json",
    buffer: Buffer.from(JSON.stringify(sample.input)),
  });
  await page.getByLabel("Maximum price (tUSD)").fill("0.05");

  // Mining is held while the job is open, so the matched/proving state is on screen however fast the node
  // proves: its settle transaction waits in the mempool until the test mines again.
  await rpc(rpcUrl, "evm_setAutomine", [false]);
  const tracker = page.getByTestId("job-tracker");
  const stepOf = (name: string) => tracker.getByRole("listitem").filter({ hasText: name });
  try {
    await page.getByRole("button", { name: "Place bid" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Bid (with permit): pending" })).toBeVisible();
    await rpc(rpcUrl, "evm_mine");
    await expectConfirmed(page, "Bid (with permit)");
    // The bid crossed the node's ask: the page follows the job at once.
    await expect(tracker).toHaveAttribute("data-job-state", "matched");
    await expect(stepOf("Matched")).toHaveAttribute("data-state", "done");
    await expect(stepOf("Proving")).toHaveAttribute("data-state", "active");
    await expect(stepOf("Verified on-chain")).toHaveAttribute("data-state", "todo");
    await expect(tracker.getByTestId("job-output")).toContainText("Output: —");
    await expect(tracker).toContainText(accounts.node);
    await app.screenshot("buy-job-proving");
  } finally {
    await rpc(rpcUrl, "evm_setAutomine", [true]);
    await rpc(rpcUrl, "evm_mine");
  }

  // The node infers, proves and settles; the market's verifier accepted the proof (JobSettled).
  await expect(tracker).toHaveAttribute("data-job-state", "settled", { timeout: 90_000 });
  await expect(stepOf("Proving")).toHaveAttribute("data-state", "done");
  await expect(stepOf("Verified on-chain")).toHaveAttribute("data-state", "done");
  await expect(tracker.getByTestId("job-output")).toHaveText(`Output: digit ${sample.label}`);

  // The settle link points at the transaction that emitted JobSettled for this job, with the node as provider.
  const jobId = BigInt(new URL(page.url()).searchParams.get("job") ?? "0");
  const client = createPublicClient({ transport: http(rpcUrl) });
  const [settled] = await client.getContractEvents({
    address: deployment.contracts.spotMarket,
    abi: spotMarketAbi,
    eventName: "JobSettled",
    args: { jobId },
    fromBlock: 0n,
  });
  expect(settled?.args.provider).toBe(accounts.node);
  const link = stepOf("Verified on-chain").getByRole("link");
  await expect(link).toHaveAttribute("href", `/tx/${settled?.transactionHash}`);
  await app.screenshot("buy-job-verified");
});
