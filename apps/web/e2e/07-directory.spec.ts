// The provider directory, read without a wallet after the earlier flows: the provider node (#1) settled the
// verified purchase of 03; the browser's provider (#4) let its job expire (06) and was slashed.
import { createPublicClient, formatUnits, http } from "viem";
import { spotMarketAbi } from "@sovra/contracts";
import { accounts } from "./chain.ts";
import { expect, test } from "./fixtures.ts";

test("the directory shows each provider's hardware, stake, asks and how its jobs ended", async ({ page, app }) => {
  const client = createPublicClient({ transport: http(app.state.rpcUrl) });
  const [expired] = await client.getContractEvents({
    address: app.state.deployment.contracts.spotMarket,
    abi: spotMarketAbi,
    eventName: "JobExpired",
    fromBlock: 0n,
  });
  if (!expired) throw new Error("06-expiry left no expired job");

  await app.goto("/provider");
  const node = page.getByRole("article", { name: `Provider ${accounts.node}` });
  await expect(node.getByTestId("provider-jobs")).toHaveText(
    "1 settled, 0 expired (slashed), 0 declined, 0 voided, 0 open",
  );
  await expect(node).toContainText("0.04875 tUSD after 0.00125 tUSD of fees");

  const browserProvider = page.getByRole("article", { name: `Provider ${accounts.provider}` });
  await expect(browserProvider.getByTestId("provider-gpu")).toHaveText("NVIDIA H100 80GB");
  await expect(browserProvider).toContainText("81,920 MB");
  await expect(browserProvider).toContainText("989 T ops/s");
  await expect(browserProvider.getByTestId("provider-jobs")).toHaveText(
    "0 settled, 1 expired (slashed), 0 declined, 0 voided, 0 open",
  );
  await expect(browserProvider.getByTestId("provider-slashed")).toHaveText(
    `${formatUnits(expired.args.slashed ?? 0n, 18)} SOV`,
  );
  // 04 asked 3 jobs at 0.02; one filled the buyer's resting bid.
  await expect(browserProvider.getByTestId("provider-asks")).toContainText("0.02 tUSD per job, 2 of 3 jobs left");
  await app.screenshot("provider-directory");
});
