import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { parseSignature, zeroAddress } from "viem";
import { coreFixture, DEFAULT_CORE_PARAMS, sov } from "./fixtures/core.ts";

const { viem, networkHelpers } = await network.create();

describe("SovraToken", () => {
  it("mints the fixed supply to the recipient and has no owner or mint entry point", async () => {
    const { sovraToken, deployer, wallets } = await networkHelpers.loadFixture(coreFixture);
    const p = DEFAULT_CORE_PARAMS;
    assert.equal(await sovraToken.read.name(), "Sovra");
    assert.equal(await sovraToken.read.symbol(), "SOV");
    assert.equal(await sovraToken.read.decimals(), 18);
    assert.equal(await sovraToken.read.totalSupply(), p.tokenSupply);
    const distributed = p.tokenPerWallet * BigInt(p.fundedWallets);
    assert.equal(await sovraToken.read.balanceOf([deployer.account.address]), p.tokenSupply - distributed);
    assert.equal(await sovraToken.read.balanceOf([wallets[1]!.account.address]), p.tokenPerWallet);
    const names: string[] = sovraToken.abi.filter((x) => x.type === "function").map((x) => x.name);
    assert.ok(!names.includes("mint") && !names.includes("owner") && !names.includes("burn"));
  });

  it("rejects a zero recipient", async () => {
    const { sovraToken } = await networkHelpers.loadFixture(coreFixture);
    await viem.assertions.revertWithCustomError(
      viem.deployContract("SovraToken", [zeroAddress, 1n]),
      sovraToken,
      "SovraTokenZeroRecipient",
    );
  });

  it("counts votes only after delegation and tracks transfers", async () => {
    const { sovraToken, wallets, publicClient } = await networkHelpers.loadFixture(coreFixture);
    const alice = wallets[1]!;
    const bob = wallets[2]!;
    assert.equal(await sovraToken.read.getVotes([alice.account.address]), 0n);
    await viem.assertions.emitWithArgs(
      sovraToken.write.delegate([alice.account.address], { account: alice.account }),
      sovraToken,
      "DelegateChanged",
      [alice.account.address, zeroAddress, alice.account.address],
    );
    assert.equal(await sovraToken.read.getVotes([alice.account.address]), DEFAULT_CORE_PARAMS.tokenPerWallet);
    await sovraToken.write.transfer([bob.account.address, sov("400")], { account: alice.account });
    assert.equal(
      await sovraToken.read.getVotes([alice.account.address]),
      DEFAULT_CORE_PARAMS.tokenPerWallet - sov("400"),
    );
    const block = await publicClient.getBlockNumber();
    await networkHelpers.mine();
    assert.equal(
      await sovraToken.read.getPastVotes([alice.account.address, block]),
      DEFAULT_CORE_PARAMS.tokenPerWallet - sov("400"),
    );
    assert.equal(await sovraToken.read.clock(), Number(await publicClient.getBlockNumber()));
  });

  it("accepts an EIP-2612 permit and bumps the nonce", async () => {
    const { sovraToken, wallets, publicClient } = await networkHelpers.loadFixture(coreFixture);
    const owner = wallets[1]!;
    const spender = wallets[2]!;
    const chainId = await publicClient.getChainId();
    const deadline = BigInt(await networkHelpers.time.latest()) + 3600n;
    const value = sov("123");
    const signature = await owner.signTypedData({
      account: owner.account,
      domain: { name: "Sovra", version: "1", chainId, verifyingContract: sovraToken.address },
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
      message: { owner: owner.account.address, spender: spender.account.address, value, nonce: 0n, deadline },
    });
    const { v, r, s } = parseSignature(signature);
    await viem.assertions.emitWithArgs(
      sovraToken.write.permit([owner.account.address, spender.account.address, value, deadline, Number(v), r, s], {
        account: spender.account,
      }),
      sovraToken,
      "Approval",
      [owner.account.address, spender.account.address, value],
    );
    assert.equal(await sovraToken.read.nonces([owner.account.address]), 1n);
    assert.equal(await sovraToken.read.allowance([owner.account.address, spender.account.address]), value);
    // The same signature cannot be replayed.
    await viem.assertions.revertWithCustomError(
      sovraToken.write.permit([owner.account.address, spender.account.address, value, deadline, Number(v), r, s], {
        account: spender.account,
      }),
      sovraToken,
      "ERC2612InvalidSigner",
    );
  });
});
