import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { type Address, domainSeparator, getAddress, type Hex, keccak256, toHex, zeroAddress, zeroHash } from "viem";
import { type CoreDeployment, coreFixture } from "./fixtures/core.ts";

const { viem, networkHelpers } = await network.create();

const GDPR = keccak256(toHex("GDPR"));
const SOC2 = keccak256(toHex("SOC2"));
const TEE = keccak256(toHex("TEE"));
const DAY = 86_400n;

type Wallet = CoreDeployment["deployer"];

/** Trusts wallet 3 for GDPR and SOC2 and wallet 4 for TEE; defines class 1 = {GDPR, SOC2}; wallet 1 is the provider. */
async function configured(core: CoreDeployment) {
  const { attestationRegistry: reg, deployer, wallets } = core;
  const attester = wallets[3]!;
  const teeAttester = wallets[4]!;
  await reg.write.setAttesterTrusted([GDPR, attester.account.address, true], { account: deployer.account });
  await reg.write.setAttesterTrusted([SOC2, attester.account.address, true], { account: deployer.account });
  await reg.write.setAttesterTrusted([TEE, teeAttester.account.address, true], { account: deployer.account });
  await reg.write.setPolicyClass([1, [GDPR, SOC2]], { account: deployer.account });
  return { attester, teeAttester, provider: wallets[1]! };
}

async function signAttestation(
  core: CoreDeployment,
  signer: Wallet,
  message: { provider: Address; claim: Hex; expiresAt: bigint; attester: Address; nonce: bigint; deadline: bigint },
): Promise<Hex> {
  return signer.signTypedData({
    account: signer.account,
    domain: {
      name: "Sovra Attestations",
      version: "1",
      chainId: await core.publicClient.getChainId(),
      verifyingContract: core.attestationRegistry.address,
    },
    types: {
      Attest: [
        { name: "provider", type: "address" },
        { name: "claim", type: "bytes32" },
        { name: "expiresAt", type: "uint64" },
        { name: "attester", type: "address" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    primaryType: "Attest",
    message,
  });
}

describe("AttestationRegistry: governance", () => {
  it("sets attester trust with events and rejects zero values", async () => {
    const { attestationRegistry: reg, deployer, wallets } = await networkHelpers.loadFixture(coreFixture);
    const a = wallets[3]!.account.address;
    assert.equal(await reg.read.isTrustedAttester([GDPR, a]), false);
    await viem.assertions.emitWithArgs(
      reg.write.setAttesterTrusted([GDPR, a, true], { account: deployer.account }),
      reg,
      "AttesterTrustSet",
      [GDPR, a, true],
    );
    assert.equal(await reg.read.isTrustedAttester([GDPR, a]), true);
    await viem.assertions.emitWithArgs(
      reg.write.setAttesterTrusted([GDPR, a, false], { account: deployer.account }),
      reg,
      "AttesterTrustSet",
      [GDPR, a, false],
    );
    assert.equal(await reg.read.isTrustedAttester([GDPR, a]), false);
    await viem.assertions.revertWithCustomError(
      reg.write.setAttesterTrusted([zeroHash, a, true], { account: deployer.account }),
      reg,
      "ZeroClaim",
    );
    await viem.assertions.revertWithCustomError(
      reg.write.setAttesterTrusted([GDPR, zeroAddress, true], { account: deployer.account }),
      reg,
      "ZeroAddress",
    );
  });

  it("defines policy classes (bounded, distinct, nonzero claims); class 0 is fixed", async () => {
    const { attestationRegistry: reg, deployer, wallets } = await networkHelpers.loadFixture(coreFixture);
    const account = deployer.account;
    assert.equal(await reg.read.isPolicyClassDefined([0]), true);
    assert.deepEqual(await reg.read.claimsOf([0]), []);
    assert.equal(await reg.read.isPolicyClassDefined([7]), false);

    await viem.assertions.emitWithArgs(reg.write.setPolicyClass([7, [GDPR, TEE]], { account }), reg, "PolicyClassSet", [
      7,
      [GDPR, TEE],
    ]);
    assert.equal(await reg.read.isPolicyClassDefined([7]), true);
    assert.deepEqual(await reg.read.claimsOf([7]), [GDPR, TEE]);

    const eight = Array.from({ length: 8 }, (_, i) => keccak256(toHex(`claim-${i}`)));
    await reg.write.setPolicyClass([8, eight], { account });
    assert.deepEqual(await reg.read.claimsOf([8]), eight);
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.setPolicyClass([9, [...eight, TEE]], { account }),
      reg,
      "TooManyClaims",
      [9n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.setPolicyClass([9, [GDPR, TEE, GDPR]], { account }),
      reg,
      "DuplicateClaim",
      [GDPR],
    );
    await viem.assertions.revertWithCustomError(
      reg.write.setPolicyClass([9, [GDPR, zeroHash]], { account }),
      reg,
      "ZeroClaim",
    );
    // Redefinition replaces the set.
    await reg.write.setPolicyClass([7, [SOC2]], { account });
    assert.deepEqual(await reg.read.claimsOf([7]), [SOC2]);
    // Class 0 stays open for good (markets cache that), whatever set governance passes.
    await viem.assertions.revertWithCustomError(
      reg.write.setPolicyClass([0, [GDPR]], { account }),
      reg,
      "OpenClassImmutable",
    );
    await viem.assertions.revertWithCustomError(
      reg.write.setPolicyClass([0, []], { account }),
      reg,
      "OpenClassImmutable",
    );
    assert.deepEqual(await reg.read.claimsOf([0]), []);
    assert.equal(await reg.read.isEligible([wallets[1]!.account.address, 0]), true);
  });

  it("every privileged function reverts for a stranger", async () => {
    const core = await networkHelpers.loadFixture(coreFixture);
    const { attestationRegistry: reg, wallets } = core;
    const stranger = wallets[9]!;
    const account = stranger.account;
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.setAttesterTrusted([GDPR, account.address, true], { account }),
      reg,
      "AccessManagedUnauthorized",
      [account.address],
    );
    await viem.assertions.revertWithCustomError(
      reg.write.setPolicyClass([1, [GDPR]], { account }),
      reg,
      "AccessManagedUnauthorized",
    );
    await viem.assertions.revertWithCustomError(
      reg.write.revokeByGovernance([wallets[1]!.account.address, GDPR], { account }),
      reg,
      "AccessManagedUnauthorized",
    );
  });
});

describe("AttestationRegistry: attest and revoke", () => {
  it("a trusted attester attests; validity follows expiry and trust", async () => {
    const core = await networkHelpers.loadFixture(coreFixture);
    const { attestationRegistry: reg, deployer } = core;
    const { attester, provider } = await configured(core);
    const p = provider.account.address;
    const now = BigInt(await networkHelpers.time.latest());
    const expiresAt = now + 30n * DAY;

    assert.equal(await reg.read.hasValidAttestation([p, GDPR]), false);
    await viem.assertions.emitWithArgs(
      reg.write.attest([p, GDPR, expiresAt], { account: attester.account }),
      reg,
      "Attested",
      [p, GDPR, attester.account.address, expiresAt],
    );
    assert.equal(await reg.read.hasValidAttestation([p, GDPR]), true);
    assert.deepEqual(await reg.read.attestationOf([p, GDPR]), {
      attester: getAddress(attester.account.address),
      expiresAt,
    });

    // Distrusting the attester invalidates its attestations at once; trusting it again revives them.
    await reg.write.setAttesterTrusted([GDPR, attester.account.address, false], { account: deployer.account });
    assert.equal(await reg.read.hasValidAttestation([p, GDPR]), false);
    await reg.write.setAttesterTrusted([GDPR, attester.account.address, true], { account: deployer.account });
    assert.equal(await reg.read.hasValidAttestation([p, GDPR]), true);

    // Valid up to the second before expiry, invalid at it.
    await networkHelpers.time.increaseTo(expiresAt - 1n);
    assert.equal(await reg.read.hasValidAttestation([p, GDPR]), true);
    await networkHelpers.time.increaseTo(expiresAt);
    assert.equal(await reg.read.hasValidAttestation([p, GDPR]), false);
  });

  it("rejects untrusted attesters, zero providers and bad expiries", async () => {
    const core = await networkHelpers.loadFixture(coreFixture);
    const { attestationRegistry: reg, wallets } = core;
    const { attester, teeAttester, provider } = await configured(core);
    const p = provider.account.address;
    const now = BigInt(await networkHelpers.time.latest());
    // The TEE attester is not trusted for GDPR.
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.attest([p, GDPR, now + DAY], { account: teeAttester.account }),
      reg,
      "UntrustedAttester",
      [GDPR, teeAttester.account.address],
    );
    await viem.assertions.revertWithCustomError(
      reg.write.attest([p, GDPR, now + DAY], { account: wallets[9]!.account }),
      reg,
      "UntrustedAttester",
    );
    await viem.assertions.revertWithCustomError(
      reg.write.attest([zeroAddress, GDPR, now + DAY], { account: attester.account }),
      reg,
      "ZeroAddress",
    );
    await networkHelpers.time.setNextBlockTimestamp(now + 10n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.attest([p, GDPR, now + 10n], { account: attester.account }),
      reg,
      "ExpiryNotInFuture",
      [now + 10n],
    );
    await networkHelpers.time.setNextBlockTimestamp(now + 20n);
    const latest = now + 20n + 400n * DAY;
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.attest([p, GDPR, latest + 1n], { account: attester.account }),
      reg,
      "ExpiryTooFar",
      [latest + 1n, latest],
    );
    await networkHelpers.time.setNextBlockTimestamp(now + 30n);
    await reg.write.attest([p, GDPR, now + 30n + 400n * DAY], { account: attester.account });
    assert.equal(await reg.read.hasValidAttestation([p, GDPR]), true);
  });

  it("revoke: only by the issuer, or by governance", async () => {
    const core = await networkHelpers.loadFixture(coreFixture);
    const { attestationRegistry: reg, deployer } = core;
    const { attester, teeAttester, provider } = await configured(core);
    const p = provider.account.address;
    const expiresAt = BigInt(await networkHelpers.time.latest()) + DAY;
    await reg.write.attest([p, GDPR, expiresAt], { account: attester.account });
    await reg.write.attest([p, TEE, expiresAt], { account: teeAttester.account });

    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.revoke([p, GDPR], { account: teeAttester.account }),
      reg,
      "NotAttestationIssuer",
      [teeAttester.account.address, attester.account.address],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.revoke([p, SOC2], { account: attester.account }),
      reg,
      "NoAttestation",
      [p, SOC2],
    );
    await viem.assertions.emitWithArgs(
      reg.write.revoke([p, GDPR], { account: attester.account }),
      reg,
      "AttestationRevoked",
      [p, GDPR, attester.account.address, attester.account.address],
    );
    assert.equal(await reg.read.hasValidAttestation([p, GDPR]), false);
    assert.deepEqual(await reg.read.attestationOf([p, GDPR]), { attester: zeroAddress, expiresAt: 0n });

    await viem.assertions.emitWithArgs(
      reg.write.revokeByGovernance([p, TEE], { account: deployer.account }),
      reg,
      "AttestationRevoked",
      [p, TEE, teeAttester.account.address, deployer.account.address],
    );
    assert.equal(await reg.read.hasValidAttestation([p, TEE]), false);
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.revokeByGovernance([p, TEE], { account: deployer.account }),
      reg,
      "NoAttestation",
      [p, TEE],
    );
  });
});

describe("AttestationRegistry: attestBySig", () => {
  it("a relayer submits an attester's EIP-712 signature once", async () => {
    const core = await networkHelpers.loadFixture(coreFixture);
    const { attestationRegistry: reg, wallets } = core;
    const { attester, provider } = await configured(core);
    const relayer = wallets[9]!;
    const p = provider.account.address;
    const now = BigInt(await networkHelpers.time.latest());
    const message = {
      provider: p,
      claim: SOC2,
      expiresAt: now + DAY,
      attester: attester.account.address,
      nonce: 0n,
      deadline: now + 600n,
    };
    const signature = await signAttestation(core, attester, message);

    assert.equal(await reg.read.nonces([attester.account.address]), 0n);
    await viem.assertions.emitWithArgs(
      reg.write.attestBySig([p, SOC2, message.expiresAt, message.attester, message.deadline, signature], {
        account: relayer.account,
      }),
      reg,
      "Attested",
      [p, SOC2, attester.account.address, message.expiresAt],
    );
    assert.equal(await reg.read.hasValidAttestation([p, SOC2]), true);
    assert.equal(await reg.read.nonces([attester.account.address]), 1n);
    // Replaying the same signature fails: the nonce moved on.
    await viem.assertions.revertWithCustomError(
      reg.write.attestBySig([p, SOC2, message.expiresAt, message.attester, message.deadline, signature], {
        account: relayer.account,
      }),
      reg,
      "InvalidSignature",
    );
    // The domain separator is the one the signature used.
    assert.equal(
      await reg.read.DOMAIN_SEPARATOR(),
      domainSeparator({
        domain: {
          name: "Sovra Attestations",
          version: "1",
          chainId: await core.publicClient.getChainId(),
          verifyingContract: reg.address,
        },
      }),
    );
    assert.equal(
      await reg.read.ATTEST_TYPEHASH(),
      keccak256(
        toHex(
          "Attest(address provider,bytes32 claim,uint64 expiresAt,address attester,uint256 nonce,uint256 deadline)",
        ),
      ),
    );
  });

  it("rejects expired, forged, tampered and untrusted signatures", async () => {
    const core = await networkHelpers.loadFixture(coreFixture);
    const { attestationRegistry: reg, wallets } = core;
    const { attester, provider } = await configured(core);
    const forger = wallets[9]!;
    const p = provider.account.address;
    const now = BigInt(await networkHelpers.time.latest());
    const base = {
      provider: p,
      claim: GDPR,
      expiresAt: now + DAY,
      attester: attester.account.address,
      nonce: 0n,
      deadline: now + 600n,
    };

    const good = await signAttestation(core, attester, base);
    await networkHelpers.time.setNextBlockTimestamp(now + 601n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.attestBySig([p, GDPR, base.expiresAt, base.attester, base.deadline, good]),
      reg,
      "SignatureExpired",
      [base.deadline],
    );

    const later = { ...base, deadline: now + 6000n };
    const forged = await signAttestation(core, forger, later);
    await viem.assertions.revertWithCustomError(
      reg.write.attestBySig([p, GDPR, later.expiresAt, later.attester, later.deadline, forged]),
      reg,
      "InvalidSignature",
    );
    const signed = await signAttestation(core, attester, later);
    // Tampering with the expiry breaks the signature.
    await viem.assertions.revertWithCustomError(
      reg.write.attestBySig([p, GDPR, later.expiresAt + 1n, later.attester, later.deadline, signed]),
      reg,
      "InvalidSignature",
    );
    // A valid signature of an attester who is not trusted for the claim is still rejected.
    const tee = { ...later, claim: TEE };
    const teeSig = await signAttestation(core, attester, tee);
    await viem.assertions.revertWithCustomErrorWithArgs(
      reg.write.attestBySig([p, TEE, tee.expiresAt, tee.attester, tee.deadline, teeSig]),
      reg,
      "UntrustedAttester",
      [TEE, attester.account.address],
    );
  });
});

describe("AttestationRegistry: eligibility", () => {
  it("class 0 is open, undefined classes are closed, others need every claim", async () => {
    const core = await networkHelpers.loadFixture(coreFixture);
    const { attestationRegistry: reg, deployer } = core;
    const { attester, teeAttester, provider } = await configured(core);
    const p = provider.account.address;
    const expiresAt = BigInt(await networkHelpers.time.latest()) + DAY;

    assert.equal(await reg.read.isEligible([p, 0]), true);
    assert.equal(await reg.read.isEligible([p, 42]), false);
    assert.equal(await reg.read.isEligible([p, 1]), false);
    await reg.write.attest([p, GDPR, expiresAt], { account: attester.account });
    assert.equal(await reg.read.isEligible([p, 1]), false); // SOC2 still missing
    await reg.write.attest([p, SOC2, expiresAt + DAY], { account: attester.account });
    assert.equal(await reg.read.isEligible([p, 1]), true);

    // Governance adds TEE to class 1: the provider loses eligibility until it gets a TEE attestation.
    await reg.write.setPolicyClass([1, [GDPR, SOC2, TEE]], { account: deployer.account });
    assert.equal(await reg.read.isEligible([p, 1]), false);
    await reg.write.attest([p, TEE, expiresAt], { account: teeAttester.account });
    assert.equal(await reg.read.isEligible([p, 1]), true);

    // The earliest expiry among the claims ends eligibility.
    await networkHelpers.time.increaseTo(expiresAt);
    assert.equal(await reg.read.isEligible([p, 1]), false);
    // An empty class other than 0, once defined, is open too.
    await reg.write.setPolicyClass([5, []], { account: deployer.account });
    assert.equal(await reg.read.isEligible([p, 5]), true);
  });
});
