import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { coreFixture, usd } from "./fixtures/core.ts";

const { viem, networkHelpers } = await network.create();

describe("TestStablecoin", () => {
  it("is Test USD with 6 decimals", async () => {
    const { stablecoin } = await networkHelpers.loadFixture(coreFixture);
    assert.equal(await stablecoin.read.name(), "Test USD");
    assert.equal(await stablecoin.read.symbol(), "tUSD");
    assert.equal(await stablecoin.read.decimals(), 6);
    assert.equal(await stablecoin.read.FAUCET_AMOUNT(), usd("1000"));
    assert.equal(await stablecoin.read.FAUCET_COOLDOWN(), 3600n);
  });

  it("faucet mints 1,000 tUSD once per cooldown per address", async () => {
    const { stablecoin, wallets } = await networkHelpers.loadFixture(coreFixture);
    const user = wallets[9]!; // not funded by the fixture
    const other = wallets[10]!;
    assert.equal(await stablecoin.read.faucetAvailableAt([user.account.address]), 0n);

    await viem.assertions.emitWithArgs(stablecoin.write.faucet({ account: user.account }), stablecoin, "FaucetUsed", [
      user.account.address,
      usd("1000"),
    ]);
    const t0 = BigInt(await networkHelpers.time.latest());
    assert.equal(await stablecoin.read.balanceOf([user.account.address]), usd("1000"));
    assert.equal(await stablecoin.read.faucetAvailableAt([user.account.address]), t0 + 3600n);

    await viem.assertions.revertWithCustomErrorWithArgs(
      stablecoin.write.faucet({ account: user.account }),
      stablecoin,
      "FaucetCooldown",
      [user.account.address, t0 + 3600n],
    );
    // Another address is not rate-limited by the first one.
    await stablecoin.write.faucet({ account: other.account });
    assert.equal(await stablecoin.read.balanceOf([other.account.address]), usd("1000"));

    // One second before the cooldown ends it still reverts; at the end it mints again.
    await networkHelpers.time.setNextBlockTimestamp(t0 + 3599n);
    await viem.assertions.revertWithCustomError(
      stablecoin.write.faucet({ account: user.account }),
      stablecoin,
      "FaucetCooldown",
    );
    await networkHelpers.time.setNextBlockTimestamp(t0 + 3600n);
    await stablecoin.write.faucet({ account: user.account });
    assert.equal(await stablecoin.read.balanceOf([user.account.address]), usd("2000"));
  });

  it("supports EIP-2612 permit", async () => {
    const { stablecoin, wallets, publicClient } = await networkHelpers.loadFixture(coreFixture);
    const owner = wallets[1]!;
    const spender = wallets[2]!;
    const deadline = BigInt(await networkHelpers.time.latest()) + 600n;
    const signature = await owner.signTypedData({
      account: owner.account,
      domain: {
        name: "Test USD",
        version: "1",
        chainId: await publicClient.getChainId(),
        verifyingContract: stablecoin.address,
      },
      types: {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      },
      primaryType: "Permit",
      message: { owner: owner.account.address, spender: spender.account.address, value: usd("5"), nonce: 0n, deadline },
    });
    const r = `0x${signature.slice(2, 66)}` as const;
    const s = `0x${signature.slice(66, 130)}` as const;
    const v = Number.parseInt(signature.slice(130, 132), 16);
    await stablecoin.write.permit([owner.account.address, spender.account.address, usd("5"), deadline, v, r, s]);
    assert.equal(await stablecoin.read.allowance([owner.account.address, spender.account.address]), usd("5"));
  });
});
