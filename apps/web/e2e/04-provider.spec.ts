// Provider (account #4, in the browser; #1 is the provider node global-setup runs): a decoded custom error,
// register, stake, ask; the ask fills the buyer's resting bid.
import { accounts, jobsMatchedTo } from "./chain.ts";
import { expect, expectConfirmed, test } from "./fixtures.ts";

test("provider registers, stakes and places an ask that fills the resting bid", async ({ page, app }) => {
  await app.useWallet(accounts.provider);
  await app.goto("/provider");
  await app.connect();

  // Before registering, the market rejects the ask with NotRegistered, decoded into words.
  await page.getByLabel("Price per job (tUSD)").fill("0.02");
  await page.getByRole("button", { name: "Place ask" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Register your provider profile first." })).toBeVisible();

  await page.getByLabel("GPU model").fill("NVIDIA H100 80GB");
  await page.getByLabel("VRAM (MB)").fill("81920");
  await page.getByLabel("Measured throughput (inferences per second)").fill("120.5");
  await page.getByLabel("Region").fill("eu-west");
  await page.getByLabel("Benchmark report hash (sha2-256)").fill(`0x${"ab".repeat(32)}`);
  await page.getByRole("button", { name: "Register" }).click();
  await expectConfirmed(page, "Register");
  await expect(page.getByTestId("profile")).toContainText("NVIDIA H100 80GB");

  await page.getByLabel("Amount to stake (SOV)").fill("100");
  await page.getByRole("button", { name: "Stake", exact: true }).click();
  await expectConfirmed(page, "Stake");
  await expect(page.getByTestId("staked")).toHaveText("100 SOV");

  await page.getByLabel("Capacity (jobs)").fill("3");
  await page.getByRole("button", { name: "Place ask" }).click();
  await expectConfirmed(page, "Place ask");
  // One unit filled the buyer's bid at 0.02; two stay in the book, below the provider node's 0.05.
  await expect(page.getByTestId("my-asks")).toContainText("2/3");

  await page.getByLabel("Amount to unbond (SOV)").fill("10");
  await page.getByRole("button", { name: "Unbond", exact: true }).click();
  await expectConfirmed(page, "Request unbond");
  await expect(page.getByTestId("stake-info")).toContainText("withdrawable in 1h");
  await app.screenshot("provider");

  await app.goto("/");
  await expect(page.getByTestId("recent-matches")).toContainText("0.02 tUSD");
  await expect(page.getByTestId("best-ask")).toHaveText("0.02 tUSD");
  await expect(page.getByTestId("price-chart")).toBeVisible();
  await app.screenshot("market-after-trade");
});

test("the buyer follows the matched job", async ({ page, app }) => {
  // The job takes the id of the bid it filled: the buyer's drawn bid, filled by the browser's provider.
  const [jobId] = await jobsMatchedTo(app.state, accounts.provider);
  expect(jobId).toBeDefined();
  await app.useWallet(accounts.buyer);
  await app.goto(`/buy?order=${jobId}`);
  await app.connect();
  await page.getByRole("button", { name: `Follow job #${jobId}` }).click();
  const tracker = page.getByTestId("job-tracker");
  await expect(tracker).toContainText("Matched");
  await expect(tracker).toContainText("Proving");
  await app.screenshot("buy-job-matched");
});
