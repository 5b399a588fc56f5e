import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { encodeFunctionData, getAddress, type Hex, keccak256, toHex, zeroAddress, zeroHash } from "viem";
import { type CoreDeployment, coreFixture, DEFAULT_CORE_PARAMS, handOverToTimelock, ROLES } from "./fixtures/core.ts";

const { viem, networkHelpers } = await network.create();

// OpenZeppelin Governor's ProposalState enum.
const State = {
  Pending: 0,
  Active: 1,
  Canceled: 2,
  Defeated: 3,
  Succeeded: 4,
  Queued: 5,
  Expired: 6,
  Executed: 7,
} as const;
const Vote = { Against: 0, For: 1, Abstain: 2 } as const;

/** Core after the real deployment's last step: the timelock is the AccessManager's only admin. */
async function governedFixture(connection: Parameters<typeof coreFixture>[0]): Promise<CoreDeployment> {
  const core = await coreFixture(connection);
  await handOverToTimelock(core);
  // The deployer votes with its own balance.
  await core.sovraToken.write.delegate([core.deployer.account.address], { account: core.deployer.account });
  await networkHelpers.mine();
  return core;
}

describe("SovraGovernor: configuration", () => {
  it("is wired to the token and the timelock with the fixture's parameters", async () => {
    const { governor, sovraToken, timelock, deployer } = await networkHelpers.loadFixture(coreFixture);
    const p = DEFAULT_CORE_PARAMS;
    assert.equal(await governor.read.name(), "SovraGovernor");
    assert.equal(getAddress(await governor.read.token()), getAddress(sovraToken.address));
    assert.equal(getAddress(await governor.read.timelock()), getAddress(timelock.address));
    assert.equal(await governor.read.votingDelay(), BigInt(p.votingDelay));
    assert.equal(await governor.read.votingPeriod(), BigInt(p.votingPeriod));
    assert.equal(await governor.read.proposalThreshold(), p.proposalThreshold);
    assert.equal(await governor.read.quorumNumerator(), p.quorumPercent);
    const block = (await governor.read.clock()) - 1;
    assert.equal(await governor.read.quorum([BigInt(block)]), (p.tokenSupply * p.quorumPercent) / 100n);
    // Timelock: the governor proposes and cancels, anyone executes, the deployer is not an admin.
    assert.equal(await timelock.read.hasRole([await timelock.read.PROPOSER_ROLE(), governor.address]), true);
    assert.equal(await timelock.read.hasRole([await timelock.read.CANCELLER_ROLE(), governor.address]), true);
    assert.equal(await timelock.read.hasRole([await timelock.read.EXECUTOR_ROLE(), zeroAddress]), true);
    assert.equal(
      await timelock.read.hasRole([await timelock.read.DEFAULT_ADMIN_ROLE(), deployer.account.address]),
      false,
    );
    assert.equal(await timelock.read.hasRole([await timelock.read.PROPOSER_ROLE(), deployer.account.address]), false);
    assert.equal(await governor.read.proposalNeedsQueuing([0n]), true);
  });

  it("handOverToTimelock leaves the timelock as the only admin", async () => {
    const { accessManager, timelock, deployer } = await networkHelpers.loadFixture(governedFixture);
    assert.deepEqual(await accessManager.read.hasRole([ROLES.ADMIN, timelock.address]), [true, 0]);
    assert.deepEqual(await accessManager.read.hasRole([ROLES.ADMIN, deployer.account.address]), [false, 0]);
  });
});

describe("SovraGovernor: a parameter change through the full path", () => {
  it("delegate -> propose -> vote -> queue -> wait -> execute changes the unbonding delay and grants a role", async () => {
    const core = await networkHelpers.loadFixture(governedFixture);
    const { governor, timelock, providerRegistry, accessManager, deployer, wallets } = core;
    const market = wallets[6]!.account.address;
    const voter = wallets[1]!;
    await core.sovraToken.write.delegate([voter.account.address], { account: voter.account });

    const targets = [providerRegistry.address, accessManager.address];
    const values = [0n, 0n];
    const calldatas: Hex[] = [
      encodeFunctionData({ abi: providerRegistry.abi, functionName: "setUnbondingDelay", args: [7200n] }),
      encodeFunctionData({ abi: accessManager.abi, functionName: "grantRole", args: [ROLES.MARKET, market, 0] }),
    ];
    const description = "Double the unbonding delay and enable the market";
    const descriptionHash = keccak256(toHex(description));
    const proposalId = await governor.read.hashProposal([targets, values, calldatas, descriptionHash]);

    await viem.assertions.emit(
      governor.write.propose([targets, values, calldatas, description], { account: deployer.account }),
      governor,
      "ProposalCreated",
    );
    assert.equal(await governor.read.state([proposalId]), State.Pending);
    // Voting before the vote starts is refused.
    await viem.assertions.revertWithCustomError(
      governor.write.castVote([proposalId, Vote.For], { account: deployer.account }),
      governor,
      "GovernorUnexpectedProposalState",
    );

    await networkHelpers.mine(DEFAULT_CORE_PARAMS.votingDelay + 1);
    assert.equal(await governor.read.state([proposalId]), State.Active);
    await viem.assertions.emitWithArgs(
      governor.write.castVote([proposalId, Vote.For], { account: deployer.account }),
      governor,
      "VoteCast",
      [deployer.account.address, proposalId, Vote.For, (v: unknown) => typeof v === "bigint" && v > 0n, ""],
    );
    // A second holder votes against; the deployer's weight still carries the vote.
    await governor.write.castVote([proposalId, Vote.Against], { account: voter.account });
    await viem.assertions.revertWithCustomError(
      governor.write.castVote([proposalId, Vote.For], { account: voter.account }),
      governor,
      "GovernorAlreadyCastVote",
    );
    const [against, forVotes] = await governor.read.proposalVotes([proposalId]);
    assert.equal(against, DEFAULT_CORE_PARAMS.tokenPerWallet);
    assert.ok(forVotes >= (DEFAULT_CORE_PARAMS.tokenSupply * DEFAULT_CORE_PARAMS.quorumPercent) / 100n);

    await networkHelpers.mine(DEFAULT_CORE_PARAMS.votingPeriod);
    assert.equal(await governor.read.state([proposalId]), State.Succeeded);
    await viem.assertions.emit(
      governor.write.queue([targets, values, calldatas, descriptionHash]),
      governor,
      "ProposalQueued",
    );
    assert.equal(await governor.read.state([proposalId]), State.Queued);

    // Before the timelock delay the timelock refuses to execute.
    await viem.assertions.revertWithCustomError(
      governor.write.execute([targets, values, calldatas, descriptionHash]),
      timelock,
      "TimelockUnexpectedOperationState",
    );
    await networkHelpers.time.increase(DEFAULT_CORE_PARAMS.timelockDelay);
    const executed = governor.write.execute([targets, values, calldatas, descriptionHash], {
      account: wallets[9]!.account,
    });
    await viem.assertions.emitWithArgs(executed, providerRegistry, "UnbondingDelayUpdated", [3600n, 7200n]);
    assert.equal(await governor.read.state([proposalId]), State.Executed);
    assert.equal(await providerRegistry.read.unbondingDelay(), 7200n);
    assert.deepEqual(await accessManager.read.hasRole([ROLES.MARKET, market]), [true, 0]);

    // The deployer can no longer call the setter, nor grant roles, nor go around the vote.
    await viem.assertions.revertWithCustomErrorWithArgs(
      providerRegistry.write.setUnbondingDelay([3600n], { account: deployer.account }),
      providerRegistry,
      "AccessManagedUnauthorized",
      [deployer.account.address],
    );
    await viem.assertions.revertWithCustomError(
      accessManager.write.grantRole([ROLES.ADMIN, deployer.account.address, 0], { account: deployer.account }),
      accessManager,
      "AccessManagerUnauthorizedAccount",
    );
    await viem.assertions.revertWithCustomError(
      timelock.write.schedule([providerRegistry.address, 0n, calldatas[0]!, zeroHash, zeroHash, 60n], {
        account: deployer.account,
      }),
      timelock,
      "AccessControlUnauthorizedAccount",
    );
  });

  it("a proposal voted down cannot be queued", async () => {
    const { governor, providerRegistry, deployer } = await networkHelpers.loadFixture(governedFixture);
    const targets = [providerRegistry.address];
    const calldatas: Hex[] = [
      encodeFunctionData({ abi: providerRegistry.abi, functionName: "setUnbondingDelay", args: [7200n] }),
    ];
    const description = "Rejected change";
    const descriptionHash = keccak256(toHex(description));
    const proposalId = await governor.read.hashProposal([targets, [0n], calldatas, descriptionHash]);
    await governor.write.propose([targets, [0n], calldatas, description], { account: deployer.account });
    await networkHelpers.mine(DEFAULT_CORE_PARAMS.votingDelay + 1);
    await governor.write.castVote([proposalId, Vote.Against], { account: deployer.account });
    await networkHelpers.mine(DEFAULT_CORE_PARAMS.votingPeriod);
    assert.equal(await governor.read.state([proposalId]), State.Defeated);
    await viem.assertions.revertWithCustomError(
      governor.write.queue([targets, [0n], calldatas, descriptionHash]),
      governor,
      "GovernorUnexpectedProposalState",
    );
    assert.equal(await providerRegistry.read.unbondingDelay(), 3600n);
  });

  it("the proposer may cancel a pending proposal; nobody else may", async () => {
    const { governor, providerRegistry, deployer, wallets } = await networkHelpers.loadFixture(governedFixture);
    const targets = [providerRegistry.address];
    const calldatas: Hex[] = [
      encodeFunctionData({ abi: providerRegistry.abi, functionName: "setUnbondingDelay", args: [7200n] }),
    ];
    const description = "Withdrawn change";
    const descriptionHash = keccak256(toHex(description));
    const proposalId = await governor.read.hashProposal([targets, [0n], calldatas, descriptionHash]);
    await governor.write.propose([targets, [0n], calldatas, description], { account: deployer.account });
    await viem.assertions.revertWithCustomError(
      governor.write.cancel([targets, [0n], calldatas, descriptionHash], { account: wallets[2]!.account }),
      governor,
      "GovernorUnableToCancel",
    );
    await viem.assertions.emitWithArgs(
      governor.write.cancel([targets, [0n], calldatas, descriptionHash], { account: deployer.account }),
      governor,
      "ProposalCanceled",
      [proposalId],
    );
    assert.equal(await governor.read.state([proposalId]), State.Canceled);
  });

  it("the governor's own settings change only through governance", async () => {
    const { governor, deployer } = await networkHelpers.loadFixture(governedFixture);
    await viem.assertions.revertWithCustomErrorWithArgs(
      governor.write.setVotingDelay([5], { account: deployer.account }),
      governor,
      "GovernorOnlyExecutor",
      [getAddress(deployer.account.address)],
    );
  });
});
