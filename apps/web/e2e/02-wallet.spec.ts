// EIP-6963 discovery by name, and the wrong-network prompt.
import { accounts } from "./chain.ts";
import { drawDigit, expect, test } from "./fixtures.ts";

test("a wallet on another chain is asked to switch", async ({ page, app }) => {
  await app.useWallet(accounts.reader, { startChainId: 1 });
  await app.goto("/");
  await app.connect();
  const banner = page.getByRole("alert").filter({ hasText: "Your wallet is on chain 1" });
  await expect(banner).toBeVisible();
  await app.screenshot("wallet-wrong-network");
  await banner.getByRole("button", { name: "Switch network" }).click();
  await expect(banner).toHaveCount(0);
  await page.getByRole("button", { name: "Disconnect" }).click();
  await expect(page.getByRole("button", { name: "Connect wallet" })).toBeVisible();
});

test("a bid without enough tUSD is refused with the amounts in tUSD", async ({ page, app }) => {
  // The reader (#6) is never funded: its bid's escrow transfer fails in the payment token.
  await app.useWallet(accounts.reader);
  await app.goto("/buy");
  await app.connect();
  await drawDigit(page);
  await page.getByLabel("Maximum price (tUSD)").fill("0.02");
  await expect(page.getByTestId("cost-summary")).toContainText("Your balance (0 tUSD) is below 0.02 tUSD");
  await page.getByRole("button", { name: "Place bid" }).click();
  await expect(
    page.getByRole("status").filter({ hasText: "Your balance (0 tUSD) is below the 0.02 tUSD needed." }),
  ).toBeVisible();
  await app.screenshot("buy-error-in-tokens");
});
