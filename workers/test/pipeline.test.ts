import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queueJobId, type InferData, type ProveData, type SubmitData } from "../src/pipeline/jobs.ts";
import { RefusedJobError, inferStage } from "../src/pipeline/processors.ts";
import {
  createQueues,
  enqueueJobs,
  redisOptions,
  startWorkers,
  type Queues,
  type StageHandlers,
} from "../src/pipeline/runtime.ts";
import { createMetrics } from "../src/metrics.ts";
import { termsData, testRedis, testRedisUrl } from "./helpers.ts";

const here = path.dirname(fileURLToPath(import.meta.url));

const terms = termsData();

function job(id: number, inputRef: `0x${string}` = "0x00"): InferData {
  return { jobId: String(id), model: "mnist-mlp", weightsCid: "b", inputBytes: 784, terms, inputRef, blockNumber: "1" };
}

let redis: Redis;
beforeAll(() => {
  redis = testRedis(0);
});
afterAll(async () => {
  await redis.quit();
});

/** Handlers that count how often each stage ran per job, in Redis (shared with child processes). */
function countingHandlers(prefix: string): StageHandlers {
  return {
    infer: async (data) => {
      await redis.incr(`${prefix}:infer:${data.jobId}`);
      return { ...data, inference: { output: [Number(data.jobId)], device: "cpu", seconds: 0 } } satisfies ProveData;
    },
    prove: async (data) => {
      await redis.incr(`${prefix}:prove:${data.jobId}`);
      return {
        action: "settle",
        jobId: data.jobId,
        model: data.model,
        terms: data.terms,
        output: ["7"],
        proof: "0x01",
        proofSeconds: 0,
      } satisfies SubmitData;
    },
    submit: async (data) => {
      await redis.incr(`${prefix}:submit:${data.jobId}`);
      return { outcome: "settled" };
    },
  };
}

async function waitCompleted(
  queues: Queues,
  prefix: string,
  id: string,
  until: () => Promise<void> = async () => {},
): Promise<void> {
  const events = new QueueEvents(queues.submit.name, { connection: redisOptions(testRedisUrl()), prefix });
  await events.waitUntilReady();
  try {
    await until();
    for (;;) {
      const state = await queues.submit.getJobState(id);
      if (state === "completed") return;
      if (state === "failed") throw new Error(`job ${id} failed`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await events.close();
  }
}

describe("queue pipeline (real Redis)", () => {
  it("takes a job through the three stages once, and ignores repeated enqueues of the same on-chain id", async () => {
    const prefix = `t1-${Date.now()}`;
    const connection = redisOptions(testRedisUrl());
    const queues = createQueues(connection, prefix);
    await enqueueJobs(queues, [job(1), job(1), job(2)]);
    expect(await queues.infer.count()).toBe(2);
    const workers = startWorkers({ connection, queues, prefix, handlers: countingHandlers(prefix) });
    await waitCompleted(queues, prefix, queueJobId(1));
    await waitCompleted(queues, prefix, queueJobId(2));
    // Finished jobs are kept, so the watcher re-reading a block range adds nothing.
    await enqueueJobs(queues, [job(1)]);
    await new Promise((r) => setTimeout(r, 500));
    for (const stage of ["infer", "prove", "submit"]) expect(await redis.get(`${prefix}:${stage}:1`)).toBe("1");
    expect(await queues.submit.getJob(queueJobId(1)).then((j) => j?.returnvalue)).toEqual({ outcome: "settled" });
    await workers.close();
    await queues.close();
  });

  it("declines a refused job without retrying: no proof, the submit stage gets a decline", async () => {
    const prefix = `t2-${Date.now()}`;
    const connection = redisOptions(testRedisUrl());
    const queues = createQueues(connection, prefix);
    const metrics = createMetrics();
    const handlers = countingHandlers(prefix);
    const workers = startWorkers({
      connection,
      queues,
      prefix,
      handlers: {
        ...handlers,
        // The real stage, refusing before it needs a prover or a model.
        infer: (data) =>
          inferStage(
            {
              prover: { inputHash: () => Promise.reject(new Error("not reached")) },
              inference: { run: () => Promise.reject(new Error("not reached")) },
              metrics,
            },
            data,
          ),
      },
    });
    await enqueueJobs(queues, [job(3, `0x${"00".repeat(4096)}`), job(4, "0x0102")]);
    for (const id of [3, 4]) {
      await waitCompleted(queues, prefix, queueJobId(id));
      const refused = await queues.infer.getJob(queueJobId(id));
      expect(refused?.attemptsMade).toBe(1);
      expect(refused?.returnvalue).toEqual({ declined: "malformed input" });
      expect(await queues.prove.getJob(queueJobId(id))).toBeUndefined();
      const decline = await queues.submit.getJob(queueJobId(id));
      expect(decline?.data).toMatchObject({ action: "decline", jobId: String(id), reason: "malformed input" });
      expect(await redis.get(`${prefix}:submit:${id}`)).toBe("1");
    }
    expect(await metrics.registry.getSingleMetricAsString("sovra_jobs_total")).toMatch(/outcome="input_mismatch"} 2/);
    await workers.close();
    await queues.close();
  });

  it("refuses an input whose hash does not match the bid", async () => {
    const metrics = createMetrics();
    const data = { ...job(5), inputRef: `0x${"00".repeat(784)}` as `0x${string}`, inputHash: "42" };
    await expect(
      inferStage(
        {
          prover: { inputHash: async () => 41n },
          inference: { run: () => Promise.reject(new Error("must not run")) },
          metrics,
        },
        data,
      ),
    ).rejects.toBeInstanceOf(RefusedJobError);
  });

  it("recovers the job of a killed worker process and finishes it exactly once", async () => {
    const prefix = `t3-${Date.now()}`;
    const url = testRedisUrl();
    const connection = redisOptions(url);
    const queues = createQueues(connection, prefix);
    await enqueueJobs(queues, [job(10)]);
    const child = spawn(process.execPath, [path.join(here, "fixtures", "crash-worker.ts"), url, prefix], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    // Wait until the child holds the job, then kill it without warning.
    for (;;) {
      if ((await redis.get(`${prefix}:infer-started:10`)) === "1") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const killedAt = performance.now();
    const workers = startWorkers({ connection, queues, prefix, handlers: countingHandlers(prefix) });
    await waitCompleted(queues, prefix, queueJobId(10));
    const seconds = (performance.now() - killedAt) / 1000;
    console.log(`crash recovery: job finished ${seconds.toFixed(1)} s after its worker was killed`);
    expect(await redis.get(`${prefix}:infer:10`)).toBe("1");
    expect(await redis.get(`${prefix}:submit:10`)).toBe("1");
    await workers.close();
    await queues.close();
  });
});
