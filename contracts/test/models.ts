import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { getAddress, keccak256, toHex, zeroAddress, zeroHash } from "viem";
import { coreFixture } from "./fixtures/core.ts";

const { viem, networkHelpers } = await network.create();

const MNIST = keccak256(toHex("mnist-mlp-784-56-10@1"));
// The registry stores the verifier address without calling it, so any nonzero address exercises it.
const VERIFIER = getAddress("0x00000000000000000000000000000000000000a1");
const CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
const IO_SPEC = '{"input":{"shape":[784],"scale":0},"output":{"shape":[10],"packing":"int32x7"}}';

describe("ModelRegistry", () => {
  it("registers a model unapproved, then approves and withdraws approval", async () => {
    const { modelRegistry: reg, deployer } = await networkHelpers.loadFixture(coreFixture);
    const account = deployer.account;
    assert.equal(await reg.read.isRegistered([MNIST]), false);
    assert.deepEqual(await reg.read.modelOf([MNIST]), {
      verifier: zeroAddress,
      minVramMb: 0,
      approved: false,
      weightsCid: "",
      ioSpec: "",
    });

    await viem.assertions.emitWithArgs(
      reg.write.registerModel([MNIST, CID, VERIFIER, IO_SPEC, 512], { account }),
      reg,
      "ModelRegistered",
      [MNIST, VERIFIER, CID, IO_SPEC, 512],
    );
    assert.equal(await reg.read.isRegistered([MNIST]), true);
    assert.equal(await reg.read.isApproved([MNIST]), false);
    assert.deepEqual(await reg.read.modelOf([MNIST]), {
      verifier: VERIFIER,
      minVramMb: 512,
      approved: false,
      weightsCid: CID,
      ioSpec: IO_SPEC,
    });

    await viem.assertions.emitWithArgs(
      reg.write.setModelApproved([MNIST, true], { account }),
      reg,
      "ModelApprovalSet",
      [MNIST, true],
    );
    assert.equal(await reg.read.isApproved([MNIST]), true);
    assert.equal((await reg.read.modelOf([MNIST])).approved, true);
    await viem.assertions.emitWithArgs(
      reg.write.setModelApproved([MNIST, false], { account }),
      reg,
      "ModelApprovalSet",
      [MNIST, false],
    );
    assert.equal(await reg.read.isApproved([MNIST]), false);
  });

  it("validates registrations and keeps ids unique", async () => {
    const { modelRegistry: reg, deployer } = await networkHelpers.loadFixture(coreFixture);
    const account = deployer.account;
    await viem.assertions.revertWithCustomError(
      reg.write.registerModel([zeroHash, CID, VERIFIER, IO_SPEC, 1], { account }),
      reg,
      "ZeroModelId",
    );
    await viem.assertions.revertWithCustomError(
      reg.write.registerModel([MNIST, CID, zeroAddress, IO_SPEC, 1], { account }),
      reg,
      "ZeroVerifier",
    );
    await viem.assertions.revertWithCustomError(
      reg.write.registerModel([MNIST, "", VERIFIER, IO_SPEC, 1], { account }),
      reg,
      "EmptyWeightsCid",
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.registerModel([MNIST, "b".repeat(129), VERIFIER, IO_SPEC, 1], { account }),
      reg,
      "WeightsCidTooLong",
      [129n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.registerModel([MNIST, CID, VERIFIER, "x".repeat(2049), 1], { account }),
      reg,
      "IoSpecTooLong",
      [2049n],
    );
    // The bounds themselves are accepted.
    await reg.write.registerModel([MNIST, "b".repeat(128), VERIFIER, "x".repeat(2048), 0], { account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.registerModel([MNIST, CID, VERIFIER, IO_SPEC, 1], { account }),
      reg,
      "ModelAlreadyRegistered",
      [MNIST],
    );
    const unknown = keccak256(toHex("unknown"));
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.setModelApproved([unknown, true], { account }),
      reg,
      "UnknownModel",
      [unknown],
    );
  });

  it("privileged functions revert for a stranger", async () => {
    const { modelRegistry: reg, deployer, wallets } = await networkHelpers.loadFixture(coreFixture);
    const stranger = wallets[5]!.account;
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.registerModel([MNIST, CID, VERIFIER, IO_SPEC, 1], { account: stranger }),
      reg,
      "AccessManagedUnauthorized",
      [stranger.address],
    );
    await reg.write.registerModel([MNIST, CID, VERIFIER, IO_SPEC, 1], { account: deployer.account });
    await viem.assertions.revertWithCustomError(
      reg.write.setModelApproved([MNIST, true], { account: stranger }),
      reg,
      "AccessManagedUnauthorized",
    );
  });
});
