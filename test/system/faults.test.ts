// Faults a provider node must survive without losing a job or delivering one twice: SIGKILL at exact points
// (through the test-only SOVRA_TEST_CRASH_AT hook), Redis restarted mid-run, the RPC endpoint unreachable for a
// while. And a provider that stays offline: its job expires, the buyer is refunded, the collateral slashed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localAccount, startLocalRedis } from "@sovra/deploy";
import { heldOutDigit } from "../support/digits.ts";
import { approveMarket, expireJob, jobStatus, passDeadline, placeBid, termsOf, type PlacedBid } from "../support/jobs.ts";
import { startRpcProxy } from "../support/proxy.ts";
import {
  nodeReady,
  placeAsk,
  registerProvider,
  settledCount,
  sleep,
  snapshot,
  startNode,
  startSystem,
  treasuryOf,
  until,
  type NodeProcess,
  type System,
} from "../support/system.ts";

const CLOSED = 2;

describe("provider node faults", () => {
  let sys: System;
  let config: string;
  const running = new Set<NodeProcess>();
  let digitIndex = 0;
  const nextDigit = () => heldOutDigit(digitIndex % 10, Math.floor(digitIndex++ / 10));

  const node = (env: NodeJS.ProcessEnv = {}, cfg = config): NodeProcess => {
    const started = startNode({ config: cfg, account: sys.provider, env });
    running.add(started);
    void started.exited.then(() => running.delete(started));
    return started;
  };

  const settledOnce = async (jobId: bigint): Promise<void> => {
    await until(async () => ((await jobStatus(sys, jobId)) === CLOSED ? true : undefined), 180_000, `job ${jobId} closed`);
    expect(await settledCount(sys, jobId)).toBe(1);
  };

  beforeAll(async () => {
    sys = await startSystem();
    await registerProvider(sys, { stake: "1000" });
    await placeAsk(sys, { price: "0.05", capacity: 20 });
    await approveMarket(sys, sys.buyer);
    config = await sys.writeConfig({ name: "node" });
  });

  afterAll(async () => {
    await Promise.all([...running].map((n) => n.stop()));
    await sys?.stop();
  });

  for (const point of ["inference", "proving", "after-send"] as const) {
    it(`finishes a job exactly once after a SIGKILL during ${point}`, async () => {
      const doomed = node({ SOVRA_TEST_CRASH_AT: point });
      await nodeReady(doomed);
      const bid = await placeBid(sys, { pixels: nextDigit().pixels });
      expect(bid.matched).toBe(true);
      const exit = await doomed.exited;
      expect(exit.signal).toBe("SIGKILL");
      expect(doomed.logs.some((l) => typeof l.msg === "string" && l.msg.includes(`SOVRA_TEST_CRASH_AT=${point}`))).toBe(true);
      if (point === "after-send") expect(await settledCount(sys, bid.jobId)).toBe(1); // the transaction landed without its sender
      else expect(await jobStatus(sys, bid.jobId)).toBe(1);

      const restarted = node();
      await settledOnce(bid.jobId);
      // Give the restarted node time to retry anything it still holds, then check again: still exactly once.
      await sleep(3_000);
      expect(await settledCount(sys, bid.jobId)).toBe(1);
      await restarted.stop();
    });
  }

  it("loses no job when Redis restarts mid-run", async () => {
    const live = node();
    await nodeReady(live);
    const bids: PlacedBid[] = [];
    for (let i = 0; i < 3; i++) bids.push(await placeBid(sys, { pixels: nextDigit().pixels }));
    await live.waitForLog((l) => l.msg === "job enqueued" && l.jobId === bids[0]?.jobId.toString());
    const port = Number(new URL(sys.redis.url).port);
    await sys.redis.stop();
    await sleep(1_000);
    sys.redis = await startLocalRedis({ port });
    for (const bid of bids) await settledOnce(bid.jobId);
    await live.stop();
  });

  it("retries and recovers while the RPC endpoint is unreachable", async () => {
    const rpc = new URL(sys.rpcUrl);
    const proxy = await startRpcProxy({ host: rpc.hostname, port: Number(rpc.port) });
    try {
      const live = node({}, await sys.writeConfig({ name: "node-proxied", rpcUrl: proxy.url }));
      await nodeReady(live);
      await proxy.cut();
      const bid = await placeBid(sys, { pixels: nextDigit().pixels });
      await live.waitForLog((l) => l.msg === "watcher pass failed; retrying");
      await sleep(4_000);
      expect(await jobStatus(sys, bid.jobId)).toBe(1);
      await proxy.restore();
      await settledOnce(bid.jobId);
      await live.stop();
    } finally {
      await proxy.close();
    }
  });

  it("expires the job of an offline provider: buyer refunded, collateral slashed", async () => {
    const caller = localAccount(3);
    const treasury = await treasuryOf(sys);
    const who = { buyer: sys.buyer.address, provider: sys.provider.address, treasury, caller: caller.address };
    const before = await snapshot(sys, who);
    const bid = await placeBid(sys, { pixels: nextDigit().pixels });
    const terms = await termsOf(sys, bid.jobId);
    await passDeadline(sys, terms.deadline);
    await expireJob(sys, bid.jobId, caller);
    const after = await snapshot(sys, who);
    const slashed = terms.collateral;
    expect(after.buyerOwed - before.buyerOwed).toBe(terms.price);
    // The whole slash goes to the treasury: neither the buyer nor the caller profits from an expiry.
    expect(after.buyerSov).toBe(before.buyerSov);
    expect(after.callerSov).toBe(before.callerSov);
    expect(after.treasurySov - before.treasurySov).toBe(slashed);
    expect(before.staked - after.staked).toBe(slashed);
    expect(before.locked - after.locked).toBe(slashed);
    expect(after.providerOwed).toBe(before.providerOwed);
    expect(await settledCount(sys, bid.jobId)).toBe(0);
  });
});
