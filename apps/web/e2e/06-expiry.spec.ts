// Refund on expiry: the job the browser's provider filled in 04-provider (it runs no node) was never proven. Chain
// time is moved past its deadline here (05-governance may already have moved it further). The buyer expires it with
// the terms rebuilt from the events, then withdraws the refund.
import { createPublicClient, http } from "viem";
import { spotMarketAbi } from "@sovra/contracts";
import { accounts, chainNow, increaseTime, jobsMatchedTo } from "./chain.ts";
import { expect, expectConfirmed, test } from "./fixtures.ts";

test("the buyer expires an unproven job and withdraws the refund", async ({ page, app }) => {
  const [jobId] = await jobsMatchedTo(app.state, accounts.provider);
  // This flow continues the job an earlier one made: say which, if it is missing.
  if (jobId === undefined)
    throw new Error("no job matched to the browser's provider: 04-provider did not place its ask");
  // The job's deadline is its bid's (the job takes the bid's id).
  const client = createPublicClient({ transport: http(app.state.rpcUrl) });
  const [bid] = await client.getContractEvents({
    address: app.state.deployment.contracts.spotMarket,
    abi: spotMarketAbi,
    eventName: "BidPlaced",
    args: { orderId: jobId },
    fromBlock: 0n,
  });
  if (bid?.args.deadline === undefined) throw new Error(`no BidPlaced event for job ${jobId}`);
  const now = await chainNow(app.state.rpcUrl);
  if (now <= bid.args.deadline) await increaseTime(app.state.rpcUrl, Number(bid.args.deadline - now) + 1);
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
