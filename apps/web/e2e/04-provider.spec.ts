// Provider (account #4, in the browser; #1 is the provider node global-setup runs): a decoded custom error,
// register, stake, a gated market that refuses the ask until the provider is attested, an ask on the open market
// that fills the buyer's resting bid (left by 03-buyer).
import { createPublicClient, http } from "viem";
import { spotMarketAbi } from "@sovra/contracts";
import { attestLocalProvider } from "@sovra/deploy";
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
  await page.getByLabel("Measured throughput (operations per second)").fill("989000000000000");
  await page.getByLabel("Region").fill("eu-west");
  await page.getByLabel("Benchmark report hash (sha2-256)").fill(`0x${"ab".repeat(32)}`);
  await page.getByRole("button", { name: "Register" }).click();
  await expectConfirmed(page, "Register");
  await expect(page.getByTestId("profile")).toContainText("NVIDIA H100 80GB");
  await expect(page.getByTestId("profile")).toContainText("989 T ops/s");

  await page.getByLabel("Amount to stake (SOV)").fill("100");
  await page.getByRole("button", { name: "Stake", exact: true }).click();
  await expectConfirmed(page, "Stake");
  await expect(page.getByTestId("staked")).toHaveText("100 SOV");

  // A gated class (GDPR and SOC2) takes no ask from a provider that holds no valid attestation for its claims: the
  // form says which ones are missing and whom to ask instead of sending a doomed ask. The local deployment trusts a
  // development attester for every claim, so the class itself is listable (no "no trusted attester" warning).
  const gated = app.state.deployment.markets.find((market) => market.policyClass === 1);
  const open = app.state.deployment.markets[0];
  if (!gated || !open || open.policyClass !== 0)
    throw new Error("the deployment lacks an open market first and a class 1 market");
  const asks = page.getByRole("region", { name: "Asks" });
  const placeAsk = page.getByRole("button", { name: "Place ask" });
  await asks.getByLabel("Market", { exact: true }).selectOption(String(gated.marketId));
  await expect(asks.getByTestId("not-attested")).toHaveText(
    "You hold no valid attestation for GDPR, SOC2: ask a trusted attester to attest your provider before you list on this market.",
  );
  await expect(asks.getByTestId("no-attester")).toHaveCount(0);
  await expect(placeAsk).toBeDisabled();
  // The form follows the registry: attested for GDPR only, SOC2 is still missing; with both, the ask may go.
  await attestLocalProvider({
    rpcUrl: app.state.rpcUrl,
    deployment: app.state.deployment,
    provider: accounts.provider,
    claims: ["GDPR"],
    validFor: 86_400n,
  });
  await expect(asks.getByTestId("not-attested")).toHaveText(
    "You hold no valid attestation for SOC2: ask a trusted attester to attest your provider before you list on this market.",
  );
  await expect(placeAsk).toBeDisabled();
  await attestLocalProvider({
    rpcUrl: app.state.rpcUrl,
    deployment: app.state.deployment,
    provider: accounts.provider,
    claims: ["SOC2"],
    validFor: 86_400n,
  });
  await expect(asks.getByTestId("not-attested")).toHaveCount(0);
  await expect(placeAsk).toBeEnabled();
  await asks.getByLabel("Market", { exact: true }).selectOption(String(open.marketId));
  await expect(placeAsk).toBeEnabled();

  await page.getByLabel("Capacity (jobs)").fill("3");
  await placeAsk.click();
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
  const [filled] = await jobsMatchedTo(app.state, accounts.provider);
  const row = page.getByTestId(`match-${filled}`);
  await expect(row.getByTestId("match-status")).toHaveText("waiting for the proof");
  await expect(row.getByTestId("settlement-link")).toHaveCount(0);
  // The price history: one trade at 0.02 on a price axis in tUSD and a UTC clock axis.
  const chart = page.getByTestId("price-chart");
  await expect(chart.getByTestId("y-tick").filter({ hasText: /^0\.02$/ })).toHaveCount(1);
  await expect(chart.getByTestId("x-tick").first()).toHaveText(/^\d{2}:\d{2}(:\d{2})?$/);
  await expect(chart).toContainText("tUSD per job");

  // The verified purchase of 03 on the mlp market: its row links the settlement and, apart, the bid.
  const mlp = app.state.deployment.markets.find((market) => market.model === "mlp" && market.policyClass === 0);
  if (!mlp) throw new Error("no open mlp market");
  await page.getByLabel("Market", { exact: true }).selectOption(String(mlp.marketId));
  const [settledJob] = await jobsMatchedTo(app.state, accounts.node);
  const settledRow = page.getByTestId(`match-${settledJob}`);
  await expect(settledRow.getByTestId("match-status")).toHaveText("settled (proof verified)");
  const client = createPublicClient({ transport: http(app.state.rpcUrl) });
  const [settled] = await client.getContractEvents({
    address: app.state.deployment.contracts.spotMarket,
    abi: spotMarketAbi,
    eventName: "JobSettled",
    args: { jobId: settledJob },
    fromBlock: 0n,
  });
  await expect(settledRow.getByTestId("settlement-link")).toHaveAttribute("href", `/tx/${settled?.transactionHash}`);
  await expect(settledRow.getByTestId("bid-link")).not.toHaveAttribute("href", `/tx/${settled?.transactionHash}`);
  await app.goto("/");
  await expect(page.getByTestId("price-chart")).toBeVisible();
  await expect(page.getByTestId("depth-chart")).toBeVisible();
  await expect(page.getByTestId(`match-${filled}`).getByRole("cell").nth(4)).not.toHaveText("…");
  await app.screenshot("market-after-trade");
});

test("the buyer follows the matched job", async ({ page, app }) => {
  // The job takes the id of the bid it filled: the buyer's drawn bid, filled by the browser's provider.
  const [jobId] = await jobsMatchedTo(app.state, accounts.provider);
  // This flow continues the job an earlier one made: say which, if it is missing.
  if (jobId === undefined)
    throw new Error("no job matched to the browser's provider: the test above did not place its ask");
  await app.useWallet(accounts.buyer);
  await app.goto(`/buy?order=${jobId}`);
  await app.connect();
  await page.getByRole("button", { name: `Follow job #${jobId}` }).click();
  const tracker = page.getByTestId("job-tracker");
  await expect(tracker).toContainText("Matched");
  await expect(tracker).toContainText("Proving");
  await app.screenshot("buy-job-matched");
});
