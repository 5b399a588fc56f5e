// Every page without a wallet: read-only views work, nothing is fetched from outside hosts, phone width fits.
import { expect, test } from "./fixtures.ts";

const pages = [
  { route: "/", name: "market", heading: "Market" },
  { route: "/buy", name: "buy", heading: "Buy inference" },
  { route: "/provider", name: "provider", heading: "Provider" },
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
  // The market page shows the on-chain book: so far only the provider node's ask (global-setup), no bid.
  await app.goto("/");
  await expect(page.getByTestId("best-ask")).toHaveText("0.05 tUSD");
  await expect(page.getByTestId("best-bid")).toHaveText("none");
  await expect(page.getByTestId("depth-chart")).toBeVisible();
  // The models page reads the registry.
  await app.goto("/models");
  await expect(page.getByTestId("model").first()).toContainText("approved");
  // Without a wallet, the wallet menu says so instead of failing.
  await page.getByRole("button", { name: "Connect wallet" }).click();
  await expect(page.getByText("No browser wallet found")).toBeVisible();
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
