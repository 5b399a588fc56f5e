// Refund on expiry: the job the browser's provider filled in 04-provider (it runs no node) was never proven; chain time has moved past its deadline
// (05-governance advanced it by an hour). The buyer expires it with the terms rebuilt from the events, then
// withdraws the refund.
import { accounts, jobsMatchedTo } from "./chain.ts";
import { expect, expectConfirmed, test } from "./fixtures.ts";

test("the buyer expires an unproven job and withdraws the refund", async ({ page, app }) => {
  const [jobId] = await jobsMatchedTo(app.state, accounts.provider);
  expect(jobId).toBeDefined();
  await app.useWallet(accounts.buyer);
  await app.goto(`/buy?job=${jobId}`);
  await app.connect();
  const tracker = page.getByTestId("job-tracker");
  await expect(tracker).toContainText("deadline passed");
  await tracker.getByRole("button", { name: "Expire job and refund" }).click();
  await expectConfirmed(page, "Expire job");
  await expect(tracker).toHaveAttribute("data-job-state", "expired");
  await expect(tracker).toContainText("Expired: your payment was refunded");
  const withdraw = tracker.getByRole("button", { name: /^Withdraw / });
  await expect(withdraw).toBeVisible();
  await withdraw.click();
  await expectConfirmed(page, "Withdraw");
  await expect(withdraw).toHaveCount(0);
  await app.screenshot("buy-job-expired");
});
