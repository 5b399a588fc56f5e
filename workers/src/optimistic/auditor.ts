// Audit and committee duty (`sovra-provider run --audit`): a bonded provider re-executes other providers' jobs when
// it is drawn, answers by commit-reveal (its salted answer kept in Redis first, so a restart can still reveal), and
// moves disputes along (draws a dispute's committee, resolves it after the reveal phase). Every transaction goes
// through the node's submit queue: one signer, one nonce order.
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { bytesToHex, type Address, type Hex, type PublicClient } from "viem";
import { outputHashOf, voteHash } from "@sovra/contracts";
import { createPoller } from "../chain/poller.ts";
import { optimisticSettlementAbi, spotMarketAbi } from "../chain/abis.ts";
import { fetchInput } from "../inputs/client.ts";
import { checkCidInputRef, decodeCidInputRef } from "../inputs/ref.ts";
import type { Logger } from "../logger.ts";
import type { SubmitData } from "../pipeline/jobs.ts";
import type { Queues } from "../pipeline/runtime.ts";
import { agreesWith } from "./compare.ts";
import { OPTIMISTIC_MODELS, type OptimisticModelName } from "./models.ts";
import { outputWords } from "./output-words.ts";
import type { OptimisticRunner } from "./runner.ts";

// IOptimisticSettlement's AuditState.Drawn and DisputeState values.
const AUDIT_DRAWN = 2;
const DISPUTE = { Pending: 1, Voting: 2 } as const;

type Duty = { kind: "audit" | "vote"; jobId: bigint; settlement: Address; model: OptimisticModelName };
type Dispute = { jobId: bigint; settlement: Address; model: OptimisticModelName; openedAt: bigint };
type Answer = { agrees: boolean; outputHash: Hex; salt: Hex };

export type AuditorOptions = {
  client: PublicClient;
  redis: Redis;
  chainId: number;
  me: Address;
  market: Address;
  served: readonly { model: OptimisticModelName; settlement: Address; runner: OptimisticRunner }[];
  queues: Pick<Queues, "submit">;
  startBlock: bigint;
  logRange: number;
  fetchTimeoutMs?: number;
  logger?: Logger;
};

export type Auditor = { tick(): Promise<void>; start(intervalMs: number): void; stop(): Promise<void> };

export function createAuditor(options: AuditorOptions): Auditor {
  const { client, redis, me, logger } = options;
  const duties = new Map<string, Duty>();
  const disputes = new Map<string, Dispute>();
  let scanned = options.startBlock - 1n;
  const answerKey = (d: Duty) => `sovra:answer:${options.chainId}:${d.settlement.toLowerCase()}:${d.jobId}:${d.kind}`;

  async function scan(head: bigint): Promise<void> {
    const range = BigInt(options.logRange);
    for (let from = scanned + 1n; from <= head; from += range) {
      const to = from + range - 1n < head ? from + range - 1n : head;
      for (const { model, settlement } of options.served) {
        const window = {
          address: settlement,
          abi: optimisticSettlementAbi,
          fromBlock: from,
          toBlock: to,
          strict: true,
        } as const;
        const [audits, committees, opened] = await Promise.all([
          client.getContractEvents({ ...window, eventName: "AuditDrawn", args: { auditor: me } }),
          client.getContractEvents({ ...window, eventName: "CommitteeDrawn" }),
          client.getContractEvents({ ...window, eventName: "DisputeOpened" }),
        ]);
        for (const log of audits)
          if (log.args.auditor.toLowerCase() === me.toLowerCase())
            duties.set(`audit:${settlement}:${log.args.jobId}`, {
              kind: "audit",
              jobId: log.args.jobId,
              settlement,
              model,
            });
        for (const log of committees)
          if (log.args.committee.some((member) => member.toLowerCase() === me.toLowerCase()))
            duties.set(`vote:${settlement}:${log.args.jobId}`, {
              kind: "vote",
              jobId: log.args.jobId,
              settlement,
              model,
            });
        for (const log of opened)
          disputes.set(`${settlement}:${log.args.jobId}`, {
            jobId: log.args.jobId,
            settlement,
            model,
            openedAt: log.blockNumber,
          });
      }
      scanned = to;
    }
  }

  async function enqueue(id: string, data: SubmitData): Promise<void> {
    const existing = await options.queues.submit.getJob(id);
    if (existing !== undefined) {
      if (await existing.isFailed()) await existing.retry();
      return;
    }
    await options.queues.submit.add("submit", data, { jobId: id });
  }

  /** Re-executes the job from the input its bid names and compares with the committed result. */
  async function answer(duty: Duty): Promise<Answer> {
    const stored = await redis.get(answerKey(duty));
    if (stored !== null) return JSON.parse(stored) as Answer;
    const [bids, commits] = await Promise.all([
      client.getContractEvents({
        address: options.market,
        abi: spotMarketAbi,
        eventName: "BidPlaced",
        args: { orderId: duty.jobId },
        fromBlock: options.startBlock,
        strict: true,
      }),
      client.getContractEvents({
        address: duty.settlement,
        abi: optimisticSettlementAbi,
        eventName: "ResultCommitted",
        args: { jobId: duty.jobId },
        fromBlock: options.startBlock,
        strict: true,
      }),
    ]);
    const bid = bids.find((l) => l.args.orderId === duty.jobId);
    const committed = commits.find((l) => l.args.jobId === duty.jobId);
    if (bid === undefined || committed === undefined) throw new Error(`job ${duty.jobId}: bid or commit not found`);
    const runner = options.served.find((s) => s.settlement === duty.settlement)?.runner;
    if (runner === undefined) throw new Error(`job ${duty.jobId}: model ${duty.model} not served`);
    const ref = decodeCidInputRef(bid.args.inputRef);
    checkCidInputRef(ref, bid.args.inputHash);
    const input = await fetchInput(ref.urls, ref.cid, {
      maxBytes: OPTIMISTIC_MODELS[duty.model].input.maxBytes,
      timeoutMs: options.fetchTimeoutMs ?? 30_000,
    });
    const run = await runner.run(input.bytes);
    const agrees = agreesWith(duty.model, run.canonical, committed.args.output);
    const result: Answer = {
      agrees,
      outputHash: outputHashOf(outputWords(run.canonical)),
      salt: bytesToHex(randomBytes(32)),
    };
    // Kept before the commit is sent: the reveal needs the same salt, after a restart too.
    await redis.set(answerKey(duty), JSON.stringify(result), "EX", 30 * 24 * 3600);
    logger?.info(
      {
        jobId: duty.jobId.toString(),
        model: duty.model,
        duty: duty.kind,
        agrees,
        device: run.device,
        ms: Math.round(run.ms),
      },
      "re-executed for duty",
    );
    return result;
  }

  async function advanceDuty(key: string, duty: Duty, now: bigint): Promise<void> {
    const view = await client.readContract({
      address: duty.settlement,
      abi: optimisticSettlementAbi,
      functionName: "caseOf",
      args: [duty.jobId],
    });
    const base = { jobId: duty.jobId.toString(), model: duty.model, settlement: duty.settlement };
    const id = (call: string) => `duty-${call}-${duty.settlement.slice(2, 10)}-${duty.jobId}`;
    if (duty.kind === "audit") {
      if (view.auditState !== AUDIT_DRAWN || now > BigInt(view.auditRevealBy)) {
        duties.delete(key);
        return;
      }
      const a = await answer(duty);
      if (now <= BigInt(view.auditCommitBy))
        await enqueue(id("auditCommit"), {
          action: "duty",
          ...base,
          call: "auditCommit",
          voteHash: voteHash(duty.jobId, a.agrees, a.outputHash, a.salt, me),
        });
      // Same queue, in order: the reveal lands after the commit.
      await enqueue(id("auditReveal"), { action: "duty", ...base, call: "auditReveal", ...a });
      return;
    }
    if (view.disputeState !== DISPUTE.Voting || now > BigInt(view.voteRevealBy)) {
      duties.delete(key);
      return;
    }
    const a = await answer(duty);
    if (now <= BigInt(view.voteCommitBy))
      await enqueue(id("voteCommit"), {
        action: "duty",
        ...base,
        call: "voteCommit",
        voteHash: voteHash(duty.jobId, a.agrees, a.outputHash, a.salt, me),
      });
    // Reveals open only after the commit phase.
    else await enqueue(id("voteReveal"), { action: "duty", ...base, call: "voteReveal", ...a });
  }

  async function advanceDispute(key: string, dispute: Dispute, head: bigint, now: bigint): Promise<void> {
    const view = await client.readContract({
      address: dispute.settlement,
      abi: optimisticSettlementAbi,
      functionName: "caseOf",
      args: [dispute.jobId],
    });
    const base = {
      action: "duty",
      jobId: dispute.jobId.toString(),
      model: dispute.model,
      settlement: dispute.settlement,
    } as const;
    const id = (call: string) => `duty-${call}-${dispute.settlement.slice(2, 10)}-${dispute.jobId}`;
    if (view.disputeState === DISPUTE.Pending && head > dispute.openedAt + 1n)
      await enqueue(id("drawCommittee"), { ...base, call: "drawCommittee" });
    else if (view.disputeState === DISPUTE.Voting && now > BigInt(view.voteRevealBy))
      await enqueue(id("resolve"), { ...base, call: "resolve" });
    else if (view.disputeState !== DISPUTE.Pending && view.disputeState !== DISPUTE.Voting) disputes.delete(key);
  }

  async function tick(): Promise<void> {
    const block = await client.getBlock({ blockTag: "latest" });
    await scan(block.number);
    for (const [key, duty] of [...duties]) {
      if (poller.stopped) return;
      await advanceDuty(key, duty, block.timestamp).catch((error: unknown) =>
        logger?.warn({ jobId: duty.jobId.toString(), err: (error as Error).message }, "duty not advanced; retrying"),
      );
    }
    for (const [key, dispute] of [...disputes]) {
      if (poller.stopped) return;
      await advanceDispute(key, dispute, block.number, block.timestamp);
    }
  }

  const poller = createPoller(tick, (error) =>
    logger?.error({ err: (error as Error).message }, "audit pass failed; retrying"),
  );

  return {
    tick,
    start: poller.start,
    stop: poller.stop,
  };
}
