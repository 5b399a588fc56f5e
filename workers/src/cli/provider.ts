import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { Redis } from "ioredis";
import { formatUnits, parseUnits, type Address, type Hex } from "viem";
import { generatePrivateKey, type LocalAccount } from "viem/accounts";
import type { Deployment } from "@sovra/contracts";
import {
  erc20PermitAbi,
  modelRegistryAbi,
  optimisticSettlementAbi,
  providerRegistryAbi,
  sovraTokenAbi,
  spotMarketAbi,
} from "../chain/abis.ts";
import { deploymentFor, publicClientFor, txLink, walletClientFor } from "../chain/context.ts";
import { cursorKey } from "../chain/watcher.ts";
import type { Config } from "../config.ts";
import { runBenchmark } from "../hardware/run-benchmark.ts";
import { reportDigest, verifyReport, type SignedReport } from "../hardware/report.ts";
import { encryptKeystore } from "../keystore.ts";
import { createLogger } from "../logger.ts";
import { createMetrics } from "../metrics.ts";
import { modelsToServe, startProviderNode } from "../node.ts";
import { QUEUES } from "../pipeline/jobs.ts";
import { createQueues, redisOptions } from "../pipeline/runtime.ts";
import { loadCircuitsProver } from "../prover.ts";
import { createInputStore } from "../inputs/store.ts";
import { startGateway } from "../weights/gateway.ts";
import { createWeightStore } from "../weights/store.ts";
import {
  configFrom,
  errorContext,
  fail,
  json,
  oneLineUsageErrors,
  progress,
  promptHidden,
  send,
  type GlobalOptions,
} from "./common.ts";
import { formatAmount, formatTime, type TokenInfo } from "./errors.ts";
import { parseCount, priceToTicks, selectMarket } from "./market.ts";
import { memorySourceOf, statusJson, statusLines, type MemorySource, type ProviderStatus } from "./provider-status.ts";
import { chainNow, providerAccount, readOnlyAddress, readTokens, type Tokens } from "./session.ts";

type Ctx = { config: Config; deployment: Deployment; account: LocalAccount; tokens: Tokens };

const program = oneLineUsageErrors(
  new Command("sovra-provider")
    .description(
      "Sovra provider node: list your GPU on the Sovra market, take matched inference jobs, prove and deliver them",
    )
    .option("-c, --config <file>", "config file (default ./sovra.config.json, or SOVRA_CONFIG)")
    .option("--rpc-url <url>", "JSON-RPC endpoint (overrides config rpcUrl / SOVRA_RPC_URL)")
    .option("--chain-id <id>", "chain id (overrides config chainId / SOVRA_CHAIN_ID)")
    .option("--password-file <file>", "file holding the keystore password (else SOVRA_KEYSTORE_PASSWORD or a prompt)"),
);

function globals(): GlobalOptions & { passwordFile?: string } {
  return program.opts<GlobalOptions & { passwordFile?: string }>();
}

/** Config and deployment, with the error context every later failure is worded in. */
async function setup(): Promise<{ config: Config; deployment: Deployment }> {
  const config = configFrom(globals());
  errorContext.rpcUrl = config.rpcUrl;
  errorContext.bin = "sovra-provider";
  const deployment = await deploymentFor(config);
  return { config, deployment };
}

/** Reads the two tokens (the first RPC call: an unreachable chain fails here, with its URL). */
async function tokensFor(config: Config, deployment: Deployment): Promise<Tokens> {
  const publicClient = publicClientFor(config);
  errorContext.chainTime = () => chainNow(publicClient);
  const tokens = await readTokens(publicClient, deployment);
  errorContext.payment = tokens.payment;
  errorContext.stake = tokens.stake;
  // A provider's token transfers are of its stake (approve + stake).
  errorContext.erc20 = tokens.stake;
  return tokens;
}

async function context(): Promise<Ctx> {
  const { config, deployment } = await setup();
  const account = await providerAccount(config, globals().passwordFile);
  const tokens = await tokensFor(config, deployment);
  return { config, deployment, account, tokens };
}

function clients(ctx: Ctx) {
  return { publicClient: publicClientFor(ctx.config), walletClient: walletClientFor(ctx.config, ctx.account) };
}

function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => void {
  return (...args: A) => {
    fn(...args).catch(fail);
  };
}

const say = (line: string): void => void process.stderr.write(`${line}\n`);

program
  .command("init")
  .description("create the provider key and store it in an encrypted v3 keystore (scrypt + aes-128-ctr)")
  .option("--keystore <file>", "where to write it (default: config keystore)")
  .option("--import-env", "encrypt the key in SOVRA_IMPORT_KEY instead of generating one")
  .option("--force", "overwrite an existing keystore")
  .action(
    action(async (options: { keystore?: string; importEnv?: boolean; force?: boolean }) => {
      const config = configFrom(globals());
      const file = options.keystore ?? config.keystore;
      if (existsSync(file) && options.force !== true)
        throw new Error(`${file} exists: pass --force to replace it (the old key is lost unless backed up)`);
      const key = options.importEnv === true ? process.env.SOVRA_IMPORT_KEY : generatePrivateKey();
      if (key === undefined || !/^0x[0-9a-fA-F]{64}$/.test(key))
        throw new Error("SOVRA_IMPORT_KEY must be 0x followed by 64 hex digits");
      const passwordFile = globals().passwordFile;
      let password: string;
      if (passwordFile !== undefined) password = (await readFile(passwordFile, "utf8")).replace(/\r?\n$/, "");
      else if (process.env.SOVRA_KEYSTORE_PASSWORD !== undefined) password = process.env.SOVRA_KEYSTORE_PASSWORD;
      else {
        password = await promptHidden("new keystore password: ");
        if ((await promptHidden("repeat password: ")) !== password) throw new Error("passwords differ");
      }
      if (password.length < 8) throw new Error("choose a password of at least 8 characters");
      const keystore = await encryptKeystore(key as Hex, password);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, `${JSON.stringify(keystore, null, 2)}\n`, { mode: 0o600 });
      await chmod(file, 0o600);
      process.stdout.write(`${json({ address: `0x${keystore.address}`, keystore: file })}\n`);
    }),
  );

program
  .command("benchmark")
  .description(
    "detect GPUs, probe onnxruntime providers (cuda -> webgpu -> cpu), measure matmul throughput and model latency; write a signed report",
  )
  .option("-o, --out <file>", "report file", "benchmark-report.json")
  .option("--size <n>", "matrix size (default 512 on cpu, 2048 on GPUs)")
  .option("--seconds <s>", "seconds per measurement", "1")
  .option("--no-models", "skip per-model latency (no deployment or weights needed)")
  .action(
    action(async (options: { out: string; size?: string; seconds: string; models: boolean }) => {
      const size =
        options.size === undefined ? undefined : Number(parseCount(options.size, "--size", { min: 1n, max: 16_384n }));
      if (!/^\d+(\.\d+)?$/.test(options.seconds) || Number(options.seconds) <= 0)
        throw new Error(`--seconds '${options.seconds}' is not a positive number of seconds`);
      const config = configFrom(globals());
      errorContext.rpcUrl = config.rpcUrl;
      const account = await providerAccount(config, globals().passwordFile);
      const models: { name: string; cid: string; bytes: Uint8Array }[] = [];
      if (options.models) {
        const deployment = await deploymentFor(config);
        const store = createWeightStore(config.weights);
        for (const model of modelsToServe(config, deployment)) {
          const fetched = await store.get(model.weightsCid);
          models.push({ name: model.name, cid: model.weightsCid, bytes: fetched.bytes });
        }
      }
      let bar: ReturnType<typeof progress> | undefined;
      const outcome = await runBenchmark({
        account,
        order: config.inference.executionProviders,
        models,
        ...(size !== undefined ? { size } : {}),
        secondsPerMeasurement: Number(options.seconds),
        onStep: (_step, done, total) => {
          bar ??= progress("benchmark", total);
          bar.update(done);
        },
      });
      bar?.stop();
      await writeFile(options.out, outcome.bytes);
      const { report } = outcome.signed;
      process.stdout.write(
        `${json({
          file: options.out,
          sha256: outcome.digest,
          cid: outcome.cid,
          summary: report.summary,
          gpus: report.gpus,
          executionProviders: report.executionProviders,
          matmul: report.matmul.map((m) =>
            m.supported ? { device: m.device, dtype: m.dtype, n: m.n, gflops: +(m.opsPerSecond / 1e9).toFixed(2) } : m,
          ),
          models: report.models,
        })}\n`,
      );
    }),
  );

program
  .command("register")
  .description("register (or update) the hardware profile from a signed benchmark report")
  .option("-r, --report <file>", "signed benchmark report", "benchmark-report.json")
  .option("--region <region>", "region to declare (default: config region)")
  .action(
    action(async (options: { report: string; region?: string }) => {
      const ctx = await context();
      const bytes = await readReport(options.report);
      let signed: SignedReport;
      try {
        signed = JSON.parse(new TextDecoder().decode(bytes)) as SignedReport;
      } catch {
        throw new Error(
          `${options.report} is not JSON: write a report with \`sovra-provider benchmark -o ${options.report}\``,
        );
      }
      if (
        typeof signed !== "object" ||
        signed === null ||
        typeof signed.report !== "object" ||
        signed.report === null
      ) {
        throw new Error(
          `${options.report} is not a signed benchmark report: write one with \`sovra-provider benchmark -o ${options.report}\``,
        );
      }
      if (!(await verifyReport(signed))) throw new Error(`${options.report}: signature does not match report.provider`);
      if (signed.report.provider.toLowerCase() !== ctx.account.address.toLowerCase()) {
        throw new Error(
          `${options.report} was signed by ${signed.report.provider}, not this key (${ctx.account.address}): re-run benchmark`,
        );
      }
      const { digest, cid } = reportDigest(bytes);
      const { publicClient, walletClient } = clients(ctx);
      if (signed.report.summary.vramMb <= 0)
        throw new Error(
          `${options.report} declares no inference memory (vramMb 0): re-run \`sovra-provider benchmark\``,
        );
      const profile = {
        gpuModel: signed.report.summary.gpuModel,
        vramMb: signed.report.summary.vramMb,
        throughputMilliOpsPerSec: BigInt(signed.report.summary.throughputMilliOpsPerSec),
        region: options.region ?? ctx.config.region,
        benchmarkReport: digest,
      };
      const tx = await send(publicClient, walletClient, {
        address: ctx.deployment.contracts.providerRegistry,
        abi: providerRegistryAbi,
        functionName: "register",
        args: [profile],
      });
      process.stdout.write(
        `${json({
          registered: ctx.account.address,
          profile,
          memorySource: signed.report.summary.memorySource ?? "gpu",
          reportCid: cid,
          tx: txLink(ctx.config, tx.hash),
        })}\n`,
      );
    }),
  );

program
  .command("stake <amount>")
  .description("stake SOVRA tokens as collateral (amount in whole tokens, e.g. 1000 or 12.5); approves first if needed")
  .action(
    action(async (amountText: string) => {
      const ctx = await context();
      const { publicClient, walletClient } = clients(ctx);
      const token = ctx.deployment.contracts.sovraToken;
      const decimals = ctx.tokens.stake.decimals;
      const amount = tokenAmount(amountText, "stake amount", ctx.tokens.stake);
      const registry = ctx.deployment.contracts.providerRegistry;
      const allowance = await publicClient.readContract({
        address: token,
        abi: sovraTokenAbi,
        functionName: "allowance",
        args: [ctx.account.address, registry],
      });
      if (allowance < amount)
        await send(publicClient, walletClient, {
          address: token,
          abi: sovraTokenAbi,
          functionName: "approve",
          args: [registry, amount],
        });
      const tx = await send(publicClient, walletClient, {
        address: registry,
        abi: providerRegistryAbi,
        functionName: "stake",
        args: [amount],
      });
      const info = await publicClient.readContract({
        address: registry,
        abi: providerRegistryAbi,
        functionName: "stakeInfoOf",
        args: [ctx.account.address],
      });
      say(
        `staked ${formatAmount(amount, ctx.tokens.stake)}: ${formatAmount(info.staked, ctx.tokens.stake)} staked in all, ${formatAmount(info.locked, ctx.tokens.stake)} locked`,
      );
      process.stdout.write(
        `${json({
          staked: formatUnits(info.staked, decimals),
          locked: formatUnits(info.locked, decimals),
          symbol: ctx.tokens.stake.symbol,
          tx: txLink(ctx.config, tx.hash),
        })}\n`,
      );
    }),
  );

program
  .command("audit-bond")
  .description(
    "bond SOVRA tokens to audit an optimistic model (drawn stake-weighted for audits and dispute committees; `run --audit` answers them)",
  )
  .requiredOption("-m, --model <name>", "optimistic model (ocr, vad)")
  .option("--amount <tokens>", "SOVRA to bond (default: the settlement's minimum auditor bond)")
  .action(
    action(async (options: { model: string; amount?: string }) => {
      const ctx = await context();
      const { publicClient, walletClient } = clients(ctx);
      const entry = ctx.deployment.models.find((m) => m.name === options.model);
      if (entry === undefined)
        throw new Error(
          `model '${options.model}' is not in the deployment (known: ${ctx.deployment.models.map((m) => m.name).join(", ")})`,
        );
      const tier = await publicClient.readContract({
        address: ctx.deployment.contracts.modelRegistry,
        abi: modelRegistryAbi,
        functionName: "tierOf",
        args: [entry.modelId],
      });
      if (tier !== 2) throw new Error(`model '${options.model}' is not on the optimistic tier: it has no auditors`);
      const settlement = entry.verifier;
      const epoch = await publicClient.readContract({
        address: settlement,
        abi: optimisticSettlementAbi,
        functionName: "currentEpoch",
      });
      const params = await publicClient.readContract({
        address: settlement,
        abi: optimisticSettlementAbi,
        functionName: "paramsAt",
        args: [epoch],
      });
      const amount =
        options.amount === undefined
          ? params.minAuditorBond
          : tokenAmount(options.amount, "bond amount", ctx.tokens.stake);
      const token = ctx.deployment.contracts.sovraToken;
      await send(publicClient, walletClient, {
        address: token,
        abi: sovraTokenAbi,
        functionName: "approve",
        args: [settlement, amount],
      });
      const tx = await send(publicClient, walletClient, {
        address: settlement,
        abi: optimisticSettlementAbi,
        functionName: "bondAuditor",
        args: [entry.modelId, amount],
      });
      const standing = await publicClient.readContract({
        address: settlement,
        abi: optimisticSettlementAbi,
        functionName: "auditorOf",
        args: [entry.modelId, ctx.account.address],
      });
      say(
        `bonded ${formatAmount(amount, ctx.tokens.stake)} to audit ${options.model}: bond ${formatAmount(standing.bond, ctx.tokens.stake)}; run \`sovra-provider run --audit\` to answer audits and committees`,
      );
      process.stdout.write(
        `${json({ model: options.model, bond: formatUnits(standing.bond, ctx.tokens.stake.decimals), tx: txLink(ctx.config, tx.hash) })}\n`,
      );
    }),
  );

function marketFor(
  deployment: Deployment,
  selector: { model?: string; market?: string; policyClass?: string },
): { marketId: number; model: string } {
  if (selector.market !== undefined) {
    const id = Number(parseCount(selector.market, "--market"));
    const entry = deployment.markets.find((m) => m.marketId === id);
    if (entry === undefined)
      throw new Error(
        `market ${selector.market} is not in the deployment: markets are ${deployment.markets.map((m) => `${m.marketId} (${m.model}, policy class ${m.policyClass})`).join(", ") || "none"}`,
      );
    return { marketId: id, model: entry.model };
  }
  const policyClass =
    selector.policyClass === undefined ? undefined : Number(parseCount(selector.policyClass, "--policy-class"));
  const entry = selectMarket(deployment, selector.model ?? "mlp", policyClass);
  return { marketId: entry.marketId, model: entry.model };
}

/** An amount of `token` written by a person ("1000", "12.5"), refused in words otherwise. */
function tokenAmount(text: string, what: string, token: TokenInfo): bigint {
  if (!/^\d+(\.\d+)?$/.test(text.trim()))
    throw new Error(`${what} '${text}' is not an amount of ${token.symbol} (write it like 1000 or 12.5)`);
  if ((text.trim().split(".")[1] ?? "").length > token.decimals)
    throw new Error(`${what} ${text} ${token.symbol} has more decimals than ${token.symbol}'s ${token.decimals}`);
  const units = parseUnits(text.trim(), token.decimals);
  if (units === 0n) throw new Error(`${what} must be more than 0 ${token.symbol}`);
  return units;
}

async function readReport(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch {
    throw new Error(`no benchmark report at ${file}: run \`sovra-provider benchmark -o ${file}\` first`);
  }
}

program
  .command("ask")
  .description("offer capacity on a market at a price per job (reserves capacity x collateralPerJob of free stake)")
  .option("-m, --model <name>", "model whose market to use", "mlp")
  .option("--policy-class <n>", "policy class of the model's market (default: the lowest, 0 = open)")
  .option("--market <id>", "market id (instead of --model)")
  .requiredOption(
    "-p, --price <amount>",
    "price per job in the payment token (e.g. 0.05); must be a multiple of the tick size",
  )
  .option("-n, --capacity <jobs>", "jobs this ask can take", "10")
  .option("--ttl <seconds>", "ask lifetime", "86400")
  .action(
    action(
      async (options: {
        model: string;
        market?: string;
        policyClass?: string;
        price: string;
        capacity: string;
        ttl: string;
      }) => {
        const capacity = parseCount(options.capacity, "--capacity", { min: 1n, max: 0xffffffffn });
        const ttl = parseCount(options.ttl, "--ttl", { min: 1n });
        const ctx = await context();
        const { publicClient, walletClient } = clients(ctx);
        const { marketId, model } = marketFor(ctx.deployment, options);
        const market = ctx.deployment.contracts.spotMarket;
        const info = await publicClient.readContract({
          address: market,
          abi: spotMarketAbi,
          functionName: "marketOf",
          args: [marketId],
        });
        const ticks = priceToTicks(options.price, "price", ctx.tokens.payment, info.params.tickSize);
        const expiresAt = (await chainNow(publicClient)) + ttl;
        const tx = await send(publicClient, walletClient, {
          address: market,
          abi: spotMarketAbi,
          functionName: "placeAsk",
          args: [marketId, Number(ticks), Number(capacity), expiresAt],
        });
        say(
          `ask placed on market ${marketId} (${model}): ${capacity} job${capacity === 1n ? "" : "s"} at ${formatAmount(ticks * info.params.tickSize, ctx.tokens.payment)} each, until ${formatTime(expiresAt)}`,
        );
        process.stdout.write(
          `${json({
            market: marketId,
            model,
            orderId: tx.result,
            tick: ticks,
            price: options.price,
            symbol: ctx.tokens.payment.symbol,
            capacity: Number(capacity),
            expiresAt,
            tx: txLink(ctx.config, tx.hash),
          })}\n`,
        );
      },
    ),
  );

/**
 * Fails in one line when Redis does not answer: the queues would otherwise retry forever, each refusal printed by
 * ioredis as a stack.
 */
async function checkRedis(url: string): Promise<void> {
  const probe = new Redis({
    ...redisOptions(url),
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let reason = "";
  probe.on("error", (error: Error) => {
    reason = error.message;
  });
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw new Error(
      `Redis does not answer at ${url} (${reason || (error as Error).message}): start one (\`redis-server --port ${new URL(url).port || 6379} --save '' --appendonly no --daemonize yes\`) or set SOVRA_REDIS_URL / "redisUrl" in the config`,
    );
  } finally {
    probe.disconnect();
  }
}

program
  .command("run")
  .description("run the node: pre-warm models, watch the chain for matched jobs, infer, prove, submit")
  .option("--no-watch", "do not watch the chain (run stage workers only, e.g. an extra prover host)")
  .option("--stages <list>", "stages this process runs: infer,prove,submit", "infer,prove,submit")
  .option(
    "--audit",
    "also take audit and committee duty on the optimistic models served (bond first: `sovra-provider audit-bond`)",
  )
  .option(
    "--cheat-output",
    "TESTS ONLY: commit wrong results on optimistic markets (the dishonest provider of the dispute tests)",
  )
  .action(
    action(async (options: { watch: boolean; stages: string; audit?: boolean; cheatOutput?: boolean }) => {
      const stageList = options.stages.split(",").map((s) => s.trim());
      const unknown = stageList.filter((s) => !["infer", "prove", "submit"].includes(s));
      if (unknown.length > 0)
        throw new Error(
          `--stages ${options.stages}: unknown stage ${unknown.join(", ")} (stages are infer, prove, submit)`,
        );
      const ctx = await context();
      await checkRedis(ctx.config.redisUrl);
      const logger = createLogger("sovra-provider");
      const metrics = createMetrics({ defaultMetrics: true });
      const stages = new Set(stageList);
      const prover = await loadCircuitsProver({ modelDirs: ctx.config.modelDirs });
      let bar: ReturnType<typeof progress> | undefined;
      const node = await startProviderNode({
        ...ctx,
        publicClient: publicClientFor(ctx.config),
        prover,
        logger,
        metrics,
        ...(options.cheatOutput === true ? { cheatOutput: true } : {}),
        ...(options.audit === true ? { audit: true } : {}),
        stages: {
          infer: stages.has("infer"),
          prove: stages.has("prove"),
          submit: stages.has("submit"),
          watch: options.watch,
        },
        onPrewarm: (done, total) => {
          bar ??= progress("pre-warming models", total);
          bar.update(done);
        },
      });
      bar?.stop();
      logger.info(
        { provider: ctx.account.address, models: node.models, warmup: node.warmup, metrics: node.metricsUrl },
        "provider node running",
      );
      const stop = (signal: string): void => {
        logger.info({ signal }, "stopping");
        node
          .stop()
          .then(() => prover.close())
          .then(() => process.exit(0))
          .catch(fail);
      };
      process.once("SIGINT", () => stop("SIGINT"));
      process.once("SIGTERM", () => stop("SIGTERM"));
    }),
  );

program
  .command("status")
  .description(
    "show registration, stake, earnings owed, queue depth and the watcher's cursor (read-only: needs no password)",
  )
  .option(
    "--address <address>",
    "provider to report on (default: the address of SOVRA_PRIVATE_KEY, else the keystore's, read without unlocking it)",
  )
  .option(
    "-r, --report <file>",
    "local benchmark report, to tell GPU VRAM from host RAM when it is the registered one",
    "benchmark-report.json",
  )
  .option("--json", "machine output: every amount in base units and in tokens")
  .action(
    action(async (options: { address?: string; report: string; json?: boolean }) => {
      const { config, deployment } = await setup();
      const me = await readOnlyAddress(config, options.address);
      const tokens = await tokensFor(config, deployment);
      const publicClient = publicClientFor(config);
      const { providerRegistry: registry, spotMarket: market, sovraToken, paymentToken } = deployment.contracts;
      const [registered, stake, free, owed, releasable, pendingFees, sovra, paid, head] = await Promise.all([
        publicClient.readContract({
          address: registry,
          abi: providerRegistryAbi,
          functionName: "isRegistered",
          args: [me],
        }),
        publicClient.readContract({
          address: registry,
          abi: providerRegistryAbi,
          functionName: "stakeInfoOf",
          args: [me],
        }),
        publicClient.readContract({
          address: registry,
          abi: providerRegistryAbi,
          functionName: "freeStakeOf",
          args: [me],
        }),
        publicClient.readContract({ address: market, abi: spotMarketAbi, functionName: "owed", args: [me] }),
        publicClient.readContract({ address: market, abi: spotMarketAbi, functionName: "releasableOf", args: [me] }),
        publicClient.readContract({ address: market, abi: spotMarketAbi, functionName: "pendingFeesOf", args: [me] }),
        publicClient.readContract({ address: sovraToken, abi: sovraTokenAbi, functionName: "balanceOf", args: [me] }),
        publicClient.readContract({
          address: paymentToken,
          abi: erc20PermitAbi,
          functionName: "balanceOf",
          args: [me],
        }),
        publicClient.getBlockNumber(),
      ]);
      const profile = registered
        ? await publicClient.readContract({
            address: registry,
            abi: providerRegistryAbi,
            functionName: "profileOf",
            args: [me],
          })
        : null;
      let memory: ProviderStatus["memory"] = null;
      if (profile !== null) {
        let local: { digest: Hex; memorySource: MemorySource } | undefined;
        if (existsSync(options.report)) {
          try {
            const bytes = new Uint8Array(await readFile(options.report));
            const signed = JSON.parse(new TextDecoder().decode(bytes)) as SignedReport;
            local = { digest: reportDigest(bytes).digest, memorySource: signed.report.summary.memorySource ?? "gpu" };
          } catch {
            local = undefined; // not a report: fall back to the GPU model name
          }
        }
        memory = memorySourceOf(profile.gpuModel, local, profile.benchmarkReport);
      }
      let queue: ProviderStatus["queue"] = null;
      let cursor: string | null = null;
      const redis = new Redis({
        ...redisOptions(config.redisUrl),
        maxRetriesPerRequest: 1,
        lazyConnect: true,
        connectTimeout: 2000,
        retryStrategy: () => null,
      });
      // A refused connection is reported in the status ("Redis unreachable"), not as ioredis's unhandled-error dump.
      redis.on("error", () => {});
      try {
        await redis.connect();
        cursor = await redis.get(cursorKey(config.chainId, market as Address, me));
        const queues = createQueues(redisOptions(config.redisUrl));
        queue = Object.fromEntries(
          await Promise.all(
            (Object.keys(QUEUES) as (keyof typeof QUEUES)[]).map(
              async (stage) =>
                [
                  stage,
                  await queues[stage].getJobCounts("waiting", "active", "delayed", "completed", "failed"),
                ] as const,
            ),
          ),
        );
        await queues.close();
      } catch {
        // status still reports the chain side without Redis
      } finally {
        redis.disconnect();
      }
      const status: ProviderStatus = {
        provider: me,
        chainId: config.chainId,
        chainHead: head,
        registered,
        profile,
        memory,
        stake: { ...stake, unbondingReadyAt: BigInt(stake.unbondingReadyAt), free },
        owed,
        releasableCollateral: releasable,
        pendingProtocolFees: pendingFees,
        balances: { stake: sovra, payment: paid },
        watcherCursor: cursor === null ? null : BigInt(cursor),
        queue,
        redisUrl: config.redisUrl,
      };
      process.stdout.write(
        options.json === true ? `${json(statusJson(status, tokens))}\n` : `${statusLines(status, tokens).join("\n")}\n`,
      );
    }),
  );

program
  .command("withdraw")
  .description(
    "withdraw the payment-token earnings the market owes you; the same call hands the collateral of your settled jobs back to your free stake and moves their pending protocol fees to the treasury",
  )
  .option("--to <address>", "recipient of the earnings (default: the provider address)")
  .action(
    action(async (options: { to?: string }) => {
      const ctx = await context();
      const { publicClient, walletClient } = clients(ctx);
      const market = ctx.deployment.contracts.spotMarket;
      const me = ctx.account.address;
      const read = async () => {
        const [owed, releasable, pendingFees, stake] = await Promise.all([
          publicClient.readContract({ address: market, abi: spotMarketAbi, functionName: "owed", args: [me] }),
          publicClient.readContract({ address: market, abi: spotMarketAbi, functionName: "releasableOf", args: [me] }),
          publicClient.readContract({ address: market, abi: spotMarketAbi, functionName: "pendingFeesOf", args: [me] }),
          publicClient.readContract({
            address: ctx.deployment.contracts.providerRegistry,
            abi: providerRegistryAbi,
            functionName: "stakeInfoOf",
            args: [me],
          }),
        ]);
        return { owed, releasable, pendingFees, stake };
      };
      const before = await read();
      const to = (options.to ?? me) as Address;
      let tx: Awaited<ReturnType<typeof send>>;
      if (before.owed > 0n)
        tx = await send(publicClient, walletClient, {
          address: market,
          abi: spotMarketAbi,
          functionName: "withdraw",
          args: [to],
        });
      else if (before.releasable > 0n || before.pendingFees > 0n) {
        // Nothing to pay out, but settled jobs' collateral is still locked: release it on its own.
        tx = await send(publicClient, walletClient, {
          address: market,
          abi: spotMarketAbi,
          functionName: "releaseCollateral",
          args: [],
        });
      } else throw new Error(`the market owes ${me} nothing and holds no releasable collateral`);
      const after = await read();
      const { payment, stake } = ctx.tokens;
      const withdrawn = before.owed - after.owed;
      const released = before.releasable - after.releasable;
      const flushed = before.pendingFees - after.pendingFees;
      say(
        `withdrew ${formatAmount(withdrawn, payment)} to ${to}; ${formatAmount(released, stake)} of collateral back to free stake; ${formatAmount(flushed, payment)} of protocol fees to the treasury`,
      );
      // Base units under the keys scripts already read; the same amounts in tokens under `tokens`.
      process.stdout.write(
        `${json({
          withdrawn,
          to,
          collateralReleased: released,
          feesFlushedToTreasury: flushed,
          stake: after.stake,
          tokens: {
            withdrawn: formatAmount(withdrawn, payment),
            collateralReleased: formatAmount(released, stake),
            feesFlushedToTreasury: formatAmount(flushed, payment),
            staked: formatAmount(after.stake.staked, stake),
            locked: formatAmount(after.stake.locked, stake),
          },
          tx: txLink(ctx.config, tx.hash),
        })}\n`,
      );
    }),
  );

program
  .command("unstake [amount]")
  .description(
    "start unbonding free stake (amount in whole tokens); with --complete, withdraw stake whose unbonding delay has passed",
  )
  .option("--complete", "withdraw unbonded stake")
  .action(
    action(async (amountText: string | undefined, options: { complete?: boolean }) => {
      const ctx = await context();
      const { publicClient, walletClient } = clients(ctx);
      const registry = ctx.deployment.contracts.providerRegistry;
      let tx: Awaited<ReturnType<typeof send>>;
      if (options.complete === true)
        tx = await send(publicClient, walletClient, {
          address: registry,
          abi: providerRegistryAbi,
          functionName: "withdrawUnbonded",
          args: [],
        });
      else {
        if (amountText === undefined)
          throw new Error("give an amount to unbond (sovra-provider unstake 100), or --complete");
        tx = await send(publicClient, walletClient, {
          address: registry,
          abi: providerRegistryAbi,
          functionName: "requestUnbond",
          args: [tokenAmount(amountText, "unstake amount", ctx.tokens.stake)],
        });
      }
      const info = await publicClient.readContract({
        address: registry,
        abi: providerRegistryAbi,
        functionName: "stakeInfoOf",
        args: [ctx.account.address],
      });
      const sov = ctx.tokens.stake;
      say(
        `stake: ${formatAmount(info.staked, sov)} staked, ${formatAmount(info.locked, sov)} locked, ${formatAmount(info.unbonding, sov)} unbonding${info.unbonding > 0n ? ` (withdrawable at ${formatTime(info.unbondingReadyAt)})` : ""}`,
      );
      process.stdout.write(
        `${json({
          stake: info,
          tokens: {
            staked: formatAmount(info.staked, sov),
            locked: formatAmount(info.locked, sov),
            unbonding: formatAmount(info.unbonding, sov),
          },
          tx: txLink(ctx.config, tx.hash),
        })}\n`,
      );
    }),
  );

program
  .command("gateway")
  .description(
    "serve a folder's files by CID (GET /ipfs/<cid>) for other nodes' weight stores; with --inputs, take buyers' inputs too (POST /ipfs)",
  )
  .requiredOption("-d, --dir <dir>", "folder to serve")
  .option("-p, --port <port>", "port", "8081")
  .option("--host <host>", "interface", "127.0.0.1")
  .option("--inputs <dir>", "also take buyers' inputs (POST /ipfs: PNG, WAV) into this folder and serve them by CID")
  .option("--inputs-quota <mb>", "megabytes of inputs kept; the least recently used are evicted first", "1024")
  .action(
    action(async (options: { dir: string; port: string; host: string; inputs?: string; inputsQuota: string }) => {
      const port = Number(parseCount(options.port, "--port", { max: 65_535n }));
      if (!existsSync(options.dir))
        throw new Error(`--dir ${options.dir} does not exist: give the folder of model files to serve`);
      const quotaMb = Number(parseCount(options.inputsQuota, "--inputs-quota", { min: 1n, max: 1_000_000n }));
      const logger = createLogger("sovra-gateway");
      const inputs =
        options.inputs === undefined
          ? undefined
          : { store: createInputStore({ dir: options.inputs, maxTotalBytes: quotaMb * 1024 * 1024, logger }) };
      const gateway = await startGateway({ dir: options.dir, port, host: options.host, logger, inputs });
      logger.info({ url: gateway.url, dir: options.dir, inputs: options.inputs ?? null }, "gateway serving");
      process.once("SIGINT", () => void gateway.close().then(() => process.exit(0)));
      process.once("SIGTERM", () => void gateway.close().then(() => process.exit(0)));
    }),
  );

program
  .command("models")
  .description("list the models this node would serve, with their weights CID and on-chain registration")
  .action(
    action(async () => {
      const { config, deployment } = await setup();
      const publicClient = publicClientFor(config);
      const out = [];
      for (const model of modelsToServe(config, deployment)) {
        const entry = deployment.models.find((m) => m.name === model.name);
        const onchain =
          entry === undefined
            ? null
            : await publicClient.readContract({
                address: deployment.contracts.modelRegistry,
                abi: modelRegistryAbi,
                functionName: "modelOf",
                args: [entry.modelId],
              });
        out.push({ ...model, onchain });
      }
      process.stdout.write(`${json(out)}\n`);
    }),
  );

await program.parseAsync(process.argv).catch(fail);
