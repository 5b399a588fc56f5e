// Faults a provider node must survive without losing a job or delivering one twice: SIGKILL at exact points
// (through the test-only SOVRA_TEST_CRASH_AT hook), Redis restarted empty mid-run (with the node running, and
// exactly between a watcher pass's cursor read and its enqueue), the RPC endpoint unreachable for a while. And a
// provider that stays offline: its job expires, the buyer is refunded, the collateral slashed.
//
// Independence: the chain, deployment and weights gateway are shared by the file; everything else is the test's
// own (a lane, test/support/lane.ts): a provider account nobody else uses, one ask of exactly the jobs it buys, a
// redis-server of its own, its own node processes, deadlines taken from the chain's clock at the time of the bid.
// A lane is closed when its test ends, pass or fail (nodes stopped, ask cancelled, Redis stopped), so each test
// runs alone (`-t`) or in any order (`--sequence.shuffle`).
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { localAccount } from "@sovra/deploy";
import {
  CursorLostError,
  JobStatus,
  createQueues,
  createWatcher,
  enqueueJobs,
  inferDataFromMatch,
  modelsToServe,
  queueJobId,
  redisOptions,
} from "@sovra/workers";
import { heldOutDigit } from "../support/digits.ts";
import { expireJob, jobStatus, passDeadline, termsOf, type PlacedBid } from "../support/jobs.ts";
import { openLane, type Lane } from "../support/lane.ts";
import { startRpcProxy } from "../support/proxy.ts";
import {
  nodeReady,
  settledCount,
  snapshot,
  startSystem,
  treasuryOf,
  until,
  type LogLine,
  type NodeProcess,
  type System,
} from "../support/system.ts";

describe("provider node faults", () => {
  let sys: System;

  beforeAll(async () => {
    sys = await startSystem();
  });

  afterAll(async () => {
    await sys?.stop();
  });

  /** A lane (own provider, ask, Redis, nodes) closed when the test ends, whatever its outcome. */
  const lane = async (index: number, capacity: number): Promise<Lane> => {
    const opened = await openLane(sys, { index, capacity });
    onTestFinished(() => opened.close());
    return opened;
  };

  /** Matches log lines that `node` writes from now on. */
  const from = (node: NodeProcess, match: (line: LogLine) => boolean): ((line: LogLine) => boolean) => {
    const mark = node.logs.length;
    return (line) => node.logs.indexOf(line) >= mark && match(line);
  };

  /** The submit stage's last word on a job: it sent the result, or found the job no longer open. */
  const submitDone = (jobId: bigint) => (line: LogLine) =>
    (line.msg === "result submitted" || line.msg === "job not submitted") && line.jobId === jobId.toString();

  /** Waits until the job left Matched; it must have settled exactly once. */
  const settledOnce = async (jobId: bigint): Promise<void> => {
    await until(
      async () => ((await jobStatus(sys, jobId)) !== JobStatus.Matched ? true : undefined),
      240_000,
      `job ${jobId} closed`,
    );
    expect(await settledCount(sys, jobId)).toBe(1);
  };

  const crashes = [
    { point: "inference", index: 4, digit: 0 },
    { point: "proving", index: 5, digit: 1 },
    { point: "after-send", index: 6, digit: 2 },
  ] as const;
  for (const { point, index, digit } of crashes) {
    it(`finishes a job exactly once after a SIGKILL during ${point}`, async () => {
      const own = await lane(index, 1);
      const doomed = own.node({ SOVRA_TEST_CRASH_AT: point });
      await nodeReady(doomed);
      const bid = await own.bid(heldOutDigit(digit).pixels);
      const exit = await doomed.exited;
      expect(exit.signal).toBe("SIGKILL");
      expect(doomed.logs.some((l) => typeof l.msg === "string" && l.msg.includes(`SOVRA_TEST_CRASH_AT=${point}`))).toBe(
        true,
      );
      if (point === "after-send")
        expect(await settledCount(sys, bid.jobId)).toBe(1); // the transaction landed without its sender
      else expect(await jobStatus(sys, bid.jobId)).toBe(JobStatus.Matched);

      // The restarted node takes the job over from Redis (its lock expired with the killed process) and runs it
      // to the submit stage, which either sends the result or finds it already on-chain.
      const restarted = own.node();
      await restarted.waitForLog(submitDone(bid.jobId), 240_000);
      await settledOnce(bid.jobId);
      expect(await own.sentSinceSetup()).toBe(1); // one submitResult transaction in all, crash or not
    });
  }

  it("loses no job when Redis restarts empty while the node runs", async () => {
    const own = await lane(7, 3);
    const live = own.node();
    await nodeReady(live);
    const bids: PlacedBid[] = [];
    for (const digit of [3, 4, 5]) bids.push(await own.bid(heldOutDigit(digit).pixels));
    const first = bids[0] as PlacedBid;
    await live.waitForLog((l) => l.msg === "job enqueued" && l.jobId === first.jobId.toString());
    const rebuilt = from(live, (l) => l.msg === "no cursor in Redis: scanning from the start block");
    await own.redis.restart();
    // Queue and cursor are gone: the watcher finds no cursor and rebuilds the queue from the chain.
    await live.waitForLog(rebuilt);
    for (const bid of bids) await settledOnce(bid.jobId);
    expect(await own.sentSinceSetup()).toBe(bids.length); // one submitResult per job, none sent twice
  });

  it("re-enqueues the jobs a watcher pass had read past when Redis restarts empty in the middle of it", async () => {
    // The window the node test above can only hit by chance, hit on purpose: the pass has read the cursor (past
    // the first job, which is queued) when Redis comes back empty, then enqueues the second job and moves the
    // cursor. Moving it there would leave the first job in no queue and behind the cursor: lost.
    const own = await lane(8, 2);
    const connection = redisOptions(own.redis.url);
    const redis = new Redis(connection);
    // The restart refuses connections for a moment; ioredis reconnects by itself and would print each refusal
    // as an "unhandled error event" without a listener.
    redis.on("error", () => undefined);
    const queues = createQueues(connection);
    try {
      const served = modelsToServe({ models: ["mlp"] }, sys.deployment).map((m) => ({ ...m, inputBytes: 784 }));
      const model = served[0];
      if (model === undefined) throw new Error("no mlp model in the deployment");
      let restartInPass = false;
      const watcher = createWatcher({
        client: sys.client,
        redis,
        chainId: 31337,
        market: sys.market,
        provider: own.account.address,
        startBlock: BigInt(sys.deployment.startBlock),
        confirmations: 0,
        logRange: 1_000,
        onJobs: async (jobs) => {
          if (restartInPass) {
            restartInPass = false;
            await own.redis.restart();
          }
          await enqueueJobs(
            queues,
            jobs.map((job) => inferDataFromMatch(job, model)),
          );
        },
      });
      const queued = async (bid: PlacedBid): Promise<boolean> =>
        (await queues.infer.getJob(queueJobId(bid.jobId))) !== undefined;

      const firstBid = await own.bid(heldOutDigit(6).pixels);
      await watcher.tick();
      expect(await queued(firstBid)).toBe(true);

      const secondBid = await own.bid(heldOutDigit(7).pixels);
      restartInPass = true;
      // The straddling pass may only end by saying that the cursor is gone (the node's loop then passes again).
      await watcher.tick().catch((error: unknown) => {
        if (!(error instanceof CursorLostError)) throw error;
      });
      expect(await queued(firstBid)).toBe(false); // gone with the Redis that was restarted

      // The next pass must put back every job still open on-chain.
      await watcher.tick();
      expect(await queued(firstBid)).toBe(true);
      expect(await queued(secondBid)).toBe(true);
    } finally {
      await queues.close();
      await redis.quit();
    }
  });

  it("retries and recovers while the RPC endpoint is unreachable", async () => {
    const own = await lane(9, 1);
    const rpc = new URL(sys.rpcUrl);
    const proxy = await startRpcProxy({ host: rpc.hostname, port: Number(rpc.port) });
    onTestFinished(() => proxy.close());
    const live = own.node(
      {},
      await sys.writeConfig({ name: "lane-9-proxied", rpcUrl: proxy.url, redisUrl: own.redis.url }),
    );
    await nodeReady(live);
    await proxy.cut();
    const bid = await own.bid(heldOutDigit(8).pixels);
    let failures = 0;
    const twoFailures = from(live, (l) => l.msg === "watcher pass failed; retrying" && ++failures >= 2);
    // Two failed passes after the bid: the node keeps trying, and could not have seen the job.
    await live.waitForLog(twoFailures);
    expect(await jobStatus(sys, bid.jobId)).toBe(JobStatus.Matched);
    await proxy.restore();
    await live.waitForLog(submitDone(bid.jobId), 240_000);
    await settledOnce(bid.jobId);
    expect(await own.sentSinceSetup()).toBe(1);
  });

  it("expires the job of an offline provider: buyer refunded, collateral slashed", async () => {
    const own = await lane(10, 1);
    const caller = localAccount(3);
    const treasury = await treasuryOf(sys);
    const who = { buyer: sys.buyer.address, provider: own.account.address, treasury, caller: caller.address };
    const before = await snapshot(sys, who);
    const bid = await own.bid(heldOutDigit(9).pixels);
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
