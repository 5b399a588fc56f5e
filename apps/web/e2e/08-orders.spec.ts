// A buyer's own view: resting bids with Cancel, open jobs with their status, ended jobs (the settled purchase of
// 03, the job expired in 06), and the refund of a cancelled bid taken out with Withdraw.
import { accounts, jobsMatchedTo, paymentBalance, placeBidAs } from "./chain.ts";
import { expect, expectConfirmed, test } from "./fixtures.ts";

test("the buyer sees its bids and jobs, cancels a bid and withdraws the refund", async ({ page, app }) => {
  const { deployment } = app.state;
  const market = deployment.markets[0];
  if (!market) throw new Error("no market");
  // Browser provider #4 (no node) still asks 0.02 on this market (04): a bid at 0.02 becomes a job nobody proves;
  // a bid at 0.01 rests.
  const openJob = await placeBidAs(app.state, accounts.buyer, { marketId: market.marketId, maxTick: 20 });
  const resting = await placeBidAs(app.state, accounts.buyer, { marketId: market.marketId, maxTick: 10 });
  const [settledJob] = await jobsMatchedTo(app.state, accounts.node);
  const [expiredJob] = await jobsMatchedTo(app.state, accounts.provider);

  await app.useWallet(accounts.buyer);
  await app.goto("/orders");
  await app.connect();
  const bidRow = page.getByTestId(`bid-${resting}`);
  await expect(bidRow).toContainText("0.01 tUSD");
  await expect(page.getByTestId(`job-${openJob}`)).toHaveAttribute("data-job-state", "open");
  await expect(page.getByTestId(`job-${openJob}`)).toContainText("waiting for the proof");
  await expect(page.getByTestId(`ended-${settledJob}`)).toContainText("settled (proof verified): digit");
  await expect(page.getByTestId(`ended-${expiredJob}`)).toContainText("expired: buyer refunded, provider slashed");
  await expect(page.getByTestId("owed")).toHaveText("The market owes you: 0 tUSD");
  await app.screenshot("orders");

  await bidRow.getByRole("button", { name: `Cancel bid ${resting}` }).click();
  await expectConfirmed(page, "Cancel bid");
  await expect(bidRow).toHaveCount(0);
  await expect(page.getByTestId(`ended-${resting}`)).toContainText("cancelled: escrow refunded");
  await expect(page.getByTestId("owed")).toHaveText("The market owes you: 0.01 tUSD");

  const before = await paymentBalance(app.state, accounts.buyer);
  await page.getByRole("button", { name: "Withdraw 0.01 tUSD" }).click();
  await expectConfirmed(page, "Withdraw");
  await expect(page.getByTestId("owed")).toHaveText("The market owes you: 0 tUSD");
  expect((await paymentBalance(app.state, accounts.buyer)) - before).toBe(10_000n);
  await app.screenshot("orders-after-cancel");
});
