// A purchase from the provider node global-setup runs, as the flows that buy a model's answer make it: the buyer
// funded from the faucet, a bid at the node's ask, the job followed to verified, the settlement checked on chain.
import type { Page } from "@playwright/test";
import { createPublicClient, createWalletClient, http, type Address } from "viem";
import { hardhat } from "viem/chains";
import { spotMarketAbi, testStablecoinAbi } from "@sovra/contracts";
import { unpackOutput } from "../../../circuits/src/io/pack.ts";
import { accounts, paymentBalance, rpc } from "./chain.ts";
import { expect, expectConfirmed, type App } from "./fixtures.ts";

/** The buyer's tUSD from the faucet (node side: these flows are about the purchase). */
export async function fund(app: App, buyer: Address): Promise<void> {
  const transport = http(app.state.rpcUrl);
  const wallet = createWalletClient({ transport, account: buyer });
  const hash = await wallet.writeContract({
    chain: hardhat,
    address: app.state.deployment.contracts.paymentToken,
    abi: testStablecoinAbi,
    functionName: "faucet",
  });
  await createPublicClient({ transport }).waitForTransactionReceipt({ hash });
}

/**
 * Bids at the node's ask for the input already entered, follows the job to verified, and checks the settlement:
 * JobSettled for this job, by the node, its link on the page, the proven output equal to `scores`, the buyer charged
 * the price shown. Returns the job tracker.
 */
export async function buyAtTheAsk(
  page: Page,
  app: App,
  buyer: Address,
  scores: readonly number[],
  laneBits: number,
  provingTimeoutMs = 90_000,
) {
  const { deployment, rpcUrl } = app.state;
  await expect(page.getByTestId("quote")).toHaveText("Best ask: 0.05 tUSD per job.");
  await page.getByLabel("Maximum price (tUSD)").fill("0.05");
  const cost = page.getByTestId("cost-summary");
  await expect(cost.getByTestId("cost-charged")).toHaveText("0.05 tUSD");
  await expect(cost.getByTestId("cost-explained")).toContainText("Your bid matches the best ask now");
  const before = await paymentBalance(app.state, buyer);

  // Mining is held while the job is open, so the proving state is seen however fast the node proves: its settle
  // transaction waits in the mempool until the test mines again.
  const tracker = page.getByTestId("job-tracker");
  const stepOf = (name: string) => tracker.getByRole("listitem").filter({ hasText: name });
  await rpc(rpcUrl, "evm_setAutomine", [false]);
  try {
    await page.getByRole("button", { name: "Place bid" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Bid (with permit): pending" })).toBeVisible();
    await rpc(rpcUrl, "evm_mine");
    await expectConfirmed(page, "Bid (with permit)");
    // The bid crossed the node's ask: the page follows the job at once.
    await expect(tracker).toHaveAttribute("data-job-state", "matched");
    await expect(stepOf("Proving")).toHaveAttribute("data-state", "active");
    await expect(tracker.getByTestId("job-output")).toHaveText("Output: —");
  } finally {
    await rpc(rpcUrl, "evm_setAutomine", [true]);
    await rpc(rpcUrl, "evm_mine");
  }
  // The node infers and proves; the market's verifier accepts the proof.
  await expect(tracker).toHaveAttribute("data-job-state", "settled", { timeout: provingTimeoutMs });
  await expect(stepOf("Proving")).toHaveAttribute("data-state", "done");
  await expect(stepOf("Verified on-chain")).toHaveAttribute("data-state", "done");

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
  await expect(stepOf("Verified on-chain").getByRole("link")).toHaveAttribute(
    "href",
    `/tx/${settled?.transactionHash}`,
  );
  // The proven output is the model's on exactly the integers the buyer's values quantize to.
  expect(unpackOutput(settled?.args.output ?? [], scores.length, laneBits)).toEqual(scores);
  // Charged the price shown; the provider got it less the 2.5% protocol fee.
  expect(before - (await paymentBalance(app.state, buyer))).toBe(50_000n);
  expect(settled?.args.providerAmount).toBe(48_750n);
  expect(settled?.args.fee).toBe(1_250n);
  return { tracker, jobId, signals: settled?.args.output ?? [] };
}
