// Governance: propose -> vote -> (blocks pass) -> queue -> (time passes) -> execute -> new parameter shown.
import { accounts, increaseTime, mine } from "./chain.ts";
import { expect, expectConfirmed, test } from "./fixtures.ts";

test("a parameter change goes through the DAO and the timelock", async ({ page, app }) => {
  const { rpcUrl } = app.state;
  await app.useWallet(accounts.deployer);
  await app.goto("/governance");
  await app.connect();
  await expect(page.getByTestId("param-unbonding-delay")).toHaveText("1h");

  const description = `Unbonding delay to 2 hours (${Date.now()})`;
  await page.getByLabel("Change", { exact: true }).selectOption("unbonding");
  await page.getByLabel("New unbonding delay (hours)").fill("2");
  await page.getByLabel("Description", { exact: true }).fill(description);
  await page.getByRole("button", { name: "Propose" }).click();
  await expectConfirmed(page, "Propose");
  const proposal = page.getByRole("article", { name: `Proposal ${description}` });
  await expect(proposal).toHaveAttribute("data-state", "Pending");

  await mine(rpcUrl, 2);
  await expect(proposal).toHaveAttribute("data-state", "Active");
  await proposal.getByRole("button", { name: "Vote for" }).click();
  await expectConfirmed(page, "Vote for");
  await expect(proposal).toContainText("You voted.");

  await mine(rpcUrl, 51);
  await expect(proposal).toHaveAttribute("data-state", "Succeeded");
  await proposal.getByRole("button", { name: "Queue" }).click();
  await expectConfirmed(page, "Queue");
  await expect(proposal).toHaveAttribute("data-state", "Queued");
  await expect(proposal.getByTestId("eta")).toContainText("Executable in");
  await expect(proposal.getByRole("button", { name: "Execute" })).toBeDisabled();
  await app.screenshot("governance-queued");

  await increaseTime(rpcUrl, 3_601);
  await expect(proposal.getByRole("button", { name: "Execute" })).toBeEnabled();
  await proposal.getByRole("button", { name: "Execute" }).click();
  await expectConfirmed(page, "Execute");
  await expect(proposal).toHaveAttribute("data-state", "Executed");
  await expect(page.getByTestId("param-unbonding-delay")).toHaveText("2h");
  await app.screenshot("governance-executed");
});
