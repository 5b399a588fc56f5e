// Buyer: connect -> faucet -> draw a digit -> bid (permit) -> the bid rests in the book, visible on the market.
import { createPublicClient, hexToBytes, http } from "viem";
import { spotMarketAbi } from "@sovra/contracts";
import { hashBytes } from "../../../circuits/src/io/hash.ts";
import { accounts } from "./chain.ts";
import { drawDigit, expect, expectConfirmed, test } from "./fixtures.ts";

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
  await expect(page.getByTestId("quote")).toContainText("No asks in the book");
  await expect(page.getByRole("button", { name: "Draw a digit first" })).toBeDisabled();
  await drawDigit(page);
  await page.getByLabel("Maximum price (tUSD)").fill("0.1");
  await page.getByRole("button", { name: "Place bid" }).click();
  await expectConfirmed(page, "Bid (with permit)");
  await expect(page.getByTestId("order-tracker")).toContainText("rests in the book at tick 100");
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
  await expect(page.getByTestId("best-bid")).toHaveText("0.1 tUSD");
  await expect(page.getByTestId("depth-chart")).toBeVisible();
});
