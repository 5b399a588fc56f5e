import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { type Address, getAddress, zeroAddress } from "viem";
import type { NetworkConnection } from "hardhat/types/network";
import { type CoreDeployment, coreFixture, deployCore, grantMarketRole, sov } from "./fixtures/core.ts";

const { viem, networkHelpers } = await network.create();

const profile = {
  gpuModel: "NVIDIA H100 80GB",
  vramMb: 81_559,
  throughputMilliOpsPerSec: 123_456_789n,
  region: "eu-west",
  benchmarkReport: `0x${"ab".repeat(32)}` as const,
};

/** Core + a provider (wallet 1) with `staked` SOV and a stand-in market (wallet 6) holding MARKET_ROLE. */
type Staked = CoreDeployment & { provider: CoreDeployment["deployer"]; market: CoreDeployment["deployer"] };
async function stakedFixture(connection: NetworkConnection): Promise<Staked> {
  const core = await deployCore(connection.viem);
  const provider = core.wallets[1]!;
  const market = core.wallets[6]!;
  await grantMarketRole(core, market.account.address);
  await core.sovraToken.write.approve([core.providerRegistry.address, sov("1000")], { account: provider.account });
  await core.providerRegistry.write.stake([sov("1000")], { account: provider.account });
  return { ...core, provider, market };
}

async function stakeInfo(core: CoreDeployment, who: Address) {
  return core.providerRegistry.read.stakeInfoOf([who]);
}

describe("ProviderRegistry: construction", () => {
  it("stores token and delay, rejects a zero token and out-of-bounds delays", async () => {
    const { providerRegistry, accessManager, sovraToken } = await networkHelpers.loadFixture(coreFixture);
    assert.equal((await providerRegistry.read.stakingToken()).toLowerCase(), sovraToken.address.toLowerCase());
    assert.equal(await providerRegistry.read.unbondingDelay(), 3600n);
    assert.equal((await providerRegistry.read.authority()).toLowerCase(), accessManager.address.toLowerCase());
    await viem.assertions.revertWithCustomError(
      viem.deployContract("ProviderRegistry", [accessManager.address, zeroAddress, 3600n]),
      providerRegistry,
      "ZeroStakingToken",
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      viem.deployContract("ProviderRegistry", [accessManager.address, sovraToken.address, 3599n]),
      providerRegistry,
      "UnbondingDelayOutOfBounds",
      [3599n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      viem.deployContract("ProviderRegistry", [accessManager.address, sovraToken.address, 60n * 86400n + 1n]),
      providerRegistry,
      "UnbondingDelayOutOfBounds",
      [60n * 86400n + 1n],
    );
  });
});

describe("ProviderRegistry: profiles", () => {
  it("registers, then updates, a profile", async () => {
    const { providerRegistry, wallets } = await networkHelpers.loadFixture(coreFixture);
    const p = wallets[1]!;
    assert.equal(await providerRegistry.read.isRegistered([p.account.address]), false);
    assert.equal(await providerRegistry.read.vramOf([p.account.address]), 0);
    await viem.assertions.emitWithArgs(
      providerRegistry.write.register([profile], { account: p.account }),
      providerRegistry,
      "ProviderRegistered",
      [p.account.address, profile],
    );
    assert.equal(await providerRegistry.read.isRegistered([p.account.address]), true);
    assert.equal(await providerRegistry.read.vramOf([p.account.address]), profile.vramMb);
    assert.deepEqual(await providerRegistry.read.profileOf([p.account.address]), profile);

    const updated = { ...profile, gpuModel: "RTX 4090", vramMb: 24_564, region: "" };
    await viem.assertions.emitWithArgs(
      providerRegistry.write.register([updated], { account: p.account }),
      providerRegistry,
      "ProviderProfileUpdated",
      [p.account.address, updated],
    );
    assert.deepEqual(await providerRegistry.read.profileOf([p.account.address]), updated);
  });

  it("validates the profile", async () => {
    const { providerRegistry, wallets } = await networkHelpers.loadFixture(coreFixture);
    const account = wallets[1]!.account;
    await viem.assertions.revertWithCustomError(
      providerRegistry.write.register([{ ...profile, vramMb: 0 }], { account }),
      providerRegistry,
      "ZeroVram",
    );
    await viem.assertions.revertWithCustomError(
      providerRegistry.write.register([{ ...profile, gpuModel: "" }], { account }),
      providerRegistry,
      "EmptyGpuModel",
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      providerRegistry.write.register([{ ...profile, gpuModel: "g".repeat(65) }], { account }),
      providerRegistry,
      "GpuModelTooLong",
      [65n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      providerRegistry.write.register([{ ...profile, region: "r".repeat(33) }], { account }),
      providerRegistry,
      "RegionTooLong",
      [33n],
    );
    // The bounds themselves are accepted.
    await providerRegistry.write.register([{ ...profile, gpuModel: "g".repeat(64), region: "r".repeat(32) }], {
      account,
    });
    assert.equal(await providerRegistry.read.isRegistered([account.address]), true);
  });
});

describe("ProviderRegistry: stake and unbond", () => {
  it("pulls stake with SafeERC20 and books it", async () => {
    const { providerRegistry, sovraToken, wallets } = await networkHelpers.loadFixture(coreFixture);
    const p = wallets[2]!;
    await viem.assertions.revertWithCustomError(
      providerRegistry.write.stake([0n], { account: p.account }),
      providerRegistry,
      "ZeroAmount",
    );
    // Without an allowance the token's own error surfaces.
    await viem.assertions.revertWithCustomError(
      providerRegistry.write.stake([sov("1")], { account: p.account }),
      sovraToken,
      "ERC20InsufficientAllowance",
    );
    await sovraToken.write.approve([providerRegistry.address, sov("300")], { account: p.account });
    await viem.assertions.emitWithArgs(
      providerRegistry.write.stake([sov("100")], { account: p.account }),
      providerRegistry,
      "Staked",
      [p.account.address, sov("100"), sov("100")],
    );
    await viem.assertions.emitWithArgs(
      providerRegistry.write.stake([sov("200")], { account: p.account }),
      providerRegistry,
      "Staked",
      [p.account.address, sov("200"), sov("300")],
    );
    assert.equal(await sovraToken.read.balanceOf([providerRegistry.address]), sov("300"));
    assert.equal(await providerRegistry.read.freeStakeOf([p.account.address]), sov("300"));
  });

  it("unbonds only free stake, restarts the timer on each request and pays out after the delay", async () => {
    const core = await networkHelpers.loadFixture(stakedFixture);
    const { providerRegistry, sovraToken, provider, market } = core;
    const who = provider.account.address;
    await providerRegistry.write.lockCollateral([who, sov("600")], { account: market.account });

    await viem.assertions.revertWithCustomError(
      providerRegistry.write.requestUnbond([0n], { account: provider.account }),
      providerRegistry,
      "ZeroAmount",
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      providerRegistry.write.requestUnbond([sov("401")], { account: provider.account }),
      providerRegistry,
      "InsufficientFreeStake",
      [who, sov("400"), sov("401")],
    );
    await viem.assertions.revertWithCustomError(
      providerRegistry.write.withdrawUnbonded({ account: provider.account }),
      providerRegistry,
      "NothingUnbonding",
    );

    const now = BigInt(await networkHelpers.time.latest());
    await networkHelpers.time.setNextBlockTimestamp(now + 10n);
    await viem.assertions.emitWithArgs(
      providerRegistry.write.requestUnbond([sov("100")], { account: provider.account }),
      providerRegistry,
      "UnbondRequested",
      [who, sov("100"), sov("100"), now + 10n + 3600n],
    );
    let info = await stakeInfo(core, who);
    assert.deepEqual(info, {
      staked: sov("900"),
      locked: sov("600"),
      unbonding: sov("100"),
      unbondingReadyAt: now + 3610n,
    });
    assert.equal(await providerRegistry.read.freeStakeOf([who]), sov("300"));

    // A second request adds to the pending amount and restarts the timer for all of it.
    await networkHelpers.time.setNextBlockTimestamp(now + 1000n);
    await viem.assertions.emitWithArgs(
      providerRegistry.write.requestUnbond([sov("300")], { account: provider.account }),
      providerRegistry,
      "UnbondRequested",
      [who, sov("300"), sov("400"), now + 1000n + 3600n],
    );
    const readyAt = now + 4600n;
    await networkHelpers.time.setNextBlockTimestamp(now + 3610n); // the first request's ready time no longer counts
    await viem.assertions.revertWithCustomErrorWithArgs(
      providerRegistry.write.withdrawUnbonded({ account: provider.account }),
      providerRegistry,
      "UnbondingNotReady",
      [readyAt],
    );
    await networkHelpers.time.setNextBlockTimestamp(readyAt);
    const before = await sovraToken.read.balanceOf([who]);
    await viem.assertions.emitWithArgs(
      providerRegistry.write.withdrawUnbonded({ account: provider.account }),
      providerRegistry,
      "UnbondWithdrawn",
      [who, sov("400")],
    );
    assert.equal(await sovraToken.read.balanceOf([who]), before + sov("400"));
    info = await stakeInfo(core, who);
    assert.deepEqual(info, { staked: sov("600"), locked: sov("600"), unbonding: 0n, unbondingReadyAt: 0n });
    assert.equal(await sovraToken.read.balanceOf([providerRegistry.address]), sov("600"));
  });
});

describe("ProviderRegistry: market operations", () => {
  it("only the market role may lock, unlock and slash", async () => {
    const { providerRegistry, provider, wallets } = await networkHelpers.loadFixture(stakedFixture);
    const stranger = wallets[7]!;
    const who = provider.account.address;
    await viem.assertions.revertWithCustomErrorWithArgs(
      providerRegistry.write.lockCollateral([who, 1n], { account: stranger.account }),
      providerRegistry,
      "AccessManagedUnauthorized",
      [stranger.account.address],
    );
    await viem.assertions.revertWithCustomError(
      providerRegistry.write.unlockCollateral([who, 1n], { account: stranger.account }),
      providerRegistry,
      "AccessManagedUnauthorized",
    );
    await viem.assertions.revertWithCustomError(
      providerRegistry.write.slashCollateral([who, 1n, [stranger.account.address], [1n]], {
        account: stranger.account,
      }),
      providerRegistry,
      "AccessManagedUnauthorized",
    );
    // Even the provider itself cannot.
    await viem.assertions.revertWithCustomError(
      providerRegistry.write.lockCollateral([who, 1n], { account: provider.account }),
      providerRegistry,
      "AccessManagedUnauthorized",
    );
  });

  it("locks free stake and unlocks locked collateral", async () => {
    const core = await networkHelpers.loadFixture(stakedFixture);
    const { providerRegistry, provider, market, publicClient } = core;
    const who = provider.account.address;
    await viem.assertions.emitWithArgs(
      providerRegistry.write.lockCollateral([who, sov("700")], { account: market.account }),
      providerRegistry,
      "CollateralLocked",
      [who, sov("700"), sov("700")],
    );
    assert.equal(await providerRegistry.read.freeStakeOf([who]), sov("300"));
    await viem.assertions.revertWithCustomErrorWithArgs(
      providerRegistry.write.lockCollateral([who, sov("301")], { account: market.account }),
      providerRegistry,
      "InsufficientFreeStake",
      [who, sov("300"), sov("301")],
    );
    await viem.assertions.emitWithArgs(
      providerRegistry.write.unlockCollateral([who, sov("200")], { account: market.account }),
      providerRegistry,
      "CollateralUnlocked",
      [who, sov("200"), sov("500")],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      providerRegistry.write.unlockCollateral([who, sov("501")], { account: market.account }),
      providerRegistry,
      "InsufficientLockedCollateral",
      [who, sov("500"), sov("501")],
    );
    // Zero amounts are accepted as no-ops (no event), so a market with zero collateral per job works.
    for (const hash of [
      await providerRegistry.write.lockCollateral([who, 0n], { account: market.account }),
      await providerRegistry.write.unlockCollateral([who, 0n], { account: market.account }),
      await providerRegistry.write.slashCollateral([who, 0n, [], []], { account: market.account }),
    ]) {
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      assert.equal(receipt.status, "success");
      assert.equal(receipt.logs.length, 0);
    }
    assert.deepEqual(await stakeInfo(core, who), {
      staked: sov("1000"),
      locked: sov("500"),
      unbonding: 0n,
      unbondingReadyAt: 0n,
    });
  });

  it("slashes locked collateral and pays the recipients", async () => {
    const core = await networkHelpers.loadFixture(stakedFixture);
    const { providerRegistry, sovraToken, provider, market, wallets } = core;
    const who = provider.account.address;
    // Checksummed: addresses nested in event arrays are compared as strings.
    const buyer = getAddress(wallets[8]!.account.address);
    const caller = getAddress(wallets[9]!.account.address);
    const treasury = getAddress(wallets[10]!.account.address);
    await providerRegistry.write.lockCollateral([who, sov("500")], { account: market.account });

    await viem.assertions.emitWithArgs(
      providerRegistry.write.slashCollateral(
        [who, sov("100"), [buyer, caller, treasury, zeroAddress], [sov("70"), sov("5"), sov("25"), 0n]],
        {
          account: market.account,
        },
      ),
      providerRegistry,
      "CollateralSlashed",
      [who, sov("100"), [buyer, caller, treasury, zeroAddress], [sov("70"), sov("5"), sov("25"), 0n]],
    );
    assert.equal(await sovraToken.read.balanceOf([buyer]), sov("70"));
    assert.equal(await sovraToken.read.balanceOf([caller]), sov("5"));
    assert.equal(await sovraToken.read.balanceOf([treasury]), sov("25"));
    assert.deepEqual(await stakeInfo(core, who), {
      staked: sov("900"),
      locked: sov("400"),
      unbonding: 0n,
      unbondingReadyAt: 0n,
    });
    assert.equal(await sovraToken.read.balanceOf([providerRegistry.address]), sov("900"));
  });

  it("rejects malformed slashes", async () => {
    const { providerRegistry, provider, market, wallets } = await networkHelpers.loadFixture(stakedFixture);
    const who = provider.account.address;
    const r = wallets[8]!.account.address;
    const account = market.account;
    await providerRegistry.write.lockCollateral([who, sov("100")], { account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      providerRegistry.write.slashCollateral([who, 1n, [r, r], [1n]], { account }),
      providerRegistry,
      "SlashLengthMismatch",
      [2n, 1n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      providerRegistry.write.slashCollateral([who, 9n, Array(9).fill(r) as Address[], Array(9).fill(1n) as bigint[]], {
        account,
      }),
      providerRegistry,
      "TooManySlashRecipients",
      [9n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      providerRegistry.write.slashCollateral([who, 10n, [r, r], [4n, 5n]], { account }),
      providerRegistry,
      "SlashSumMismatch",
      [10n, 9n],
    );
    await viem.assertions.revertWithCustomError(
      providerRegistry.write.slashCollateral([who, 10n, [r, zeroAddress], [4n, 6n]], { account }),
      providerRegistry,
      "ZeroSlashRecipient",
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      providerRegistry.write.slashCollateral([who, sov("101"), [r], [sov("101")]], { account }),
      providerRegistry,
      "InsufficientLockedCollateral",
      [who, sov("100"), sov("101")],
    );
    // Eight recipients is the bound and is accepted.
    await providerRegistry.write.slashCollateral(
      [who, 8n, Array(8).fill(r) as Address[], Array(8).fill(1n) as bigint[]],
      { account },
    );
  });
});

describe("ProviderRegistry: governance", () => {
  it("admin sets the unbonding delay within bounds; strangers cannot", async () => {
    const { providerRegistry, deployer, wallets } = await networkHelpers.loadFixture(coreFixture);
    const stranger = wallets[3]!;
    await viem.assertions.emitWithArgs(
      providerRegistry.write.setUnbondingDelay([7200n], { account: deployer.account }),
      providerRegistry,
      "UnbondingDelayUpdated",
      [3600n, 7200n],
    );
    assert.equal(await providerRegistry.read.unbondingDelay(), 7200n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      providerRegistry.write.setUnbondingDelay([3599n], { account: deployer.account }),
      providerRegistry,
      "UnbondingDelayOutOfBounds",
      [3599n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      providerRegistry.write.setUnbondingDelay([60n * 86400n + 1n], { account: deployer.account }),
      providerRegistry,
      "UnbondingDelayOutOfBounds",
      [60n * 86400n + 1n],
    );
    await providerRegistry.write.setUnbondingDelay([60n * 86400n], { account: deployer.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      providerRegistry.write.setUnbondingDelay([3600n], { account: stranger.account }),
      providerRegistry,
      "AccessManagedUnauthorized",
      [stranger.account.address],
    );
  });

  it("the market role cannot set the delay", async () => {
    const { providerRegistry, market } = await networkHelpers.loadFixture(stakedFixture);
    await viem.assertions.revertWithCustomError(
      providerRegistry.write.setUnbondingDelay([7200n], { account: market.account }),
      providerRegistry,
      "AccessManagedUnauthorized",
    );
  });
});
