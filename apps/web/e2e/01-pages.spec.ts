// Every page without a wallet: read-only views work, nothing is fetched from outside hosts, phone width fits;
// what a market sells, what its policy class requires, the models' prices and the provider directory are readable
// by anyone.
import { accounts, nodeStakeSov } from "./chain.ts";
import { expect, test } from "./fixtures.ts";

const pages = [
  { route: "/", name: "market", heading: "Market" },
  { route: "/buy", name: "buy", heading: "Buy inference" },
  { route: "/orders", name: "orders", heading: "My orders" },
  { route: "/provider", name: "provider", heading: "Provider" },
  { route: "/disputes", name: "disputes", heading: "Disputes" },
  { route: "/governance", name: "governance", heading: "Governance" },
  { route: "/models", name: "models", heading: "Models" },
  { route: "/faucet", name: "faucet", heading: "Faucet" },
];

test("read-only pages work without a wallet and only talk to the dApp", async ({ page, app }) => {
  const hosts = new Set<string>();
  page.on("request", (request) => hosts.add(new URL(request.url()).host));
  for (const { route, name, heading } of pages) {
    await app.goto(route);
    await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
    await expect(page.getByText("No Sovra deployment")).toHaveCount(0);
    await page.waitForLoadState("networkidle");
    await app.screenshot(`readonly-${name}`);
  }
  expect([...hosts]).toEqual([new URL(app.state.baseUrl).host]);
  // Without a wallet, the wallet menu says so instead of failing.
  await page.getByRole("button", { name: "Connect wallet" }).click();
  await expect(page.getByText("No browser wallet found")).toBeVisible();
});

test("the market page says what it sells, who may sell, and draws the book on price axes", async ({ page, app }) => {
  const { deployment } = app.state;
  await app.goto("/");
  // The on-chain book: so far only the provider node's ask (global-setup), no bid.
  await expect(page.getByTestId("best-ask")).toHaveText("0.05 tUSD");
  await expect(page.getByTestId("best-bid")).toHaveText("none");
  const about = page.getByTestId("market-about");
  await expect(about.getByTestId("model-task")).toHaveText("Recognises a handwritten digit (0-9).");
  await expect(about).toContainText("28×28 grayscale image");
  await expect(about.getByTestId("policy-class")).toHaveText(
    "Policy class 0 is open: any registered provider with stake may sell here.",
  );
  await expect(about.getByTestId("no-attester")).toHaveCount(0);
  // Axes: the ask's price among the price ticks (in tokens, whole), a job count axis from 0.
  const depth = page.getByTestId("depth-chart");
  await expect(depth.getByTestId("x-tick").filter({ hasText: /^0\.05$/ })).toHaveCount(1);
  await expect(depth.getByTestId("y-tick").first()).toHaveText("0");
  await expect(depth).toContainText("price per job (tUSD)");

  // A gated class: the claims it requires, in words. The local deployment trusts a development attester for every
  // claim, so providers can become eligible (no "no trusted attester" warning), but no provider is attested yet
  // (global-setup's node is not), so nobody sells there.
  const gated = deployment.markets.find((market) => market.policyClass !== 0);
  if (!gated) throw new Error("the deployment has no gated market");
  await page.getByLabel("Market", { exact: true }).selectOption(String(gated.marketId));
  await expect(about.getByTestId("policy-class")).toHaveText(
    `Policy class ${gated.policyClass}: a provider must hold a valid attestation for GDPR and SOC2 from an attester the DAO trusts.`,
  );
  await expect(about.getByTestId("no-attester")).toHaveCount(0);
  await expect(
    page.getByRole("option", { name: `${gated.model} · policy class ${gated.policyClass}`, exact: true }),
  ).toHaveCount(1);
  await expect(page.getByRole("option", { name: "no trusted attester yet" })).toHaveCount(0);
  await expect(page.getByTestId("best-ask")).toHaveText("none");
  await app.screenshot("market-gated-class");
});

test("the models page says what each model does and shows its markets' prices", async ({ page, app }) => {
  const { deployment } = app.state;
  await app.goto("/models");
  const first = page.getByTestId("model").first();
  await expect(first).toContainText("approved");
  await expect(page.getByTestId("model-task").first()).toHaveText("Recognises a handwritten digit (0-9).");
  await expect(page.getByTestId("min-vram").first()).toHaveText("no minimum");
  await expect(page.getByText("0 MB", { exact: true })).toHaveCount(0);
  // The classes' requirements are read (the same read decides the warning below): class 1 needs GDPR and SOC2.
  await expect(
    page
      .getByTestId("policy-class")
      .filter({ hasText: "Policy class 1: a provider must hold a valid attestation for GDPR and SOC2" })
      .first(),
  ).toBeVisible();
  for (const market of deployment.markets) {
    const row = page.getByTestId(`market-row-${market.marketId}`);
    // The provider node asks 0.05 on every open market (global-setup); it holds no attestation, so gated markets
    // have no ask. Every class has a trusted attester on the local network: no row warns that nobody can list.
    await expect(row.getByTestId("market-best-ask")).toHaveText(market.policyClass === 0 ? "0.05 tUSD" : "none");
    await expect(row.getByTestId("market-best-bid")).toHaveText("none");
    await expect(row.getByRole("cell").first()).toHaveText(
      market.policyClass === 0 ? "0 (open)" : String(market.policyClass),
    );
    await expect(row.getByTestId("no-attester")).toHaveCount(0);
  }
  await app.screenshot("models");
});

test("the provider directory lists every provider without a wallet", async ({ page, app }) => {
  await app.goto("/provider");
  await expect(page.getByText("Connect a wallet to manage your provider")).toBeVisible();
  const node = page.getByRole("article", { name: `Provider ${accounts.node}` });
  const stake = nodeStakeSov(app.state.deployment.models.length).toLocaleString("en-US");
  await expect(node.getByTestId("provider-stake")).toContainText(`${stake} SOV`);
  await expect(node.getByTestId("provider-jobs")).toHaveText(
    "0 settled, 0 expired (slashed), 0 declined, 0 voided, 0 open",
  );
  // One ask of 100 jobs at 0.05 on every open market (global-setup).
  const openMarkets = app.state.deployment.markets.filter((market) => market.policyClass === 0).length;
  await expect(
    node
      .getByTestId("provider-asks")
      .getByRole("listitem")
      .filter({ hasText: "0.05 tUSD per job, 100 of 100 jobs left" }),
  ).toHaveCount(openMarkets);
  await expect(node.getByTestId("provider-gpu")).not.toHaveText("…");
  await app.screenshot("provider-directory-start");
});

test("the faucet page tells how to connect a wallet to the local network", async ({ page, app }) => {
  await app.goto("/faucet");
  const help = page.getByRole("region", { name: "Local network: connect a wallet" });
  await expect(help).toContainText("private keys npm start printed");
  await expect(help.getByTestId("wallet-rpc-url")).toHaveText(`${app.state.baseUrl}/api/rpc`);
  const table = help.getByTestId("dev-accounts");
  await expect(table.getByRole("row")).toHaveCount(11);
  await expect(table.getByRole("row").filter({ hasText: accounts.deployer })).toContainText("deployer");
  // Balances are read from the chain: the deployer was funded by global-setup, the buyer (#5) was not.
  await expect(table.getByRole("row").filter({ hasText: accounts.deployer })).toContainText("1,000 tUSD");
  await expect(table.getByRole("row").filter({ hasText: accounts.buyer })).toContainText("0 tUSD");
  await app.screenshot("faucet-local-network");
});

test("every page fits a phone screen", async ({ page, app }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const { route, name } of pages) {
    await app.goto(route);
    await page.waitForLoadState("networkidle");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${route} scrolls sideways`).toBeLessThanOrEqual(0);
    await app.screenshot(`phone-${name}`);
  }
});
