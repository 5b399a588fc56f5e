import { expect, test as base, type Page } from "@playwright/test";
import path from "node:path";
import { readState, screenshotsDir } from "./chain.ts";
import { installWallet } from "./wallet.ts";

export type App = {
  state: ReturnType<typeof readState>;
  goto(route: string): Promise<void>;
  /** Installs the test wallet for `account` (before any navigation). */
  useWallet(account: `0x${string}`, options?: { startChainId?: number }): Promise<void>;
  /** Opens the wallet menu and connects the announced test wallet by its name. */
  connect(): Promise<void>;
  screenshot(name: string): Promise<void>;
};

export const test = base.extend<{ app: App }>({
  app: async ({ page }, use) => {
    const state = readState();
    const app: App = {
      state,
      async goto(route) {
        await page.goto(`${state.baseUrl}${route}`);
        await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      },
      async useWallet(account, options = {}) {
        await installWallet(page, { rpcUrl: state.rpcUrl, account, ...options });
      },
      async connect() {
        await page.getByRole("button", { name: "Connect wallet" }).click();
        await page.getByRole("menuitem", { name: "Sovra Test Wallet" }).click();
        await expect(page.getByTestId("connected-address")).toBeVisible();
      },
      async screenshot(name) {
        await page.screenshot({ path: path.join(screenshotsDir, `${name}.png`), fullPage: true });
      },
    };
    await use(app);
  },
});

export { expect };

/** Waits for the transaction status line of `label` to say confirmed. */
export async function expectConfirmed(page: Page, label: string): Promise<void> {
  await expect(page.getByRole("status").filter({ hasText: `${label}: confirmed` })).toBeVisible({ timeout: 30_000 });
}

/** Draws a rough "7" on the digit canvas with the mouse. */
export async function drawDigit(page: Page): Promise<void> {
  const canvas = page.getByTestId("digit-canvas");
  const box = await canvas.boundingBox();
  if (!box) throw new Error("no canvas");
  const at = (x: number, y: number) => [box.x + box.width * x, box.y + box.height * y] as const;
  await page.mouse.move(...at(0.25, 0.2));
  await page.mouse.down();
  for (const [x, y] of [
    [0.5, 0.2],
    [0.75, 0.2],
    [0.6, 0.5],
    [0.45, 0.8],
  ] as const) {
    await page.mouse.move(...at(x, y), { steps: 8 });
  }
  await page.mouse.up();
}
