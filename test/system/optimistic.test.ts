// The optimistic tier end to end on the real chain, Redis and provider node processes with the real models
// (PP-OCRv4, Silero VAD): the buyer CLI uploads the input to a gateway by content hash and bids with its CID
// commitment; the node fetches it, runs the model and commits; the CLI prints the answer provisional at commit and
// again when final. Time moves with evm_increaseTime (no waiting for windows). A node killed between commit and
// finality finalizes after a restart, from the chain's events.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { optimisticSettlementAbi, sovraTokenAbi, spotMarketAbi, testStablecoinAbi } from "@sovra/contracts";
import { localAccount } from "@sovra/deploy";
import { type Address, keccak256, parseEventLogs, toHex } from "viem";
import type { HDAccount } from "viem/accounts";
import { cidOf, createInputStore, encodeCidInputRef, inputHashOfCid, startGateway, type Gateway } from "@sovra/workers";
import { approveMarket } from "../support/jobs.ts";
import { renderTextPng, speechAudio, speechClip } from "../../workers/test/optimistic-fixtures.ts";
import {
  buyerBin,
  cliJson,
  modelsDir,
  providerBin,
  nodeReady,
  placeAsk,
  registerProvider,
  runCli,
  startNode,
  startSystem,
  testClient,
  until,
  wallet,
  type CliResult,
  type NodeProcess,
  type System,
} from "../support/system.ts";

type BidJson = { jobId: string; outcome: string; output: string | null; paid: string; provider: string };

describe("optimistic tier: OCR and VAD jobs through the provider node and the buyer CLI", () => {
  let sys: System;
  let gateway: Gateway;
  let inputsDir: string;
  let config: string;
  let node: NodeProcess;
  const settlementOf = (model: string) => {
    const entry = sys.deployment.models.find((m) => m.name === model);
    if (entry === undefined) throw new Error(`${model} not deployed`);
    return entry.verifier;
  };

  beforeAll(async () => {
    sys = await startSystem();
    inputsDir = await mkdtemp(path.join(tmpdir(), "sovra-inputs-"));
    gateway = await startGateway({
      dir: modelsDir,
      inputs: { store: createInputStore({ dir: inputsDir, maxTotalBytes: 64 * 1024 * 1024 }) },
    });
    await registerProvider(sys, { stake: "2500" });
    await placeAsk(sys, { model: "ocr", price: "0.05", capacity: 10 });
    await placeAsk(sys, { model: "vad", price: "0.05", capacity: 10 });
    config = await sys.writeConfig({ models: ["ocr", "vad"], name: "optimistic" });
    node = startNode({ config, account: sys.provider });
    await nodeReady(node);
  });

  afterAll(async () => {
    await gateway?.close();
    await sys?.stop();
    if (inputsDir !== undefined) await rm(inputsDir, { recursive: true, force: true });
  });

  /**
   * Two auditors (accounts #3 and #4), registered and bonded for ocr, each node on its own Redis database (its own
   * queues); started once for the tests that need a committee. Two, so that whichever way a lie is found (a drawn
   * auditor disagreeing, or a challenge) a committee member is left who is neither the provider, the challenger
   * nor the auditor.
   */
  let auditorsReady: Promise<HDAccount[]> | undefined;
  function ensureAuditors(): Promise<HDAccount[]> {
    auditorsReady ??= (async () => {
      const auditors = [localAccount(3), localAccount(4)];
      await wallet(sys, sys.provider).writeContract({
        address: sys.deployment.contracts.sovraToken,
        abi: sovraTokenAbi,
        functionName: "transfer",
        args: [auditors[1]?.address ?? sys.provider.address, 1_000n * 10n ** 18n],
      });
      const nodes: NodeProcess[] = [];
      for (const [i, auditor] of auditors.entries()) {
        const auditorConfig = await sys.writeConfig({
          models: ["ocr"],
          name: `auditor-${i}`,
          redisUrl: `${sys.redis.url}/${i + 1}`,
        });
        const report = path.join(sys.dir, `auditor-${i}-report.json`);
        await cliJson(
          providerBin,
          ["--config", auditorConfig, "benchmark", "--no-models", "--seconds", "0.2", "--size", "128", "-o", report],
          { account: auditor },
        );
        await cliJson(providerBin, ["--config", auditorConfig, "register", "-r", report, "--region", "eu-west"], {
          account: auditor,
        });
        await cliJson(providerBin, ["--config", auditorConfig, "audit-bond", "--model", "ocr"], { account: auditor });
        nodes.push(startNode({ config: auditorConfig, account: auditor, args: ["--audit"] }));
      }
      await Promise.all(nodes.map(nodeReady));
      return auditors;
    })();
    return auditorsReady;
  }

  /** Mines until the auditor nodes have drawn the dispute's committee, waits for every vote, then resolves. */
  async function committeeVotes(settlement: Address, jobId: bigint, from: bigint, side: "upheld" | "overturned") {
    const caseOf = () =>
      sys.client.readContract({
        address: settlement,
        abi: optimisticSettlementAbi,
        functionName: "caseOf",
        args: [jobId],
      });
    const voting = await until(
      async () => {
        const view = await caseOf();
        if (view.disputeState >= 2) return view;
        await testClient(sys).mine({ blocks: 1 });
        return undefined;
      },
      240_000,
      "committee drawn",
    );
    await until(
      async () => {
        const logs = await sys.client.getContractEvents({
          address: settlement,
          abi: optimisticSettlementAbi,
          eventName: "VoteCommitted",
          args: { jobId },
          fromBlock: from,
        });
        // Every member must answer: a silent one leaves the vote without a quorum.
        return logs.length >= voting.committee.length ? logs : undefined;
      },
      240_000,
      "committee votes committed",
    );
    // Reveals open after the commit phase; the dispute resolves after the reveal phase.
    const block = await sys.client.getBlock();
    await testClient(sys).increaseTime({ seconds: Number(BigInt(voting.voteCommitBy) - block.timestamp + 1n) });
    await testClient(sys).mine({ blocks: 1 });
    await until(
      async () => {
        const view = await caseOf();
        const votes = side === "upheld" ? view.votesUpheld : view.votesOverturned;
        return votes >= voting.committee.length ? true : undefined;
      },
      240_000,
      "committee votes revealed",
    );
    const span = BigInt(voting.voteRevealBy) - BigInt(voting.voteCommitBy) + 1n;
    await testClient(sys).increaseTime({ seconds: Number(span) });
    await testClient(sys).mine({ blocks: 1 });
    const resolved = await until(
      async () => {
        const logs = await sys.client.getContractEvents({
          address: settlement,
          abi: optimisticSettlementAbi,
          eventName: "DisputeResolved",
          args: { jobId },
          fromBlock: from,
          strict: true,
        });
        return logs[0];
      },
      240_000,
      "dispute resolved",
    );
    return { voting, resolved };
  }

  /** Waits for the node's commit of the next job on `model`'s settlement after `fromBlock`. */
  async function nextCommit(model: string, fromBlock: bigint) {
    return until(
      async () => {
        const logs = await sys.client.getContractEvents({
          address: settlementOf(model),
          abi: optimisticSettlementAbi,
          eventName: "ResultCommitted",
          fromBlock,
          strict: true,
        });
        return logs[0];
      },
      240_000,
      `${model} commit`,
    );
  }

  /**
   * Moves chain time past the commit's challenge window and mines two blocks: the audit draw reads the hash of the
   * block after the commit, which a call sees only once a later block exists (Hardhat mines only on transactions).
   */
  async function passChallengeWindow(finalAt: number): Promise<void> {
    const block = await sys.client.getBlock();
    const gap = BigInt(finalAt) - block.timestamp + 1n;
    if (gap > 0n) await testClient(sys).increaseTime({ seconds: Number(gap) });
    await testClient(sys).mine({ blocks: 2 });
  }

  function bid(model: string, input: string, extra: string[] = []): Promise<CliResult> {
    return runCli(
      buyerBin,
      [
        "--config",
        config,
        "bid",
        "--model",
        model,
        "--input",
        input,
        "--max-price",
        "0.05",
        "--gateway",
        gateway.url,
        ...extra,
      ],
      { account: sys.buyer, timeoutMs: 280_000 },
    );
  }

  it("an honest OCR job: the text is printed at commit (provisional) and again when final, and the provider is paid", async () => {
    const text = "Sovra reads this page";
    const file = path.join(sys.dir, "page.png");
    await writeFile(file, renderTextPng([text]));
    // Uncached: a block number viem remembers from the previous test would find that test's commit first.
    const from = await sys.client.getBlockNumber({ cacheTime: 0 });
    const owedBefore = await sys.client.readContract({
      address: sys.market,
      abi: spotMarketAbi,
      functionName: "owed",
      args: [sys.provider.address],
    });
    const running = bid("ocr", file);
    const commit = await nextCommit("ocr", from);
    await passChallengeWindow(commit.args.commitment.finalAt);
    const result = await running;
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as BidJson;
    expect(out.outcome).toBe("final");
    expect(out.output).toBe(text);
    expect(result.stderr).toContain(`committed (provisional`);
    expect(result.stderr).toContain(`final: ${text}`);
    const owedAfter = await sys.client.readContract({
      address: sys.market,
      abi: spotMarketAbi,
      functionName: "owed",
      args: [sys.provider.address],
    });
    expect(owedAfter).toBeGreaterThan(owedBefore);
    const committedLog = node.logs.find((l) => l.msg === "inference done" && l.jobId === out.jobId);
    expect(committedLog?.device).toBe("cpu");
  });

  it("an honest VAD job finalized by a node restarted between its commit and finality", async () => {
    const { wav, placement } = speechAudio([600, speechClip("front-center"), 900]);
    const file = path.join(sys.dir, "speech.wav");
    await writeFile(file, wav);
    const from = await sys.client.getBlockNumber({ cacheTime: 0 });
    const running = bid("vad", file);
    const commit = await nextCommit("vad", from);
    // The node goes away with the job committed and not final: what it committed is on the chain only.
    await node.stop();
    await passChallengeWindow(commit.args.commitment.finalAt);
    node = startNode({ config, account: sys.provider });
    await nodeReady(node);
    const result = await running;
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as BidJson;
    expect(out.outcome).toBe("final");
    // The clip holds two words: one or two segments, inside the clip give or take the model's padding.
    const segments = JSON.parse(out.output ?? "null") as [number, number][];
    expect(segments.length).toBeGreaterThanOrEqual(1);
    const spoken = placement[0] as { startMs: number; endMs: number };
    expect((segments[0] as [number, number])[0]).toBeGreaterThan(spoken.startMs - 200);
    expect((segments[0] as [number, number])[0]).toBeLessThan(spoken.startMs + 300);
    expect((segments.at(-1) as [number, number])[1]).toBeGreaterThan(spoken.endMs - 300);
    expect((segments.at(-1) as [number, number])[1]).toBeLessThan(spoken.endMs + 300);
    await node.waitForLog((l) => l.msg === "finalized" && l.jobId === out.jobId, 60_000);
  });

  it("a provider committing wrong text is caught by the buyer's --verify: the committee overturns it, the job expires, the buyer is refunded and the provider slashed", async () => {
    const auditors = await ensureAuditors();
    // The provider now lies: the same account's node, restarted with --cheat-output.
    await node.stop();
    node = startNode({ config, account: sys.provider, args: ["--cheat-output"] });
    await nodeReady(node);

    const text = "The committee reads this too";
    const file = path.join(sys.dir, "cheat.png");
    await writeFile(file, renderTextPng([text]));
    const settlement = settlementOf("ocr");
    const from = await sys.client.getBlockNumber({ cacheTime: 0 });
    const owedBefore = await sys.client.readContract({
      address: sys.market,
      abi: spotMarketAbi,
      functionName: "owed",
      args: [sys.buyer.address],
    });
    const running = bid("ocr", file, ["--verify"]);
    const commit = await nextCommit("ocr", from);
    const jobId = commit.args.jobId;
    const { voting, resolved } = await committeeVotes(settlement, jobId, from, "overturned");
    const bonded = auditors.map((a) => a.address.toLowerCase());
    for (const member of voting.committee) expect(bonded).toContain(member.toLowerCase());
    expect(resolved.args.overturned).toBe(true);
    // The overturned result can never settle: past the deadline the CLI expires the job.
    const terms = await sys.client.getContractEvents({
      address: sys.market,
      abi: spotMarketAbi,
      eventName: "BidPlaced",
      args: { orderId: jobId },
      fromBlock: from,
      strict: true,
    });
    const deadline = (terms[0] as (typeof terms)[number]).args.deadline;
    const now = (await sys.client.getBlock()).timestamp;
    await testClient(sys).increaseTime({ seconds: Number(deadline - now + 1n) });
    await testClient(sys).mine({ blocks: 1 });
    const result = await running;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("verify: re-executed here, a different result");
    const out = JSON.parse(result.stdout) as BidJson & { challenged: boolean };
    expect(out.outcome).toBe("expired");
    expect(out.challenged).toBe(true);
    const expired = await sys.client.getContractEvents({
      address: sys.market,
      abi: spotMarketAbi,
      eventName: "JobExpired",
      args: { jobId },
      fromBlock: from,
      strict: true,
    });
    expect((expired[0] as (typeof expired)[number]).args.slashed).toBeGreaterThan(0n);
    const owedAfter = await sys.client.readContract({
      address: sys.market,
      abi: spotMarketAbi,
      functionName: "owed",
      args: [sys.buyer.address],
    });
    expect(owedAfter).toBeGreaterThan(owedBefore);
    // The challenger's bond comes back with a reward.
    const bondBack = await sys.client.readContract({
      address: settlement,
      abi: optimisticSettlementAbi,
      functionName: "owed",
      args: [sys.buyer.address],
    });
    expect(bondBack).toBeGreaterThan(0n);
  });

  it("a false challenge loses its bond: the committee upholds the honest result, which finalizes and is paid", async () => {
    await ensureAuditors();
    await node.stop();
    node = startNode({ config, account: sys.provider });
    await nodeReady(node);
    const text = "Nothing wrong with this page";
    const file = path.join(sys.dir, "honest.png");
    await writeFile(file, renderTextPng([text]));
    const settlement = settlementOf("ocr");
    const from = await sys.client.getBlockNumber({ cacheTime: 0 });
    const running = bid("ocr", file);
    const commit = await nextCommit("ocr", from);
    const { jobId, commitment } = commit.args;
    const params = await sys.client.readContract({
      address: settlement,
      abi: optimisticSettlementAbi,
      functionName: "paramsAt",
      args: [commitment.epoch],
    });
    const token = sys.deployment.contracts.paymentToken;
    const balance = () =>
      sys.client.readContract({
        address: token,
        abi: testStablecoinAbi,
        functionName: "balanceOf",
        args: [sys.buyer.address],
      });
    const owed = () =>
      sys.client.readContract({
        address: settlement,
        abi: optimisticSettlementAbi,
        functionName: "owed",
        args: [sys.buyer.address],
      });
    const [balanceBefore, owedBefore] = await Promise.all([balance(), owed()]);
    const challenger = wallet(sys, sys.buyer);
    await sys.client.waitForTransactionReceipt({
      hash: await challenger.writeContract({
        address: token,
        abi: testStablecoinAbi,
        functionName: "approve",
        args: [settlement, params.challengeBond],
      }),
    });
    await sys.client.waitForTransactionReceipt({
      hash: await challenger.writeContract({
        address: settlement,
        abi: optimisticSettlementAbi,
        functionName: "challenge",
        args: [jobId, commitment, keccak256(toHex("not what the page says"))],
      }),
    });
    const { resolved } = await committeeVotes(settlement, jobId, from, "upheld");
    expect(resolved.args.overturned).toBe(false);
    await passChallengeWindow(commitment.finalAt);
    const result = await running;
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as BidJson;
    expect(out.outcome).toBe("final");
    expect(out.output).toBe(text);
    // The bond went to the committee that upheld the result: nothing comes back to the challenger.
    expect(await balance()).toBe(balanceBefore - params.challengeBond);
    expect(await owed()).toBe(owedBefore);
  });

  it("an input its gateway does not have is declined before the deadline: refund, no slash", async () => {
    const market = sys.deployment.markets.find((m) => m.model === "ocr");
    if (market === undefined) throw new Error("no ocr market");
    const bytes = renderTextPng(["never uploaded"]);
    const cid = cidOf(bytes);
    const inputRef = encodeCidInputRef({ cid, mediaType: "image/png", urls: [gateway.url] });
    const info = await sys.client.readContract({
      address: sys.market,
      abi: spotMarketAbi,
      functionName: "marketOf",
      args: [market.marketId],
    });
    await approveMarket(sys, sys.buyer);
    await testClient(sys).mine({ blocks: 1 });
    const now = (await sys.client.getBlock()).timestamp;
    const hash = await wallet(sys, sys.buyer).writeContract({
      address: sys.market,
      abi: spotMarketAbi,
      functionName: "placeBid",
      args: [market.marketId, 50, inputHashOfCid(cid), inputRef, now + BigInt(info.params.minJobWindow) + 120n, false],
    });
    const receipt = await sys.client.waitForTransactionReceipt({ hash });
    const placed = parseEventLogs({ abi: spotMarketAbi, eventName: "BidPlaced", logs: receipt.logs })[0];
    const jobId = placed?.args.orderId ?? 0n;
    expect(jobId).toBeGreaterThan(0n);
    await until(
      async () =>
        (await sys.client.readContract({
          address: sys.market,
          abi: spotMarketAbi,
          functionName: "jobStatus",
          args: [jobId],
        })) === 4
          ? true
          : undefined,
      120_000,
      "job declined",
    );
    const line = await node.waitForLog(
      (l) => l.jobId === jobId.toString() && String(l.msg).startsWith("input unavailable"),
    );
    expect(String(line.reason)).toContain("HTTP 404");
  });
});
