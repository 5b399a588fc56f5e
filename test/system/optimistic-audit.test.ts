// The optimistic tier's audit path, on a deployment where every commit is audited (auditBps 10000, a test deploy
// parameter): a bonded auditor node (`sovra-provider run --audit`) is drawn, re-executes the job from its input,
// answers by commit-reveal and agrees, and the job is final and paid; an auditor that never answers is penalised by
// the provider's node and the job still finalizes.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { optimisticSettlementAbi } from "@sovra/contracts";
import { localAccount } from "@sovra/deploy";
import { createInputStore, startGateway, type Gateway } from "@sovra/workers";
import { renderTextPng } from "../../workers/test/optimistic-fixtures.ts";
import {
  buyerBin,
  cliJson,
  modelsDir,
  nodeReady,
  placeAsk,
  providerBin,
  registerProvider,
  runCli,
  startNode,
  startSystem,
  testClient,
  until,
  type CliResult,
  type NodeProcess,
  type System,
} from "../support/system.ts";

describe("optimistic tier: every commit audited", () => {
  let sys: System;
  let gateway: Gateway;
  let inputsDir: string;
  let config: string;
  let auditorNode: NodeProcess;
  const auditor = localAccount(3);
  const settlement = () => {
    const entry = sys.deployment.models.find((m) => m.name === "ocr");
    if (entry === undefined) throw new Error("ocr not deployed");
    return entry.verifier;
  };

  beforeAll(async () => {
    sys = await startSystem({ optimisticAuditBps: 10_000 });
    inputsDir = await mkdtemp(path.join(tmpdir(), "sovra-inputs-"));
    gateway = await startGateway({
      dir: modelsDir,
      inputs: { store: createInputStore({ dir: inputsDir, maxTotalBytes: 64 * 1024 * 1024 }) },
    });
    await registerProvider(sys, { stake: "2500" });
    await placeAsk(sys, { model: "ocr", price: "0.05", capacity: 10 });
    config = await sys.writeConfig({ models: ["ocr"], name: "provider" });
    const auditorConfig = await sys.writeConfig({ models: ["ocr"], name: "auditor", redisUrl: `${sys.redis.url}/1` });
    const report = path.join(sys.dir, "auditor-report.json");
    await cliJson(
      providerBin,
      ["--config", auditorConfig, "benchmark", "--no-models", "--seconds", "0.2", "--size", "128", "-o", report],
      { account: auditor },
    );
    await cliJson(providerBin, ["--config", auditorConfig, "register", "-r", report, "--region", "eu-west"], {
      account: auditor,
    });
    const bonded = await cliJson<{ bond: string }>(
      providerBin,
      ["--config", auditorConfig, "audit-bond", "--model", "ocr"],
      { account: auditor },
    );
    expect(bonded.bond).toBe("100");
    const node = startNode({ config, account: sys.provider });
    auditorNode = startNode({ config: auditorConfig, account: auditor, args: ["--audit"] });
    await Promise.all([nodeReady(node), nodeReady(auditorNode)]);
  });

  afterAll(async () => {
    await gateway?.close();
    await sys?.stop();
    if (inputsDir !== undefined) await rm(inputsDir, { recursive: true, force: true });
  });

  function bid(file: string): Promise<CliResult> {
    return runCli(
      buyerBin,
      ["--config", config, "bid", "--model", "ocr", "--input", file, "--max-price", "0.05", "--gateway", gateway.url],
      { account: sys.buyer, timeoutMs: 280_000 },
    );
  }

  /** The job's commit, then its audit draw: the draw reads the block after the commit, so blocks are mined. */
  async function committedAndDrawn(from: bigint) {
    const commit = await until(
      async () =>
        (
          await sys.client.getContractEvents({
            address: settlement(),
            abi: optimisticSettlementAbi,
            eventName: "ResultCommitted",
            fromBlock: from,
            strict: true,
          })
        )[0],
      240_000,
      "commit",
    );
    const drawn = await until(
      async () => {
        const logs = await sys.client.getContractEvents({
          address: settlement(),
          abi: optimisticSettlementAbi,
          eventName: "AuditDrawn",
          args: { jobId: commit.args.jobId },
          fromBlock: from,
          strict: true,
        });
        if (logs[0] !== undefined) return logs[0];
        await testClient(sys).mine({ blocks: 1 });
        return undefined;
      },
      240_000,
      "audit drawn",
    );
    return { commit, drawn };
  }

  async function passWindow(finalAt: number): Promise<void> {
    const block = await sys.client.getBlock();
    const gap = BigInt(finalAt) - block.timestamp + 1n;
    if (gap > 0n) await testClient(sys).increaseTime({ seconds: Number(gap) });
    await testClient(sys).mine({ blocks: 2 });
  }

  it("the drawn auditor re-executes the job, agrees by commit-reveal, and the job is final and paid", async () => {
    const text = "Audited page 7";
    const file = path.join(sys.dir, "audited.png");
    await writeFile(file, renderTextPng([text]));
    // Uncached: a block number viem remembers from the previous test would find that test's commit first.
    const from = await sys.client.getBlockNumber({ cacheTime: 0 });
    const running = bid(file);
    const { commit, drawn } = await committedAndDrawn(from);
    expect(drawn.args.auditor.toLowerCase()).toBe(auditor.address.toLowerCase());
    const revealed = await until(
      async () =>
        (
          await sys.client.getContractEvents({
            address: settlement(),
            abi: optimisticSettlementAbi,
            eventName: "AuditRevealed",
            args: { jobId: commit.args.jobId },
            fromBlock: from,
            strict: true,
          })
        )[0],
      240_000,
      "audit revealed",
    );
    expect(revealed.args.agrees).toBe(true);
    expect(revealed.args.outputHash).toBe(commit.args.commitment.outputHash);
    await passWindow(commit.args.commitment.finalAt);
    const result = await running;
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as { outcome: string; output: string };
    expect(out.outcome).toBe("final");
    expect(out.output).toBe(text);
  });

  it("an auditor that never answers is penalised by the provider's node, and the job still finalizes", async () => {
    await auditorNode.stop();
    const file = path.join(sys.dir, "silent.png");
    await writeFile(file, renderTextPng(["Nobody audits this"]));
    const from = await sys.client.getBlockNumber({ cacheTime: 0 });
    const running = bid(file);
    const { commit, drawn } = await committedAndDrawn(from);
    expect(drawn.args.auditor.toLowerCase()).toBe(auditor.address.toLowerCase());
    // The challenge window (300 s) outlasts the audit's commit and reveal windows (60 + 60 s).
    await passWindow(commit.args.commitment.finalAt);
    const result = await running;
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { outcome: string }).outcome).toBe("final");
    const penalized = await sys.client.getContractEvents({
      address: settlement(),
      abi: optimisticSettlementAbi,
      eventName: "AuditorPenalized",
      args: { jobId: commit.args.jobId },
      fromBlock: from,
      strict: true,
    });
    expect(penalized[0]?.args.auditor.toLowerCase()).toBe(auditor.address.toLowerCase());
    expect(penalized[0]?.args.amount).toBe(10n * 10n ** 18n);
  });
});
