import { Redis } from "ioredis";
import type { Server } from "node:http";
import type { Address, PublicClient } from "viem";
import type { LocalAccount } from "viem/accounts";
import { type Deployment, withListings } from "@sovra/contracts";
import { submitResult } from "./chain/submitter.ts";
import { createWatcher, type MatchedJob, type Watcher } from "./chain/watcher.ts";
import type { Config } from "./config.ts";
import { createInferenceEngine, type InferenceEngine } from "./engine.ts";
import type { Logger } from "./logger.ts";
import { serveMetrics, type Metrics } from "./metrics.ts";
import { inferDataFromMatch, termsToData, type DeclineData } from "./pipeline/jobs.ts";
import { inferStage, proveStage, submitStage } from "./pipeline/processors.ts";
import {
  createQueues,
  enqueueDeclines,
  enqueueJobs,
  recordQueueDepth,
  redisOptions,
  startWorkers,
  type Queues,
  type Workers,
} from "./pipeline/runtime.ts";
import { encodingOf, inputBytesOf, inputCount } from "./io-spec.ts";
import type { Prover } from "./prover.ts";
import { createWeightStore } from "./weights/store.ts";
import { modelRegistryAbi, optimisticSettlementAbi } from "./chain/abis.ts";
import { createFollowUp, type FollowUp } from "./optimistic/follow-up.ts";
import { type Auditor, createAuditor } from "./optimistic/auditor.ts";
import { isOptimisticModelName, optimisticStage } from "./optimistic/job.ts";
import { openOptimisticRunner } from "./optimistic/serve.ts";
import { OPTIMISTIC_MODELS } from "./optimistic/models.ts";
import type { OptimisticRunner } from "./optimistic/runner.ts";

/**
 * A model this node serves: its deployment entry plus its manifest's input: the bytes an inline inputRef holds
 * (values x bytes per value) and their encoding.
 */
export type ServedModel = {
  name: string;
  weightsCid: string;
  inputBytes: number;
  input: { bits: number; signed: boolean };
  marketIds: number[];
  /** Optimistic models: the model's OptimisticSettlement (results are committed there, not proven). */
  settlement?: Address;
};

/** `IModelRegistry.Tier.Optimistic`. */
const OPTIMISTIC_TIER = 2;

export type ProviderNodeOptions = {
  config: Config;
  deployment: Deployment;
  publicClient: PublicClient;
  account: LocalAccount;
  prover: Prover;
  logger: Logger;
  metrics: Metrics;
  /** Called after each weight download while pre-warming. */
  onPrewarm?: (done: number, total: number) => void;
  /** Stages this process runs (default all) and whether it watches the chain (default yes). */
  stages?: { infer?: boolean; prove?: boolean; submit?: boolean; watch?: boolean };
  /** Tests only: commit wrong results on optimistic markets (what a dishonest provider does). */
  cheatOutput?: boolean;
  /** Take audit and committee duty on the optimistic models served (`run --audit`). */
  audit?: boolean;
};

export type ProviderNode = {
  models: ServedModel[];
  warmup: { name: string; from: string; fetchSeconds: number; loadSeconds: number; device: string }[];
  watcher: Watcher;
  queues: Queues;
  metricsUrl: string | undefined;
  stop(): Promise<void>;
};

/** Resolves the config's model names against the deployment (name -> weights CID, markets). */
export function modelsToServe(
  config: Pick<Config, "models">,
  deployment: Deployment,
): (Omit<ServedModel, "inputBytes" | "input"> & { modelId: Address; verifier: Address })[] {
  return config.models.map((name) => {
    const entry = deployment.models.find((m) => m.name === name);
    if (entry === undefined) {
      throw new Error(
        `model '${name}' is not in the deployment (known: ${deployment.models.map((m) => m.name).join(", ") || "none"}); fix "models" in the config`,
      );
    }
    const marketIds = deployment.markets
      .filter((m) => m.modelId.toLowerCase() === entry.modelId.toLowerCase())
      .map((m) => m.marketId);
    return { name, weightsCid: entry.weightsCid, marketIds, modelId: entry.modelId, verifier: entry.verifier };
  });
}

/**
 * Starts the provider node: pre-warms the models (weight store -> onnxruntime sessions), starts the stage
 * workers, the chain watcher and the metrics endpoint.
 */
export async function startProviderNode(options: ProviderNodeOptions): Promise<ProviderNode> {
  const { config, publicClient, account, prover, logger, metrics } = options;
  // Models and markets listed by governance after the deploy are served like the launch ones.
  const deployment = await withListings(options.deployment, publicClient);
  const stages = { infer: true, prove: true, submit: true, watch: true, ...options.stages };
  const store = createWeightStore({ ...config.weights, logger: logger.child({ part: "weights" }) });
  const engine: InferenceEngine = createInferenceEngine({ store, order: config.inference.executionProviders, logger });
  const wanted = modelsToServe(config, deployment);
  const warmup: ProviderNode["warmup"] = [];
  const models: ServedModel[] = [];
  const runners = new Map<string, OptimisticRunner>();
  for (const [i, model] of wanted.entries()) {
    const tier = await publicClient.readContract({
      address: deployment.contracts.modelRegistry,
      abi: modelRegistryAbi,
      functionName: "tierOf",
      args: [model.modelId],
    });
    if (tier === OPTIMISTIC_TIER) {
      if (!isOptimisticModelName(model.name))
        throw new Error(
          `model '${model.name}' is on the optimistic tier, which this node runs for ${Object.keys(OPTIMISTIC_MODELS).join(", ")} only`,
        );
      const opened = await openOptimisticRunner(model.name, model.weightsCid, config.inference.executionProviders);
      runners.set(model.name, opened.runner);
      warmup.push({ name: model.name, ...opened.warmup });
      models.push({
        name: model.name,
        weightsCid: model.weightsCid,
        marketIds: model.marketIds,
        inputBytes: OPTIMISTIC_MODELS[model.name].input.maxBytes,
        input: { bits: 8, signed: false },
        settlement: model.verifier,
      });
      options.onPrewarm?.(i + 1, wanted.length);
      logger.info({ model: model.name, cid: model.weightsCid, ...opened.warmup, tier: "optimistic" }, "model ready");
      continue;
    }
    const manifest = await prover.manifest(model.name);
    if (manifest.weightsCid !== model.weightsCid)
      throw new Error(
        `model '${model.name}': the prover's manifest has weights ${manifest.weightsCid}, the deployment registers ${model.weightsCid}: its proofs would not verify; point "modelDirs" at the registered model's folder`,
      );
    const loaded = await engine.load(model.weightsCid);
    const onnxSize = await engine.inputSize(model.weightsCid);
    const count = inputCount(manifest.io.input);
    if (onnxSize !== count)
      throw new Error(
        `model '${model.name}': its ONNX takes ${onnxSize} input values, its manifest's io spec ${count}`,
      );
    warmup.push({ name: model.name, ...loaded });
    models.push({
      name: model.name,
      weightsCid: model.weightsCid,
      marketIds: model.marketIds,
      inputBytes: inputBytesOf(manifest.io.input),
      input: encodingOf(manifest.io.input),
    });
    options.onPrewarm?.(i + 1, wanted.length);
    logger.info(
      { model: model.name, cid: model.weightsCid, ...loaded, start: loaded.from === "cache" ? "warm" : "cold" },
      "model ready",
    );
  }
  const byMarket = new Map<number, ServedModel>();
  for (const model of models) for (const id of model.marketIds) byMarket.set(id, model);

  const connection = redisOptions(config.redisUrl);
  const redis = new Redis(connection);
  // ioredis reconnects by itself; without a listener an outage would print an unhandled-error stack trace.
  redis.on("error", (error: Error) => logger.warn({ err: error.message }, "redis connection error (reconnecting)"));
  const queues = createQueues(connection);
  const market = deployment.contracts.spotMarket as Address;
  const workers: Workers = startWorkers({
    connection,
    queues,
    logger,
    concurrency: { infer: config.inference.concurrency, prove: config.prover.concurrency },
    handlers: {
      ...(stages.infer
        ? {
            infer: (data) =>
              data.optimistic !== undefined
                ? optimisticStage(
                    {
                      runners,
                      commitWindow: (settlement, deadline) => commitWindow(publicClient, settlement, deadline),
                      ...(options.cheatOutput === true ? { cheatOutput: true } : {}),
                      logger,
                      metrics,
                    },
                    data,
                  )
                : inferStage({ prover, inference: engine, logger, metrics }, data),
          }
        : {}),
      ...(stages.prove ? { prove: (data) => proveStage({ prover, logger, metrics }, data) } : {}),
      ...(stages.submit
        ? {
            submit: (data) =>
              submitStage(
                {
                  submit: (request) =>
                    submitResult({ publicClient, account, redis, chainId: config.chainId, market, logger }, request),
                  logger,
                  metrics,
                },
                data,
              ),
          }
        : {}),
    },
  });

  const watcher = createWatcher({
    client: publicClient,
    redis,
    chainId: config.chainId,
    market,
    provider: account.address,
    startBlock: BigInt(deployment.startBlock),
    confirmations: config.confirmations,
    logRange: config.logRange,
    logger: logger.child({ part: "watcher" }),
    metrics,
    onJobs: async (jobs: MatchedJob[]) => {
      const declines: DeclineData[] = [];
      const known = jobs.flatMap((job) => {
        const model = byMarket.get(job.terms.marketId);
        if (model === undefined) {
          // Matched on a market this node does not serve (an ask placed by hand): ours to deliver, but without
          // the model it cannot be. Declining refunds the buyer now and spares the collateral a slash.
          logger.error(
            { jobId: job.jobId.toString(), marketId: job.terms.marketId, served: models.map((m) => m.name) },
            "unknown model: job matched on a market whose model this node does not serve; declining it (the buyer is refunded)",
          );
          declines.push({
            action: "decline",
            jobId: job.jobId.toString(),
            model: "unknown",
            terms: termsToData(job.terms),
            reason: "model not served",
          });
          return [];
        }
        return [inferDataFromMatch(job, model)];
      });
      await enqueueDeclines(queues, declines);
      await enqueueJobs(queues, known);
      for (const job of known)
        logger.info({ jobId: job.jobId, model: job.model, deadline: job.terms.deadline }, "job enqueued");
    },
  });
  const settlements = models.flatMap((m) =>
    m.settlement !== undefined ? [{ model: m.name, settlement: m.settlement }] : [],
  );
  let followUp: FollowUp | undefined;
  if (stages.watch) watcher.start(config.pollIntervalMs);
  if (stages.watch && settlements.length > 0) {
    followUp = createFollowUp({
      client: publicClient,
      market,
      provider: account.address,
      settlements,
      queues,
      startBlock: BigInt(deployment.startBlock),
      logRange: config.logRange,
      logger: logger.child({ part: "optimistic" }),
    });
    followUp.start(config.pollIntervalMs);
  }
  let auditor: Auditor | undefined;
  if (options.audit === true) {
    const served = models.flatMap((m) => {
      const runner = runners.get(m.name);
      return m.settlement !== undefined && runner !== undefined && isOptimisticModelName(m.name)
        ? [{ model: m.name, settlement: m.settlement, runner }]
        : [];
    });
    if (served.length === 0)
      throw new Error("--audit: this node serves no optimistic model (add ocr or vad to models)");
    auditor = createAuditor({
      client: publicClient,
      redis,
      chainId: config.chainId,
      me: account.address,
      market,
      served,
      queues,
      startBlock: BigInt(deployment.startBlock),
      logRange: config.logRange,
      logger: logger.child({ part: "auditor" }),
    });
    auditor.start(config.pollIntervalMs);
  }

  const depthTimer = setInterval(() => {
    recordQueueDepth(queues, metrics).catch((error: unknown) =>
      logger.warn({ err: (error as Error).message }, "queue depth not read"),
    );
  }, 5000);
  let metricsServer: Server | undefined;
  let metricsUrl: string | undefined;
  if (config.metrics.port > 0) {
    const served = await serveMetrics(metrics, config.metrics.port, config.metrics.host);
    metricsServer = served.server;
    metricsUrl = served.url;
    logger.info({ url: metricsUrl }, "metrics endpoint");
  }

  return {
    models,
    warmup,
    watcher,
    queues,
    metricsUrl,
    async stop() {
      clearInterval(depthTimer);
      await followUp?.stop();
      await auditor?.stop();
      await watcher.stop();
      await workers.close();
      await queues.close();
      await redis.quit();
      await engine.close();
      for (const runner of runners.values()) await runner.release();
      await new Promise<void>((resolve) =>
        metricsServer === undefined ? resolve() : metricsServer.close(() => resolve()),
      );
    },
  };
}

/** Chain time now and the latest time an optimistic commit of a job with `deadline` may land. */
async function commitWindow(
  client: PublicClient,
  settlement: Address,
  deadline: bigint,
): Promise<{ now: bigint; latest: bigint }> {
  const epoch = await client.readContract({
    address: settlement,
    abi: optimisticSettlementAbi,
    functionName: "currentEpoch",
  });
  const [params, block] = await Promise.all([
    client.readContract({ address: settlement, abi: optimisticSettlementAbi, functionName: "paramsAt", args: [epoch] }),
    client.getBlock({ blockTag: "latest" }),
  ]);
  return { now: block.timestamp, latest: deadline - BigInt(params.challengeWindow + params.disputeTime) };
}
