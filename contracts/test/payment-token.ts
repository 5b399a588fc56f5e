// Finding 8 (fee-on-transfer payment token): the deploy's check refuses a token that does not move the exact amount.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { checkPaymentToken } from "../src/payment-token.ts";

describe("payment token check", async () => {
  const { viem } = await network.create();
  const client = await viem.getPublicClient();
  const [deployer, probe] = await viem.getWalletClients();
  assert.ok(deployer && probe);

  it("refuses a fee-on-transfer token, with the amounts in the reason", async () => {
    const token = await viem.deployContract("FeeOnTransferToken");
    await token.write.mint([deployer.account.address, 1_000n]);
    const result = await checkPaymentToken(client, deployer, token.address, probe.account.address, 100n);
    assert.equal(result.ok, false);
    assert.match(result.ok ? "" : result.reason, /moved 100 out and 99 in/);
  });

  it("accepts the plain test stablecoin, and says so when the deployer cannot pay for the probe", async () => {
    const token = await viem.deployContract("TestStablecoin");
    const unfunded = await checkPaymentToken(client, deployer, token.address, probe.account.address);
    assert.equal(unfunded.ok, false);
    assert.match(unfunded.ok ? "" : unfunded.reason, /holds 0 base units/);
    await token.write.faucet({ account: deployer.account });
    assert.deepEqual(await checkPaymentToken(client, deployer, token.address, probe.account.address), { ok: true });
  });
});
