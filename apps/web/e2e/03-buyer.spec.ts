// Buyer: connect -> faucet -> draw a digit -> the cost before signing -> bid (permit) -> the bid rests in the book,
// visible on the market; then a held-out MNIST digit bought from the provider node: the cost (price, fee out of the
// provider's payment) -> matched -> proving -> verified -> the digit, charged exactly what was shown; then the
// settlement and the bid on the dApp's decoded transaction page.
import { readFileSync } from "node:fs";
import path from "node:path";
import { createPublicClient, hexToBytes, http } from "viem";
import { z } from "zod";
import { spotMarketAbi } from "@sovra/contracts";
import { hashBytes } from "../../../circuits/src/io/hash.ts";
import { accounts, paymentBalance, rpc } from "./chain.ts";
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
  // Before the wallet is asked: below the best ask the bid rests and escrows its own price; the fee is the provider's.
  const cost = page.getByTestId("cost-summary");
  await expect(cost.getByTestId("cost-price")).toHaveText("0.02 tUSD");
  await expect(cost.getByTestId("cost-fee")).toHaveText("0.0005 tUSD");
  await expect(cost.getByTestId("cost-provider")).toHaveText("0.0195 tUSD");
  await expect(cost.getByTestId("cost-charged")).toHaveText("0.02 tUSD");
  await expect(cost.getByTestId("cost-explained")).toContainText(
    "Your bid rests in the book: 0.02 tUSD is held in escrow",
  );
  const before = await paymentBalance(app.state, accounts.buyer);
  await page.getByRole("button", { name: "Place bid" }).click();
  await expectConfirmed(page, "Bid (with permit)");
  expect(before - (await paymentBalance(app.state, accounts.buyer))).toBe(20_000n);
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
  // The bid crosses the node's ask: the buyer pays the price; 2.5% of it is the protocol's, out of the provider's pay.
  const cost = page.getByTestId("cost-summary");
  await expect(cost.getByTestId("cost-price")).toHaveText("0.05 tUSD");
  await expect(cost.getByTestId("cost-fee")).toHaveText("0.00125 tUSD");
  await expect(cost.getByTestId("cost-provider")).toHaveText("0.04875 tUSD");
  await expect(cost.getByTestId("cost-charged")).toHaveText("0.05 tUSD");
  await expect(cost.getByTestId("cost-explained")).toContainText("Your bid matches the best ask now");
  await expect(cost.getByTestId("cost-explained")).toContainText("it comes out of the provider's payment");
  await app.screenshot("buy-cost-before-signing");
  const before = await paymentBalance(app.state, accounts.buyer);

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
  // Charged exactly the price shown before signing; the provider got the price less the fee shown.
  expect(before - (await paymentBalance(app.state, accounts.buyer))).toBe(50_000n);
  expect(settled?.args.providerAmount).toBe(48_750n);
  expect(settled?.args.fee).toBe(1_250n);

  // The settlement on the decoded transaction page: named arguments, amounts in tUSD, the market labelled.
  await link.click();
  await expect(page.getByRole("heading", { level: 1, name: "Transaction" })).toBeVisible();
  const event = page.getByTestId("tx-event").filter({ has: page.getByRole("heading", { name: /^JobSettled/ }) });
  await expect(event.getByRole("heading")).toHaveText("JobSettled from market");
  await expect(event.getByTestId("arg-jobId")).toHaveText(`#${jobId}`);
  await expect(event.getByTestId("arg-provider")).toHaveText(`${accounts.node}registered provider`);
  await expect(event.getByTestId("arg-providerAmount")).toHaveText("0.04875 tUSD");
  await expect(event.getByTestId("arg-fee")).toHaveText("0.00125 tUSD");
  await expect(page.getByTestId("tx-to")).toHaveText(`${deployment.contracts.spotMarket} (market)`);
  await app.screenshot("tx-settlement-decoded");

  // The bid, sent by the connected buyer: "you" is labelled, the escrow transfer is in tUSD.
  const [bid] = await client.getContractEvents({
    address: deployment.contracts.spotMarket,
    abi: spotMarketAbi,
    eventName: "BidPlaced",
    args: { orderId: jobId },
    fromBlock: 0n,
  });
  await app.goto(`/tx/${bid?.transactionHash}`);
  await expect(page.getByTestId("connected-address")).toBeVisible();
  await expect(page.getByTestId("tx-from")).toHaveText(`${accounts.buyer} (you)`);
  const placed = page.getByTestId("tx-event").filter({ has: page.getByRole("heading", { name: /^BidPlaced/ }) });
  await expect(placed.getByTestId("arg-buyer")).toHaveText(`${accounts.buyer}you`);
  await expect(placed.getByTestId("arg-maxTick")).toHaveText("0.05 tUSD (tick 50)");
  await expect(placed.getByTestId("arg-marketId")).toHaveText(`${market.marketId} (mlp · policy class 0)`);
  const transfer = page
    .getByTestId("tx-event")
    .filter({ has: page.getByRole("heading", { name: "Transfer from tUSD token" }) });
  await expect(transfer.getByTestId("arg-value")).toHaveText("0.05 tUSD");
  await expect(transfer.getByTestId("arg-to")).toHaveText(`${deployment.contracts.spotMarket}market`);
  await app.screenshot("tx-bid-decoded");
});
