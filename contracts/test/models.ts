import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { getAddress, keccak256, toHex, zeroAddress, zeroHash } from "viem";
import { coreFixture } from "./fixtures/core.ts";

const { viem, networkHelpers } = await network.create();

const MNIST = keccak256(toHex("mnist-mlp-784-56-10@1"));
// The weights' multihash: sha2-256 (0x12), 32 bytes (0x20), the digest.
const MULTIHASH = `0x1220${"ab".repeat(32)}` as const;
const IO_SPEC = '{"input":{"shape":[784],"scale":0},"output":{"shape":[10],"packing":"int32x7"}}';

async function deployVerifier() {
  const verifier = await viem.deployContract("HashCommitVerifier");
  return { verifier: getAddress(verifier.address), keyHash: await verifier.read.verifyingKeyHash() };
}

describe("ModelRegistry", () => {
  it("registers a model unapproved, then approves and withdraws approval", async () => {
    const { modelRegistry: reg, deployer } = await networkHelpers.loadFixture(coreFixture);
    const account = deployer.account;
    const { verifier, keyHash } = await deployVerifier();
    assert.equal(await reg.read.isRegistered([MNIST]), false);
    assert.deepEqual(await reg.read.modelOf([MNIST]), {
      verifier: zeroAddress,
      minVramMb: 0,
      approved: false,
      vkeyHash: zeroHash,
      weightsMultihash: "0x",
      ioSpec: "",
    });

    await viem.assertions.emitWithArgs(
      reg.write.registerModel([MNIST, MULTIHASH, keyHash, verifier, IO_SPEC, 512], { account }),
      reg,
      "ModelRegistered",
      [MNIST, verifier, MULTIHASH, keyHash, IO_SPEC, 512],
    );
    assert.equal(await reg.read.isRegistered([MNIST]), true);
    assert.equal(await reg.read.isApproved([MNIST]), false);
    assert.deepEqual(await reg.read.modelOf([MNIST]), {
      verifier,
      minVramMb: 512,
      approved: false,
      vkeyHash: keyHash,
      weightsMultihash: MULTIHASH,
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
    const { verifier, keyHash } = await deployVerifier();
    await viem.assertions.revertWithCustomError(
      reg.write.registerModel([zeroHash, MULTIHASH, keyHash, verifier, IO_SPEC, 1], { account }),
      reg,
      "ZeroModelId",
    );
    await viem.assertions.revertWithCustomError(
      reg.write.registerModel([MNIST, MULTIHASH, keyHash, zeroAddress, IO_SPEC, 1], { account }),
      reg,
      "ZeroVerifier",
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.registerModel([MNIST, MULTIHASH, keyHash, verifier, "x".repeat(2049), 1], { account }),
      reg,
      "IoSpecTooLong",
      [2049n],
    );
    // The bounds themselves are accepted.
    await reg.write.registerModel([MNIST, MULTIHASH, keyHash, verifier, "x".repeat(2048), 0], { account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.registerModel([MNIST, MULTIHASH, keyHash, verifier, IO_SPEC, 1], { account }),
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

  // Attack: a free-form "CID" (a URL, a name, an empty string) names no content, so nobody could check the
  // weights a market sells. Only a multihash is accepted: one-byte code, one-byte length, exactly that digest.
  it("refuses weights that are not named by a multihash", async () => {
    const { modelRegistry: reg, deployer } = await networkHelpers.loadFixture(coreFixture);
    const account = deployer.account;
    const { verifier, keyHash } = await deployVerifier();
    const bad: `0x${string}`[] = [
      "0x",
      toHex("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"), // the CID's text, not its bytes
      `0x1220${"ab".repeat(31)}`, // digest one byte short
      `0x1220${"ab".repeat(33)}`, // one byte too many
      `0x1213${"ab".repeat(19)}`, // digest below 20 bytes
      `0x1241${"ab".repeat(65)}`, // digest above 64 bytes
      `0x9220${"ab".repeat(32)}`, // a multi-byte varint code
    ];
    for (const mh of bad) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        reg.write.registerModel([MNIST, mh, keyHash, verifier, IO_SPEC, 1], { account }),
        reg,
        "InvalidWeightsMultihash",
        [mh],
      );
    }
    // sha2-512 (0x13, 64 bytes) and a 20-byte digest are multihashes too.
    await reg.write.registerModel([MNIST, `0x1340${"cd".repeat(64)}`, keyHash, verifier, IO_SPEC, 1], { account });
    await reg.write.registerModel([keccak256(toHex("b")), `0x1114${"cd".repeat(20)}`, keyHash, verifier, IO_SPEC, 1], {
      account,
    });
  });

  // Attack: a proposal states the verifying key the voters checked (rebuilt from the weights) but registers a
  // verifier of another key (another circuit, other weights). The registry asks the verifier for its key hash.
  it("refuses a verifier whose key is not the one the registration names", async () => {
    const { modelRegistry: reg, deployer, wallets } = await networkHelpers.loadFixture(coreFixture);
    const account = deployer.account;
    const { verifier, keyHash } = await deployVerifier();
    const otherKey = keccak256(toHex("another circuit"));
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.registerModel([MNIST, MULTIHASH, otherKey, verifier, IO_SPEC, 1], { account }),
      reg,
      "VerifyingKeyMismatch",
      [otherKey, keyHash],
    );
    // An address without code (or a contract without the function) reports no key at all.
    const eoa = getAddress(wallets[7]!.account.address);
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.registerModel([MNIST, MULTIHASH, keyHash, eoa, IO_SPEC, 1], { account }),
      reg,
      "VerifyingKeyMismatch",
      [keyHash, zeroHash],
    );
    const token = getAddress((await viem.deployContract("TestStablecoin")).address);
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.registerModel([MNIST, MULTIHASH, keyHash, token, IO_SPEC, 1], { account }),
      reg,
      "VerifyingKeyMismatch",
      [keyHash, zeroHash],
    );
    // A zero key hash is never a key, even from a verifier that reports zero.
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.registerModel([MNIST, MULTIHASH, zeroHash, eoa, IO_SPEC, 1], { account }),
      reg,
      "VerifyingKeyMismatch",
      [zeroHash, zeroHash],
    );
  });

  it("privileged functions revert for a stranger", async () => {
    const { modelRegistry: reg, deployer, wallets } = await networkHelpers.loadFixture(coreFixture);
    const stranger = wallets[5]!.account;
    const { verifier, keyHash } = await deployVerifier();
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.registerModel([MNIST, MULTIHASH, keyHash, verifier, IO_SPEC, 1], { account: stranger }),
      reg,
      "AccessManagedUnauthorized",
      [stranger.address],
    );
    await reg.write.registerModel([MNIST, MULTIHASH, keyHash, verifier, IO_SPEC, 1], { account: deployer.account });
    await viem.assertions.revertWithCustomError(
      reg.write.setModelApproved([MNIST, true], { account: stranger }),
      reg,
      "AccessManagedUnauthorized",
    );
  });
});
