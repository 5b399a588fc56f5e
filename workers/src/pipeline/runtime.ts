import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job, type JobsOptions } from "bullmq";
import { NotSubmittableError } from "../chain/submitter.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import {
  QUEUES,
  type DeclineData,
  inferDataSchema,
  proveDataSchema,
  queueJobId,
  submitDataSchema,
  type InferData,
  type ProveData,
  type StageName,
  type SubmitData,
} from "./jobs.ts";
import { RefusedJobError } from "./processors.ts";

/** ioredis connection options from a `redis://[:password@]host:port[/db]` URL. */
export function redisOptions(url: string): {
  host: string;
  port: number;
  password?: string;
  db?: number;
  maxRetriesPerRequest: null;
} {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : undefined;
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    ...(parsed.password !== "" ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db !== undefined ? { db } : {}),
    // BullMQ workers block on Redis; ioredis must not give up on their commands.
    maxRetriesPerRequest: null,
  };
}

export const defaultJobOptions: JobsOptions = {
  attempts: 5,
  backoff: { type: "exponential", delay: 1000 },
  // Finished entries stay a month: re-adding an on-chain job id that is still present is a no-op.
  removeOnComplete: { age: 30 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

export type Queues = { [K in StageName]: Queue } & { close(): Promise<void> };

export function createQueues(connection: ConnectionOptions, prefix = "sovra"): Queues {
  const make = (name: string) => new Queue(name, { connection, prefix, defaultJobOptions });
  const infer = make(QUEUES.infer);
  const prove = make(QUEUES.prove);
  const submit = make(QUEUES.submit);
  return {
    infer,
    prove,
    submit,
    async close() {
      await Promise.all([infer.close(), prove.close(), submit.close()]);
    },
  };
}

/** Adds matched jobs to the first stage. The queue job id is the on-chain id, so repeats are no-ops. */
export async function enqueueJobs(queues: Pick<Queues, "infer">, jobs: InferData[]): Promise<void> {
  for (const data of jobs) await queues.infer.add("infer", data, { jobId: queueJobId(data.jobId) });
}

/** Sends jobs the node cannot do straight to the submitter as declines (same queue job id: repeats are no-ops). */
export async function enqueueDeclines(queues: Pick<Queues, "submit">, declines: DeclineData[]): Promise<void> {
  for (const data of declines) await queues.submit.add("submit", data, { jobId: queueJobId(data.jobId) });
}

export type StageHandlers = {
  /** A zk job goes on to be proven; an optimistic job's result goes straight to the submitter (its commit). */
  infer: (data: InferData) => Promise<ProveData | SubmitData>;
  prove: (data: ProveData) => Promise<SubmitData>;
  submit: (data: SubmitData) => Promise<unknown>;
};

export type WorkerSettings = {
  /** How long a worker's lock on a job lasts without renewal; a crashed worker's job is free after it. */
  lockDurationMs: number;
  /** How often workers look for jobs whose lock expired. */
  stalledIntervalMs: number;
  /** Stalls a job survives before it is failed (a crash loop must not retry forever). */
  maxStalledCount: number;
};

export const defaultWorkerSettings: WorkerSettings = {
  lockDurationMs: 5000,
  stalledIntervalMs: 2000,
  maxStalledCount: 5,
};

export type StartWorkersOptions = {
  connection: ConnectionOptions;
  queues: Queues;
  prefix?: string;
  /** Stages this process runs; one process may run them all. */
  handlers: Partial<StageHandlers>;
  concurrency?: { infer?: number; prove?: number };
  settings?: Partial<WorkerSettings>;
  logger?: Logger;
};

export type Workers = { workers: Worker[]; close(): Promise<void> };

function unrecoverable(error: unknown): unknown {
  return error instanceof RefusedJobError || error instanceof NotSubmittableError
    ? new UnrecoverableError(error.message)
    : error;
}

/**
 * One BullMQ worker per stage. Each stage hands its result to the next queue under the same job id before
 * it completes; a retry after a crash between the two re-adds the same id, which BullMQ ignores. The submit
 * worker has concurrency 1: one signer, nonces in order.
 */
export function startWorkers(options: StartWorkersOptions): Workers {
  const settings = { ...defaultWorkerSettings, ...options.settings };
  const common = {
    connection: options.connection,
    prefix: options.prefix ?? "sovra",
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    maxStalledCount: settings.maxStalledCount,
  };
  const { handlers, queues, logger } = options;
  const workers: Worker[] = [];
  const watch = (worker: Worker, stage: StageName): Worker => {
    worker.on("failed", (job: Job | undefined, error: Error) =>
      logger?.warn(
        { stage, queueJobId: job?.id, attempt: job?.attemptsMade, err: error.message },
        "stage attempt failed",
      ),
    );
    worker.on("stalled", (id: string) => logger?.warn({ stage, queueJobId: id }, "stalled job recovered"));
    worker.on("error", (error: Error) => logger?.error({ stage, err: error.message }, "worker error"));
    workers.push(worker);
    return worker;
  };
  if (handlers.infer !== undefined) {
    const infer = handlers.infer;
    watch(
      new Worker(
        QUEUES.infer,
        async (job: Job) => {
          try {
            const next = await infer(inferDataSchema.parse(job.data));
            if ("action" in next) await queues.submit.add("submit", next, { jobId: job.id });
            else await queues.prove.add("prove", next, { jobId: job.id });
            return { handedOn: true };
          } catch (error) {
            // An input no proof can match is declined on-chain (refund, no slash) rather than left to expire.
            if (error instanceof RefusedJobError) {
              await queues.submit.add("submit", error.decline, { jobId: job.id });
              return { declined: error.decline.reason };
            }
            throw unrecoverable(error);
          }
        },
        { ...common, concurrency: options.concurrency?.infer ?? 1 },
      ),
      "infer",
    );
  }
  if (handlers.prove !== undefined) {
    const prove = handlers.prove;
    watch(
      new Worker(
        QUEUES.prove,
        async (job: Job) => {
          try {
            const next = await prove(proveDataSchema.parse(job.data));
            await queues.submit.add("submit", next, { jobId: job.id });
            return { handedOn: true };
          } catch (error) {
            throw unrecoverable(error);
          }
        },
        { ...common, concurrency: options.concurrency?.prove ?? 1 },
      ),
      "prove",
    );
  }
  if (handlers.submit !== undefined) {
    const submit = handlers.submit;
    watch(
      new Worker(
        QUEUES.submit,
        async (job: Job) => {
          try {
            return JSON.parse(
              JSON.stringify(await submit(submitDataSchema.parse(job.data)), (_k, v: unknown) =>
                typeof v === "bigint" ? v.toString() : v,
              ),
            ) as unknown;
          } catch (error) {
            throw unrecoverable(error);
          }
        },
        { ...common, concurrency: 1 },
      ),
      "submit",
    );
  }
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}

/** Updates the queue-depth gauge from every stage's counts. */
export async function recordQueueDepth(queues: Queues, metrics: Metrics): Promise<void> {
  for (const stage of Object.keys(QUEUES) as StageName[]) {
    const counts = await queues[stage].getJobCounts("waiting", "active", "delayed", "failed", "completed");
    for (const [state, count] of Object.entries(counts)) metrics.queueDepth.set({ queue: QUEUES[stage], state }, count);
  }
}
