// EIP-6963 discovery by name, and the wrong-network prompt.
import { accounts } from "./chain.ts";
import { expect, test } from "./fixtures.ts";

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
