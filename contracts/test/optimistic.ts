import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import hre, { network } from "hardhat";
import type { WalletClient } from "@nomicfoundation/hardhat-viem/types";
import {
  type Hex,
  encodeAbiParameters,
  encodeFunctionData,
  getAddress,
  keccak256,
  maxUint256,
  stringToHex,
} from "viem";
import { type JobTerms, MODEL_ID, marketActions, marketEvents, sov, usd } from "./fixtures/market.ts";
import { jobTermsFromEvents } from "../src/job-terms.ts";
import {
  AUDITOR_BOND,
  type Commitment,
  OCR_MODEL_ID,
  type OptimisticDeployment,
  REWARD_POOL,
  TEST_OPTIMISTIC_PARAMS,
  commitResult,
  optimisticFixture,
  optimisticJob,
  outputHashOf,
  settlementEvents,
  voteHash,
} from "./fixtures/optimistic.ts";

const JobStatus = { Matched: 1, Settled: 2, Expired: 3 } as const;
const AuditState = { None: 0, Clear: 1, Drawn: 2, Agreed: 3, Disagreed: 4, Missed: 5, Deferred: 6 } as const;
const DisputeState = { None: 0, Pending: 1, Voting: 2, Upheld: 3, Overturned: 4 } as const;
const Tier = { None: 0, Zk: 1, Optimistic: 2 } as const;

/** A short OCR answer: "INVOICE 2026-11 TOTAL 41.90 EUR" as UTF-8 in two words. */
const TEXT = stringToHex("INVOICE 2026-11 TOTAL 41.90 EUR", { size: 64 });
const OCR_OUTPUT = [BigInt(`0x${TEXT.slice(2, 66)}`), BigInt(`0x${TEXT.slice(66)}`)];
const WRONG_OUTPUT = [OCR_OUTPUT[0] ?? 0n, 1n];
const SALT = keccak256(stringToHex("salt"));

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}

describe("OptimisticSettlement", async () => {
  const connection = await network.create();
  const { viem, networkHelpers } = connection;
  const { time } = networkHelpers;
  let o: OptimisticDeployment;
  let provider: WalletClient;
  let buyer: WalletClient;

  beforeEach(async () => {
    o = await networkHelpers.loadFixture(optimisticFixture);
    provider = must(o.providers[0], "provider");
    buyer = must(o.buyers[0], "buyer");
  });

  const setAuditBps = async (auditBps: number) => {
    await o.settlement.write.setParams([{ ...TEST_OPTIMISTIC_PARAMS, auditBps }], { account: o.deployer.account });
  };
  const auditorByAddress = (address: Hex): WalletClient =>
    must(
      o.auditors.find((a) => getAddress(a.account.address) === getAddress(address)),
      `auditor ${address}`,
    );
  const price = (): bigint => 100n * o.marketParams.tickSize;
  const feeOf = (amount: bigint): bigint => (amount * BigInt(o.marketParams.feeBps)) / 10_000n;

  async function committed(output: readonly bigint[] = OCR_OUTPUT) {
    const job = await optimisticJob(o, provider, buyer);
    const { commitment, receipt } = await commitResult(o, provider, job, output);
    return { job, c: commitment, commitGas: receipt.gasUsed };
  }

  async function finalize(
    job: { jobId: bigint; terms: JobTerms },
    c: Commitment,
    output: readonly bigint[],
    by: WalletClient,
  ) {
    const hash = await o.settlement.write.finalize([job.jobId, job.terms, [...output], c], { account: by.account });
    return settlementEvents(o, hash);
  }

  /** Draws the audit of a job audited for sure; returns the drawn auditor. */
  async function drawnAuditor(jobId: bigint, c: Commitment): Promise<WalletClient> {
    await networkHelpers.mine(1);
    await o.settlement.write.drawAudit([jobId, c]);
    const k = await o.settlement.read.caseOf([jobId]);
    assert.equal(k.auditState, AuditState.Drawn);
    return auditorByAddress(k.auditor);
  }

  async function audit(jobId: bigint, auditor: WalletClient, agrees: boolean, outputHash: Hex) {
    const a = auditor.account.address;
    await o.settlement.write.auditCommit([jobId, voteHash(jobId, agrees, outputHash, SALT, a)], {
      account: auditor.account,
    });
    await o.settlement.write.auditReveal([jobId, agrees, outputHash, SALT], { account: auditor.account });
  }

  /** Draws the committee of an open dispute and has each member vote `votes[i]` (undefined: stays silent). */
  async function vote(jobId: bigint, c: Commitment, votes: readonly (boolean | undefined)[]) {
    await networkHelpers.mine(1);
    await o.settlement.write.drawCommittee([jobId]);
    const k = await o.settlement.read.caseOf([jobId]);
    assert.equal(k.committee.length, TEST_OPTIMISTIC_PARAMS.committeeSize);
    const members = k.committee.map(auditorByAddress);
    for (const [i, member] of members.entries()) {
      const agrees = votes[i];
      if (agrees === undefined) continue;
      const h = voteHash(jobId, agrees, c.outputHash, SALT, member.account.address);
      await o.settlement.write.voteCommit([jobId, h], { account: member.account });
    }
    await time.increaseTo(BigInt(k.voteCommitBy) + 1n);
    for (const [i, member] of members.entries()) {
      const agrees = votes[i];
      if (agrees === undefined) continue;
      await o.settlement.write.voteReveal([jobId, agrees, c.outputHash, SALT], { account: member.account });
    }
    await time.increaseTo(BigInt(k.voteRevealBy) + 1n);
    await o.settlement.write.resolve([jobId]);
    return { members, k: await o.settlement.read.caseOf([jobId]) };
  }

  async function expectExpiredAndSlashed(job: { jobId: bigint; deadline: bigint }) {
    const act = marketActions(o);
    const stakeBefore = (await o.providerRegistry.read.stakeInfoOf([provider.account.address])).staked;
    const treasurySov = await o.sovraToken.read.balanceOf([o.treasury.account.address]);
    const owedBefore = await o.market.read.owed([buyer.account.address]);
    await time.increaseTo(job.deadline + 1n);
    await act.expire(job.jobId, o.stranger);
    assert.equal(await o.market.read.jobStatus([job.jobId]), JobStatus.Expired);
    assert.equal(await o.market.read.owed([buyer.account.address]), owedBefore + price());
    const collateral = o.marketParams.collateralPerJob;
    assert.equal(
      (await o.providerRegistry.read.stakeInfoOf([provider.account.address])).staked,
      stakeBefore - collateral,
    );
    assert.equal(await o.sovraToken.read.balanceOf([o.treasury.account.address]), treasurySov + collateral);
  }

  it("is the verifier of an optimistic-tier model: the registry reads the tier from it", async () => {
    assert.equal(await o.modelRegistry.read.tierOf([OCR_MODEL_ID]), Tier.Optimistic);
    assert.equal(await o.modelRegistry.read.tierOf([MODEL_ID]), Tier.Zk);
    assert.equal(await o.modelRegistry.read.tierOf([keccak256(stringToHex("none"))]), Tier.None);
    assert.equal(await o.settlement.read.verifyingKeyHash(), keccak256(stringToHex("sovra.optimistic.v1")));
    const info = await o.market.read.marketOf([o.optimisticMarketId]);
    assert.equal(getAddress(info.verifier), getAddress(o.settlement.address));
  });

  it("honest commit -> window -> a stranger finalizes -> the provider is paid, not the stranger", async () => {
    const { job, c } = await committed();
    // the buyer reads its answer at commit
    const [log] = await o.publicClient.getContractEvents({
      address: o.settlement.address,
      abi: o.settlement.abi,
      eventName: "ResultCommitted",
      args: { jobId: job.jobId },
      fromBlock: 0n,
      strict: true,
    });
    assert.deepEqual(must(log, "ResultCommitted").args.output, OCR_OUTPUT);
    assert.equal(c.outputHash, outputHashOf(OCR_OUTPUT));

    await assert.rejects(finalize(job, c, OCR_OUTPUT, o.stranger), /NotFinal/);
    await time.increaseTo(BigInt(c.finalAt));
    await networkHelpers.mine(1); // the draw reads the hash of the block after the commit
    assert.equal(await o.settlement.read.isFinal([job.jobId, c]), true);
    const strangerOwed = await o.market.read.owed([o.stranger.account.address]);
    await finalize(job, c, OCR_OUTPUT, o.stranger);
    assert.equal(await o.market.read.jobStatus([job.jobId]), JobStatus.Settled);
    const fee = feeOf(price());
    assert.equal(await o.market.read.owed([provider.account.address]), price() - fee);
    assert.equal(await o.market.read.pendingFeesOf([provider.account.address]), fee);
    assert.equal(await o.market.read.releasableOf([provider.account.address]), o.marketParams.collateralPerJob);
    assert.equal(await o.market.read.owed([o.stranger.account.address]), strangerOwed);
    // settled once: the seal is gone and the market refuses a second settlement
    assert.equal(await o.settlement.read.sealOf([job.jobId, provider.account.address]), `0x${"00".repeat(32)}`);
    await assert.rejects(finalize(job, c, OCR_OUTPUT, provider), /InvalidCommitment/);
  });

  it("the provider cannot settle before its result is final, nor outside finalize", async () => {
    const { job, c } = await committed();
    const proof = encodeAbiParameters([{ type: "uint256" }], [job.jobId]);
    await assert.rejects(
      o.market.write.submitResult([job.jobId, job.terms, OCR_OUTPUT, proof], { account: provider.account }),
      /InvalidProof/,
    );
    await time.increaseTo(BigInt(c.finalAt));
    // final, but still only through finalize: verifyInference answers true only inside it
    await assert.rejects(
      o.market.write.submitResult([job.jobId, job.terms, OCR_OUTPUT, proof], { account: provider.account }),
      /InvalidProof/,
    );
    assert.equal(await o.settlement.read.verifyInference([job.terms.inputHash, OCR_OUTPUT, proof]), false);
    await finalize(job, c, OCR_OUTPUT, provider);
    assert.equal(await o.market.read.jobStatus([job.jobId]), JobStatus.Settled);
  });

  it("refuses a commit by another account, twice, or too late for the deadline", async () => {
    const job = await optimisticJob(o, provider, buyer, { deadlineIn: 3_600n });
    await assert.rejects(
      o.settlement.write.commit([job.jobId, job.terms, OCR_OUTPUT], { account: o.stranger.account }),
      /NotJobProvider/,
    );
    // a stranger's commit under terms naming itself neither takes the provider's place nor ever settles
    const forged = { ...job.terms, provider: o.stranger.account.address };
    const { commitment: junk } = await commitResult(o, o.stranger, { ...job, terms: forged }, WRONG_OUTPUT);
    await networkHelpers.mine(1);
    await assert.rejects(o.settlement.write.drawAudit([job.jobId, junk]), /InvalidJobTerms/);
    await assert.rejects(
      o.settlement.write.challenge([job.jobId, junk, outputHashOf(OCR_OUTPUT)], { account: buyer.account }),
      /InvalidJobTerms/,
    );
    await assert.rejects(
      o.settlement.write.commit([job.jobId, job.terms, []], { account: provider.account }),
      /InvalidOutput/,
    );
    const span = BigInt(TEST_OPTIMISTIC_PARAMS.challengeWindow + TEST_OPTIMISTIC_PARAMS.disputeTime);
    await time.setNextBlockTimestamp(job.deadline - span + 1n);
    await assert.rejects(
      o.settlement.write.commit([job.jobId, job.terms, OCR_OUTPUT], { account: provider.account }),
      /CommitTooLate/,
    );
    await time.setNextBlockTimestamp(job.deadline - span);
    await o.settlement.write.commit([job.jobId, job.terms, OCR_OUTPUT], { account: provider.account });
    await assert.rejects(
      o.settlement.write.commit([job.jobId, job.terms, OCR_OUTPUT], { account: provider.account }),
      /AlreadyCommitted/,
    );
  });

  it("refuses forged terms, outputs and commitments at finalize, and another job's commitment", async () => {
    const a = await committed();
    const b = await committed(WRONG_OUTPUT);
    await time.increaseTo(BigInt(b.c.finalAt));
    await assert.rejects(finalize(a.job, a.c, WRONG_OUTPUT, o.stranger), /InvalidOutput/);
    await assert.rejects(
      finalize(a.job, { ...a.c, finalAt: a.c.finalAt - 600 }, OCR_OUTPUT, o.stranger),
      /InvalidCommitment/,
    );
    await assert.rejects(finalize(a.job, b.c, WRONG_OUTPUT, o.stranger), /InvalidCommitment/);
    // job b's own commitment with job a's terms: its terms hash binds job b's terms
    await assert.rejects(
      finalize({ jobId: b.job.jobId, terms: a.job.terms }, b.c, WRONG_OUTPUT, o.stranger),
      /InvalidJobTerms/,
    );
    // a provider's commit under forged terms (a later deadline) can never settle
    const forgedJob = await optimisticJob(o, provider, buyer);
    const forged = { ...forgedJob.terms, deadline: forgedJob.terms.deadline + 10_000n };
    const { commitment: fc } = await commitResult(o, provider, { ...forgedJob, terms: forged }, OCR_OUTPUT);
    await time.increaseTo(BigInt(fc.finalAt) + 1n);
    await assert.rejects(finalize(forgedJob, fc, OCR_OUTPUT, o.stranger), /InvalidJobTerms/);
    await assert.rejects(finalize({ ...forgedJob, terms: forged }, fc, OCR_OUTPUT, o.stranger), /InvalidJobTerms/);
    await finalize(a.job, a.c, OCR_OUTPUT, o.stranger);
    await finalize(b.job, b.c, WRONG_OUTPUT, o.stranger);
  });

  it("a consumer re-entering from its callback cannot settle twice", async () => {
    const consumer = await viem.deployContract("MaliciousConsumer", [o.market.address, o.stablecoin.address]);
    await o.stablecoin.write.transfer([consumer.address, usd("10")], { account: buyer.account });
    const act = marketActions(o);
    await act.ask(provider, 100, 1, 86_400n, o.optimisticMarketId);
    const deadline = (await o.publicClient.getBlock()).timestamp + 3_600n;
    const bidHash = await consumer.write.bid([o.optimisticMarketId, 100, 31n, deadline]);
    await o.publicClient.waitForTransactionReceipt({ hash: bidHash });
    const [matched] = await o.publicClient
      .getContractEvents({
        address: o.market.address,
        abi: o.market.abi,
        eventName: "JobMatched",
        fromBlock: 0n,
        strict: true,
      })
      .then((logs) => logs.slice(-1));
    const jobId = must(matched, "JobMatched").args.jobId;
    const [placed] = await o.publicClient.getContractEvents({
      address: o.market.address,
      abi: o.market.abi,
      eventName: "BidPlaced",
      args: { orderId: jobId },
      fromBlock: 0n,
      strict: true,
    });
    const { jobTermsFromEvents } = await import("../src/job-terms.ts");
    const terms = jobTermsFromEvents(must(placed, "BidPlaced").args, must(matched, "JobMatched").args);
    await consumer.write.setMode([3]); // Reenter: calls submitResult again from its callback
    await consumer.write.setTerms([terms]);
    const { commitment: c } = await commitResult(o, provider, { jobId, terms, deadline, bidGas: 0n }, OCR_OUTPUT);
    await time.increaseTo(BigInt(c.finalAt));
    const balance = await o.stablecoin.read.balanceOf([o.market.address]);
    const { receipt } = await finalize({ jobId, terms }, c, OCR_OUTPUT, o.stranger);
    const callbacks = receipt.logs.filter((l) => l.address.toLowerCase() === o.market.address.toLowerCase());
    assert.ok(callbacks.length > 0);
    assert.equal(await o.market.read.jobStatus([jobId]), JobStatus.Settled);
    assert.equal(await o.market.read.owed([provider.account.address]), terms.price - feeOf(terms.price));
    assert.equal(await o.stablecoin.read.balanceOf([o.market.address]), balance);
  });

  it("a buyer that also sells cannot use its job's callback to settle one of its own jobs", async () => {
    // a second optimistic model, with its own settlement contract (one per model), and its market (3)
    const vadId = keccak256(stringToHex("sovra/silero-vad-test"));
    const vadSettlement = await viem.deployContract("OptimisticSettlement", [
      o.accessManager.address,
      o.market.address,
      o.sovraToken.address,
      TEST_OPTIMISTIC_PARAMS,
    ]);
    const admin = { account: o.deployer.account };
    await o.modelRegistry.write.registerModel(
      [vadId, `0x1220${"33".repeat(32)}`, await vadSettlement.read.verifyingKeyHash(), vadSettlement.address, "{}", 0],
      admin,
    );
    await o.modelRegistry.write.setModelApproved([vadId, true], admin);
    await o.market.write.createMarket([vadId, 0, o.marketParams], admin);
    const vadMarketId = 3;

    // the attacker: a contract that is a registered, staked provider with asks on both markets, and a buyer
    const attacker = await viem.deployContract("CallbackSettler");
    const exec = (address: Hex, data: Hex) => attacker.write.exec([address, data]);
    await o.sovraToken.write.transfer([attacker.address, sov("1000")], admin);
    await o.stablecoin.write.transfer([attacker.address, usd("100")], { account: buyer.account });
    const profile = {
      gpuModel: "NVIDIA L4",
      vramMb: 24_576,
      throughputMilliOpsPerSec: 1n,
      region: "eu-west",
      benchmarkReport: keccak256(stringToHex("attacker")),
    };
    const reg = o.providerRegistry;
    await exec(reg.address, encodeFunctionData({ abi: reg.abi, functionName: "register", args: [profile] }));
    const sovAbi = o.sovraToken.abi;
    await exec(
      o.sovraToken.address,
      encodeFunctionData({ abi: sovAbi, functionName: "approve", args: [reg.address, maxUint256] }),
    );
    await exec(reg.address, encodeFunctionData({ abi: reg.abi, functionName: "stake", args: [sov("500")] }));
    const usdAbi = o.stablecoin.abi;
    await exec(
      o.stablecoin.address,
      encodeFunctionData({ abi: usdAbi, functionName: "approve", args: [o.market.address, maxUint256] }),
    );
    const expiresAt = (await o.publicClient.getBlock()).timestamp + 86_400n;
    for (const marketId of [vadMarketId, o.optimisticMarketId]) {
      await exec(
        o.market.address,
        encodeFunctionData({ abi: o.market.abi, functionName: "placeAsk", args: [marketId, 50, 1, expiresAt] }),
      );
    }
    // victims' jobs sold by the attacker: one on the other model with the same input, one on this model with another
    const act = marketActions(o);
    const sameInput = 4242n;
    const otherModel = await act.bid(buyer, 100, sameInput, { id: vadMarketId });
    const otherInput = await act.bid(must(o.buyers[1], "buyer 2"), 100, sameInput + 1n, { id: o.optimisticMarketId });
    const victims = [otherModel, otherInput].map((bid) => ({ jobId: bid.jobId, terms: must(bid.terms, "terms") }));
    for (const v of victims) assert.equal(getAddress(v.terms.provider), getAddress(attacker.address));

    // the attacker buys job X (callback) on this model, with the same input, from an honest provider
    await act.ask(provider, 100, 1, 86_400n, o.optimisticMarketId);
    const deadline = (await o.publicClient.getBlock()).timestamp + 3_600n;
    const bidHash = await exec(
      o.market.address,
      encodeFunctionData({
        abi: o.market.abi,
        functionName: "placeBid",
        args: [o.optimisticMarketId, 100, sameInput, "0x", deadline, true],
      }),
    );
    const { events } = await marketEvents(o, bidHash);
    const placed = events.find((e) => e.eventName === "BidPlaced");
    const matched = events.find((e) => e.eventName === "JobMatched");
    assert.ok(placed?.eventName === "BidPlaced" && matched?.eventName === "JobMatched");
    const x = { jobId: matched.args.jobId, terms: jobTermsFromEvents(placed.args, matched.args), deadline };
    const { commitment: c } = await commitResult(o, provider, { ...x, bidGas: 0n }, OCR_OUTPUT);
    await time.increaseTo(BigInt(c.finalAt));
    await networkHelpers.mine(1);

    for (const v of victims) {
      const snapshot = await networkHelpers.takeSnapshot();
      await attacker.write.setCallbackCall([
        o.market.address,
        encodeFunctionData({
          abi: o.market.abi,
          functionName: "submitResult",
          args: [v.jobId, v.terms, OCR_OUTPUT, encodeAbiParameters([{ type: "uint256" }], [x.jobId])],
        }),
      ]);
      await finalize(x, c, OCR_OUTPUT, o.stranger);
      assert.equal(await attacker.read.callbacks(), 1n);
      assert.equal(await attacker.read.succeeded(), false);
      assert.equal(await o.market.read.jobStatus([v.jobId]), JobStatus.Matched);
      assert.equal(await o.market.read.jobStatus([x.jobId]), JobStatus.Settled);
      await snapshot.restore();
    }
  });

  it("an audit is drawn (auditBps 10000), the auditor agrees: final after the window, the auditor is paid", async () => {
    await setAuditBps(10_000);
    const { job, c } = await committed();
    assert.equal(c.auditBps, 10_000);
    await time.increaseTo(BigInt(c.finalAt));
    // audited and not drawn yet: not final
    await assert.rejects(finalize(job, c, OCR_OUTPUT, o.stranger), /NotFinal/);
    const auditor = await drawnAuditor(job.jobId, c);
    await assert.rejects(finalize(job, c, OCR_OUTPUT, o.stranger), /NotFinal/);
    await audit(job.jobId, auditor, true, c.outputHash);
    assert.equal((await o.settlement.read.caseOf([job.jobId])).auditState, AuditState.Agreed);
    assert.equal(await o.settlement.read.owed([auditor.account.address]), TEST_OPTIMISTIC_PARAMS.auditorReward);
    assert.equal(await o.settlement.read.rewardPool(), REWARD_POOL - TEST_OPTIMISTIC_PARAMS.auditorReward);
    await finalize(job, c, OCR_OUTPUT, o.stranger);
    assert.equal(await o.market.read.jobStatus([job.jobId]), JobStatus.Settled);
    const before = await o.stablecoin.read.balanceOf([auditor.account.address]);
    await o.settlement.write.withdraw([auditor.account.address], { account: auditor.account });
    assert.equal(
      await o.stablecoin.read.balanceOf([auditor.account.address]),
      before + TEST_OPTIMISTIC_PARAMS.auditorReward,
    );
  });

  it("a lying provider caught by the audit: the committee overturns it, it cannot settle, the job expires (refund + slash)", async () => {
    await setAuditBps(10_000);
    const { job, c } = await committed(WRONG_OUTPUT);
    const auditor = await drawnAuditor(job.jobId, c);
    await audit(job.jobId, auditor, false, outputHashOf(OCR_OUTPUT));
    let k = await o.settlement.read.caseOf([job.jobId]);
    assert.equal(k.disputeState, DisputeState.Pending);
    const { members, k: resolved } = await vote(job.jobId, c, [false, false, true]);
    k = resolved;
    assert.equal(k.disputeState, DisputeState.Overturned);
    for (const member of members) {
      assert.notEqual(getAddress(member.account.address), getAddress(provider.account.address));
      assert.notEqual(getAddress(member.account.address), getAddress(auditor.account.address));
    }
    await time.increaseTo(BigInt(c.finalAt) + 1n);
    assert.equal(await o.settlement.read.isFinal([job.jobId, c]), false);
    await assert.rejects(finalize(job, c, WRONG_OUTPUT, provider), /NotFinal/);
    // the disagreeing auditor and the two majority voters are rewarded; the outvoted member is not
    const reward = TEST_OPTIMISTIC_PARAMS.auditorReward;
    assert.equal(await o.settlement.read.owed([auditor.account.address]), reward);
    assert.equal(await o.settlement.read.owed([must(members[0], "m0").account.address]), reward);
    assert.equal(await o.settlement.read.owed([must(members[2], "m2").account.address]), 0n);
    await expectExpiredAndSlashed(job);
    assert.equal(await o.market.read.owed([provider.account.address]), 0n);
  });

  it("a buyer's challenge of a wrong result wins: its bond comes back with a reward, the provider is slashed", async () => {
    const { job, c } = await committed(WRONG_OUTPUT);
    const bond = TEST_OPTIMISTIC_PARAMS.challengeBond;
    const wallet = await o.stablecoin.read.balanceOf([buyer.account.address]);
    await o.settlement.write.challenge([job.jobId, c, outputHashOf(OCR_OUTPUT)], { account: buyer.account });
    assert.equal(await o.stablecoin.read.balanceOf([buyer.account.address]), wallet - bond);
    const { k } = await vote(job.jobId, c, [false, false, false]);
    assert.equal(k.disputeState, DisputeState.Overturned);
    assert.equal(getAddress(k.challenger), getAddress(buyer.account.address));
    assert.ok(!k.committee.map(getAddress).includes(getAddress(buyer.account.address)));
    assert.equal(await o.settlement.read.owed([buyer.account.address]), bond + TEST_OPTIMISTIC_PARAMS.auditorReward);
    await expectExpiredAndSlashed(job);
  });

  it("a false challenge loses its bond to the upholding voters; the provider is paid", async () => {
    const { job, c } = await committed();
    const challenger = must(o.buyers[1], "challenger");
    const bond = TEST_OPTIMISTIC_PARAMS.challengeBond;
    await o.settlement.write.challenge([job.jobId, c, outputHashOf(WRONG_OUTPUT)], { account: challenger.account });
    await assert.rejects(
      o.settlement.write.challenge([job.jobId, c, outputHashOf(WRONG_OUTPUT)], { account: buyer.account }),
      /DisputeExists/,
    );
    await time.increaseTo(BigInt(c.finalAt));
    await assert.rejects(finalize(job, c, OCR_OUTPUT, provider), /NotFinal/); // dispute pending
    const treasuryOwed = await o.settlement.read.owed([o.treasury.account.address]);
    const { members, k } = await vote(job.jobId, c, [true, true, false]);
    assert.equal(k.disputeState, DisputeState.Upheld);
    const reward = TEST_OPTIMISTIC_PARAMS.auditorReward;
    const share = bond / 2n;
    assert.equal(await o.settlement.read.owed([must(members[0], "m0").account.address]), share + reward);
    assert.equal(await o.settlement.read.owed([must(members[1], "m1").account.address]), share + reward);
    assert.equal(await o.settlement.read.owed([must(members[2], "m2").account.address]), 0n);
    assert.equal(await o.settlement.read.owed([o.treasury.account.address]), treasuryOwed + bond - 2n * share);
    assert.equal(await o.settlement.read.owed([challenger.account.address]), 0n);
    await finalize(job, c, OCR_OUTPUT, o.stranger);
    assert.equal(await o.market.read.owed([provider.account.address]), price() - feeOf(price()));
  });

  it("a committee without quorum leaves the provider's result standing; silent members are penalised", async () => {
    const { job, c } = await committed();
    await o.settlement.write.challenge([job.jobId, c, outputHashOf(WRONG_OUTPUT)], { account: buyer.account });
    const { members, k } = await vote(job.jobId, c, [false, undefined, undefined]);
    assert.equal(k.disputeState, DisputeState.Upheld);
    const silent = must(members[1], "m1").account.address;
    assert.equal(
      (await o.settlement.read.auditorOf([OCR_MODEL_ID, silent])).bond,
      AUDITOR_BOND - TEST_OPTIMISTIC_PARAMS.auditorPenalty,
    );
    await time.increaseTo(BigInt(c.finalAt));
    await finalize(job, c, OCR_OUTPUT, o.stranger);
  });

  it("an auditor that agreed with a lie is penalised when a challenge overturns it", async () => {
    await setAuditBps(10_000);
    const { job, c } = await committed(WRONG_OUTPUT);
    const auditor = await drawnAuditor(job.jobId, c);
    await audit(job.jobId, auditor, true, c.outputHash); // lazy: agrees without re-executing
    await o.settlement.write.challenge([job.jobId, c, outputHashOf(OCR_OUTPUT)], { account: buyer.account });
    const { k } = await vote(job.jobId, c, [false, false, false]);
    assert.equal(k.disputeState, DisputeState.Overturned);
    const bond = (await o.settlement.read.auditorOf([OCR_MODEL_ID, auditor.account.address])).bond;
    assert.equal(bond, AUDITOR_BOND - TEST_OPTIMISTIC_PARAMS.auditorPenalty);
    await expectExpiredAndSlashed(job);
  });

  it("an auditor that disagrees with a right result is penalised; the provider is final once the votes are in", async () => {
    await setAuditBps(10_000);
    const { job, c } = await committed();
    const auditor = await drawnAuditor(job.jobId, c);
    await audit(job.jobId, auditor, false, outputHashOf(WRONG_OUTPUT));
    await networkHelpers.mine(1);
    await o.settlement.write.drawCommittee([job.jobId]);
    let k = await o.settlement.read.caseOf([job.jobId]);
    const members = k.committee.map(auditorByAddress);
    for (const member of members) {
      const h = voteHash(job.jobId, true, c.outputHash, SALT, member.account.address);
      await o.settlement.write.voteCommit([job.jobId, h], { account: member.account });
    }
    await time.increaseTo(BigInt(k.voteCommitBy) + 1n);
    for (const member of members) {
      await o.settlement.write.voteReveal([job.jobId, true, c.outputHash, SALT], { account: member.account });
    }
    await assert.rejects(o.settlement.write.resolve([job.jobId]), /WrongPhase/);
    await time.increaseTo(BigInt(Math.max(Number(k.voteRevealBy), c.finalAt)) + 1n);
    // nobody resolved yet: the votes alone make the result final
    await finalize(job, c, OCR_OUTPUT, o.stranger);
    assert.equal(await o.market.read.jobStatus([job.jobId]), JobStatus.Settled);
    await o.settlement.write.resolve([job.jobId]);
    k = await o.settlement.read.caseOf([job.jobId]);
    assert.equal(k.disputeState, DisputeState.Upheld);
    const bond = (await o.settlement.read.auditorOf([OCR_MODEL_ID, auditor.account.address])).bond;
    assert.equal(bond, AUDITOR_BOND - TEST_OPTIMISTIC_PARAMS.auditorPenalty);
    // no challenge bond to share: the three upholding members get the pool's reward
    for (const member of members) {
      assert.equal(await o.settlement.read.owed([member.account.address]), TEST_OPTIMISTIC_PARAMS.auditorReward);
    }
  });

  it("a recorded draw that is not audited (Clear) finalizes; the pool pays only what it holds", async () => {
    const { job, c } = await committed();
    await networkHelpers.mine(1);
    await o.settlement.write.drawAudit([job.jobId, c]);
    assert.equal((await o.settlement.read.caseOf([job.jobId])).auditState, AuditState.Clear);
    await assert.rejects(o.settlement.write.drawAudit([job.jobId, c]), /AuditAlreadyDrawn/);
    await time.increaseTo(BigInt(c.finalAt));
    await finalize(job, c, OCR_OUTPUT, o.stranger);

    await o.settlement.write.setParams(
      [{ ...TEST_OPTIMISTIC_PARAMS, auditBps: 10_000, auditorReward: REWARD_POOL * 2n }],
      {
        account: o.deployer.account,
      },
    );
    const second = await committed();
    const auditor = await drawnAuditor(second.job.jobId, second.c);
    await audit(second.job.jobId, auditor, true, second.c.outputHash);
    assert.equal(await o.settlement.read.owed([auditor.account.address]), REWARD_POOL);
    assert.equal(await o.settlement.read.rewardPool(), 0n);
  });

  it("an auditor that never reveals is penalised and the job still finalizes", async () => {
    await setAuditBps(10_000);
    const { job, c } = await committed();
    const auditor = await drawnAuditor(job.jobId, c);
    const a = auditor.account.address;
    await o.settlement.write.auditCommit([job.jobId, voteHash(job.jobId, true, c.outputHash, SALT, a)], {
      account: auditor.account,
    });
    await assert.rejects(o.settlement.write.penalizeAuditor([job.jobId]), /WrongPhase/);
    const k = await o.settlement.read.caseOf([job.jobId]);
    await time.increaseTo(BigInt(k.auditRevealBy) + 1n);
    await assert.rejects(
      o.settlement.write.auditReveal([job.jobId, true, c.outputHash, SALT], { account: auditor.account }),
      /WrongPhase/,
    );
    const treasurySov = await o.sovraToken.read.balanceOf([o.treasury.account.address]);
    await o.settlement.write.penalizeAuditor([job.jobId], { account: o.stranger.account });
    const penalty = TEST_OPTIMISTIC_PARAMS.auditorPenalty;
    assert.equal((await o.settlement.read.auditorOf([OCR_MODEL_ID, a])).bond, AUDITOR_BOND - penalty);
    assert.equal(await o.sovraToken.read.balanceOf([o.treasury.account.address]), treasurySov + penalty);
    assert.equal(await o.settlement.read.poolWeight([OCR_MODEL_ID]), 5n * AUDITOR_BOND - penalty);
    assert.equal((await o.settlement.read.caseOf([job.jobId])).auditState, AuditState.Missed);
    await time.increaseTo(BigInt(c.finalAt));
    await finalize(job, c, OCR_OUTPUT, o.stranger);
    assert.equal(await o.market.read.jobStatus([job.jobId]), JobStatus.Settled);
  });

  it("the provider is never its own auditor nor on its committee, even holding most of the bonds", async () => {
    await o.sovraToken.write.approve([o.settlement.address, maxUint256], { account: provider.account });
    await o.settlement.write.bondAuditor([OCR_MODEL_ID, sov("5000")], { account: provider.account });
    await setAuditBps(10_000);
    for (let i = 0; i < 4; i++) {
      const { job, c } = await committed(WRONG_OUTPUT);
      const auditor = await drawnAuditor(job.jobId, c);
      assert.notEqual(getAddress(auditor.account.address), getAddress(provider.account.address));
      await audit(job.jobId, auditor, false, outputHashOf(OCR_OUTPUT));
      await networkHelpers.mine(1);
      await o.settlement.write.drawCommittee([job.jobId]);
      const committee = (await o.settlement.read.caseOf([job.jobId])).committee.map(getAddress);
      assert.equal(new Set(committee).size, committee.length);
      assert.ok(!committee.includes(getAddress(provider.account.address)));
      assert.ok(!committee.includes(getAddress(auditor.account.address)));
    }
  });

  it("a voter cannot copy another's vote, nor reveal before the commit phase ends", async () => {
    const { job, c } = await committed();
    await o.settlement.write.challenge([job.jobId, c, outputHashOf(WRONG_OUTPUT)], { account: buyer.account });
    await networkHelpers.mine(1);
    await o.settlement.write.drawCommittee([job.jobId]);
    const k = await o.settlement.read.caseOf([job.jobId]);
    const [first, second] = k.committee.map(auditorByAddress);
    const a = must(first, "first");
    const b = must(second, "second");
    const h = voteHash(job.jobId, false, c.outputHash, SALT, a.account.address);
    await o.settlement.write.voteCommit([job.jobId, h], { account: a.account });
    await assert.rejects(
      o.settlement.write.voteReveal([job.jobId, false, c.outputHash, SALT], { account: a.account }),
      /WrongPhase/,
    );
    // the copier commits the same hash: it is bound to the first voter's address, so it can never be revealed
    await o.settlement.write.voteCommit([job.jobId, h], { account: b.account });
    await assert.rejects(o.settlement.write.voteCommit([job.jobId, h], { account: b.account }), /AlreadyAnswered/);
    await assert.rejects(
      o.settlement.write.voteCommit([job.jobId, h], { account: o.stranger.account }),
      /NotCommitteeMember/,
    );
    await time.increaseTo(BigInt(k.voteCommitBy) + 1n);
    await o.settlement.write.voteReveal([job.jobId, false, c.outputHash, SALT], { account: a.account });
    await assert.rejects(
      o.settlement.write.voteReveal([job.jobId, false, c.outputHash, SALT], { account: b.account }),
      /RevealMismatch/,
    );
    await assert.rejects(
      o.settlement.write.voteReveal([job.jobId, false, c.outputHash, SALT], { account: a.account }),
      /AlreadyAnswered/,
    );
  });

  it("the provider cannot challenge its own result, and nobody can after the window", async () => {
    const { job, c } = await committed();
    await assert.rejects(
      o.settlement.write.challenge([job.jobId, c, outputHashOf(WRONG_OUTPUT)], { account: provider.account }),
      /SelfChallenge/,
    );
    await time.increaseTo(BigInt(c.finalAt));
    await assert.rejects(
      o.settlement.write.challenge([job.jobId, c, outputHashOf(WRONG_OUTPUT)], { account: buyer.account }),
      /ChallengeClosed/,
    );
  });

  it("a block hash gone (more than 256 blocks) counts as audited: waiting never escapes an audit", async () => {
    await setAuditBps(1);
    const { job, c } = await committed();
    await networkHelpers.mine(2);
    const [known, audited] = await o.settlement.read.auditDraw([job.jobId, c]);
    assert.equal(known, true);
    await networkHelpers.mine(300);
    assert.deepEqual(await o.settlement.read.auditDraw([job.jobId, c]), [true, true]);
    await time.increaseTo(BigInt(c.finalAt));
    if (!audited) assert.equal(await o.settlement.read.isFinal([job.jobId, c]), false);
    // the late caller cannot pick the block that draws the auditor: it is the hash of the next one
    await o.settlement.write.drawAudit([job.jobId, c]);
    assert.equal((await o.settlement.read.caseOf([job.jobId])).auditState, AuditState.Deferred);
    assert.equal(await o.settlement.read.isFinal([job.jobId, c]), false);
    await assert.rejects(o.settlement.write.drawAudit([job.jobId, c]), /RandomnessNotReady/);
    await networkHelpers.mine(1);
    await o.settlement.write.drawAudit([job.jobId, c]);
    const k = await o.settlement.read.caseOf([job.jobId]);
    assert.equal(k.auditState, AuditState.Drawn);
    assert.notEqual(getAddress(k.auditor), getAddress(provider.account.address));
  });

  it("an auditor that also challenges is left out of the committee once", async () => {
    await setAuditBps(10_000);
    const { job, c } = await committed(WRONG_OUTPUT);
    const auditor = await drawnAuditor(job.jobId, c);
    await o.stablecoin.write.faucet({ account: auditor.account });
    await o.stablecoin.write.approve([o.settlement.address, maxUint256], { account: auditor.account });
    await o.settlement.write.challenge([job.jobId, c, outputHashOf(OCR_OUTPUT)], { account: auditor.account });
    await audit(job.jobId, auditor, false, outputHashOf(OCR_OUTPUT));
    const { k } = await vote(job.jobId, c, [false, false, false]);
    assert.equal(k.disputeState, DisputeState.Overturned);
    assert.ok(!k.committee.map(getAddress).includes(getAddress(auditor.account.address)));
    // bond back, plus a reward as challenger and one as the disagreeing auditor
    const reward = TEST_OPTIMISTIC_PARAMS.auditorReward;
    assert.equal(
      await o.settlement.read.owed([auditor.account.address]),
      TEST_OPTIMISTIC_PARAMS.challengeBond + 2n * reward,
    );
  });

  it("parameters are governed, validated, and fixed for a job at its commit", async () => {
    await assert.rejects(
      o.settlement.write.setParams([{ ...TEST_OPTIMISTIC_PARAMS, auditBps: 10_000 }], { account: o.stranger.account }),
      /AccessManagedUnauthorized/,
    );
    for (const bad of [
      { committeeSize: 4 },
      { auditBps: 10_001 },
      { auditWindow: 500, revealWindow: 200 },
      { disputeTime: 240 },
      { auditorPenalty: sov("101") },
    ]) {
      await assert.rejects(
        o.settlement.write.setParams([{ ...TEST_OPTIMISTIC_PARAMS, ...bad }], { account: o.deployer.account }),
        /InvalidParams/,
      );
    }
    const { job, c } = await committed();
    await viem.assertions.emit(
      o.settlement.write.setParams([{ ...TEST_OPTIMISTIC_PARAMS, auditBps: 10_000 }], { account: o.deployer.account }),
      o.settlement,
      "ParamsSet",
    );
    assert.equal(await o.settlement.read.currentEpoch(), 2);
    await time.increaseTo(BigInt(c.finalAt));
    await finalize(job, c, OCR_OUTPUT, o.stranger); // committed at auditBps 0: not audited
  });

  it("auditors: registered providers only, a minimum bond, exit then withdraw after their duties", async () => {
    await assert.rejects(
      o.settlement.write.bondAuditor([OCR_MODEL_ID, sov("100")], { account: o.stranger.account }),
      /NotRegistered/,
    );
    await assert.rejects(
      o.settlement.write.bondAuditor([MODEL_ID, sov("100")], { account: provider.account }),
      /NotOptimisticModel/,
    );
    await o.sovraToken.write.approve([o.settlement.address, maxUint256], { account: provider.account });
    await assert.rejects(
      o.settlement.write.bondAuditor([OCR_MODEL_ID, sov("99")], { account: provider.account }),
      /BondTooSmall/,
    );
    await setAuditBps(10_000);
    const other = must(o.providers[1], "provider 2");
    const job = await optimisticJob(o, other, buyer);
    const { commitment: c } = await commitResult(o, other, job, OCR_OUTPUT);
    const auditor = await drawnAuditor(job.jobId, c);
    await o.settlement.write.exitAuditor([OCR_MODEL_ID], { account: auditor.account });
    assert.equal(await o.settlement.read.poolWeight([OCR_MODEL_ID]), 4n * AUDITOR_BOND);
    await assert.rejects(
      o.settlement.write.withdrawBond([OCR_MODEL_ID], { account: auditor.account }),
      /DutiesPending/,
    );
    await audit(job.jobId, auditor, true, c.outputHash);
    const before = await o.sovraToken.read.balanceOf([auditor.account.address]);
    await o.settlement.write.withdrawBond([OCR_MODEL_ID], { account: auditor.account });
    assert.equal(await o.sovraToken.read.balanceOf([auditor.account.address]), before + AUDITOR_BOND);
    await assert.rejects(o.settlement.write.exitAuditor([OCR_MODEL_ID], { account: auditor.account }), /NotRegistered/);
    // a new auditor takes the freed slot; a top-up adds to the draw weight
    await o.settlement.write.bondAuditor([OCR_MODEL_ID, sov("100")], { account: provider.account });
    await o.settlement.write.bondAuditor([OCR_MODEL_ID, sov("50")], { account: provider.account });
    const own = await o.settlement.read.auditorOf([OCR_MODEL_ID, provider.account.address]);
    assert.equal(own.bond, sov("150"));
    assert.ok(own.index >= 1 && own.index <= o.auditors.length);
    assert.equal(await o.settlement.read.poolWeight([OCR_MODEL_ID]), 4n * AUDITOR_BOND + sov("150"));
  });

  it("gas: bid + commit + finalize of a short OCR output; under 200k when the finalize rides on the next commit", async () => {
    // a provider that already settled once (its account word exists), like the zk figure
    const warm = await committed();
    await time.increaseTo(BigInt(warm.c.finalAt));
    await finalize(warm.job, warm.c, OCR_OUTPUT, provider);
    const job = await optimisticJob(o, provider, buyer);
    const { commitment: c, receipt } = await commitResult(o, provider, job, OCR_OUTPUT);
    await time.increaseTo(BigInt(c.finalAt));
    const fin = await finalize(job, c, OCR_OUTPUT, provider);
    const single = job.bidGas + receipt.gasUsed + fin.receipt.gasUsed;
    const note = hre.globalOptions.coverage === true ? " (bytecode instrumented by coverage)" : "";
    console.log(
      `optimistic job gas${note}, alone: placeBid ${job.bidGas} + commit ${receipt.gasUsed} + finalize ${fin.receipt.gasUsed} = ${single}`,
    );
    // coverage instruments the bytecode: the figures mean something only without it
    const measured = note === "";
    if (measured) assert.ok(single < 210_000n, `gas ${single}`);

    // streamed: the node commits the next job and finalizes a final one in the same transaction
    const first = await committed();
    await time.increaseTo(BigInt(first.c.finalAt));
    await networkHelpers.mine(1);
    const next = await optimisticJob(o, provider, buyer);
    const calls = [
      encodeFunctionData({
        abi: o.settlement.abi,
        functionName: "finalize",
        args: [first.job.jobId, first.job.terms, OCR_OUTPUT, first.c],
      }),
      encodeFunctionData({ abi: o.settlement.abi, functionName: "commit", args: [next.jobId, next.terms, OCR_OUTPUT] }),
    ];
    const hash = await o.settlement.write.multicall([calls], { account: provider.account });
    const both = await settlementEvents(o, hash);
    assert.equal(await o.market.read.jobStatus([first.job.jobId]), JobStatus.Settled);
    assert.ok(both.events.some((e) => e.eventName === "ResultCommitted" && e.args.jobId === next.jobId));
    const streamed = next.bidGas + both.receipt.gasUsed;
    console.log(
      `optimistic job gas${note}, streamed: placeBid ${next.bidGas} + commit and finalize ${both.receipt.gasUsed} = ${streamed}`,
    );
    if (measured) assert.ok(streamed < 200_000n, `gas ${streamed}`);
  });
});
