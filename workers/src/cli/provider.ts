import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { Redis } from "ioredis";
import { formatUnits, parseUnits, type Address, type Hex } from "viem";
import { generatePrivateKey, type LocalAccount } from "viem/accounts";
import type { Deployment } from "@sovra/contracts";
import { erc20PermitAbi, modelRegistryAbi, providerRegistryAbi, sovraTokenAbi, spotMarketAbi } from "../chain/abis.ts";
import { deploymentFor, loadAccount, publicClientFor, txLink, walletClientFor } from "../chain/context.ts";
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
import { startGateway } from "../weights/gateway.ts";
import { createWeightStore } from "../weights/store.ts";
import { configFrom, fail, json, progress, promptHidden, send, type GlobalOptions } from "./common.ts";

type Ctx = { config: Config; deployment: Deployment; account: LocalAccount };

const program = new Command("sovra-provider")
  .description("Sovra provider node: list your GPU on the Sovra market, take matched inference jobs, prove and deliver them")
  .option("-c, --config <file>", "config file (default ./sovra.config.json, or SOVRA_CONFIG)")
  .option("--rpc-url <url>", "JSON-RPC endpoint (overrides config rpcUrl / SOVRA_RPC_URL)")
  .option("--chain-id <id>", "chain id (overrides config chainId / SOVRA_CHAIN_ID)")
  .option("--password-file <file>", "file holding the keystore password (else SOVRA_KEYSTORE_PASSWORD or a prompt)")
  .showHelpAfterError();

function globals(): GlobalOptions & { passwordFile?: string } {
  return program.opts<GlobalOptions & { passwordFile?: string }>();
}

async function context(): Promise<Ctx> {
  const config = configFrom(globals());
  const deployment = await deploymentFor(config);
  const passwordFile = globals().passwordFile;
  const account = await loadAccount(config, { prompt: promptHidden, ...(passwordFile !== undefined ? { passwordFile } : {}) });
  return { config, deployment, account };
}

function clients(ctx: Ctx) {
  return { publicClient: publicClientFor(ctx.config), walletClient: walletClientFor(ctx.config, ctx.account) };
}

function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => void {
  return (...args: A) => {
    fn(...args).catch(fail);
  };
}

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
      if (existsSync(file) && options.force !== true) throw new Error(`${file} exists: pass --force to replace it (the old key is lost unless backed up)`);
      const key = options.importEnv === true ? process.env.SOVRA_IMPORT_KEY : generatePrivateKey();
      if (key === undefined || !/^0x[0-9a-fA-F]{64}$/.test(key)) throw new Error("SOVRA_IMPORT_KEY must be 0x followed by 64 hex digits");
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
  .description("detect GPUs, probe onnxruntime providers (cuda -> webgpu -> cpu), measure matmul throughput and model latency; write a signed report")
  .option("-o, --out <file>", "report file", "benchmark-report.json")
  .option("--size <n>", "matrix size (default 512 on cpu, 2048 on GPUs)")
  .option("--seconds <s>", "seconds per measurement", "1")
  .option("--no-models", "skip per-model latency (no deployment or weights needed)")
  .action(
    action(async (options: { out: string; size?: string; seconds: string; models: boolean }) => {
      const config = configFrom(globals());
      const passwordFile = globals().passwordFile;
      const account = await loadAccount(config, { prompt: promptHidden, ...(passwordFile !== undefined ? { passwordFile } : {}) });
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
        ...(options.size !== undefined ? { size: Number(options.size) } : {}),
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
          matmul: report.matmul.map((m) => (m.supported ? { device: m.device, dtype: m.dtype, n: m.n, gflops: +(m.opsPerSecond / 1e9).toFixed(2) } : m)),
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
      const bytes = new Uint8Array(await readFile(options.report));
      const signed = JSON.parse(new TextDecoder().decode(bytes)) as SignedReport;
      if (!(await verifyReport(signed))) throw new Error(`${options.report}: signature does not match report.provider`);
      if (signed.report.provider.toLowerCase() !== ctx.account.address.toLowerCase()) {
        throw new Error(`${options.report} was signed by ${signed.report.provider}, not this key (${ctx.account.address}): re-run benchmark`);
      }
      const { digest, cid } = reportDigest(bytes);
      const { publicClient, walletClient } = clients(ctx);
      if (signed.report.summary.vramMb <= 0) throw new Error(`${options.report} declares no inference memory (vramMb 0): re-run \`sovra-provider benchmark\``);
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
      process.stdout.write(`${json({ registered: ctx.account.address, profile, memorySource: signed.report.summary.memorySource ?? "gpu", reportCid: cid, tx: txLink(ctx.config, tx.hash) })}\n`);
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
      const decimals = await publicClient.readContract({ address: token, abi: sovraTokenAbi, functionName: "decimals" });
      const amount = parseUnits(amountText, decimals);
      const registry = ctx.deployment.contracts.providerRegistry;
      const allowance = await publicClient.readContract({ address: token, abi: sovraTokenAbi, functionName: "allowance", args: [ctx.account.address, registry] });
      if (allowance < amount) await send(publicClient, walletClient, { address: token, abi: sovraTokenAbi, functionName: "approve", args: [registry, amount] });
      const tx = await send(publicClient, walletClient, { address: registry, abi: providerRegistryAbi, functionName: "stake", args: [amount] });
      const info = await publicClient.readContract({ address: registry, abi: providerRegistryAbi, functionName: "stakeInfoOf", args: [ctx.account.address] });
      process.stdout.write(`${json({ staked: formatUnits(info.staked, decimals), locked: formatUnits(info.locked, decimals), tx: txLink(ctx.config, tx.hash) })}\n`);
    }),
  );

function marketFor(deployment: Deployment, selector: { model?: string; market?: string }): { marketId: number; model: string } {
  if (selector.market !== undefined) {
    const id = Number(selector.market);
    const entry = deployment.markets.find((m) => m.marketId === id);
    if (entry === undefined) throw new Error(`market ${selector.market} is not in the deployment`);
    return { marketId: id, model: entry.model };
  }
  const name = selector.model ?? "mlp";
  const entry = deployment.markets.find((m) => m.model === name);
  if (entry === undefined) throw new Error(`no market for model '${name}' (markets: ${deployment.markets.map((m) => `${m.marketId}=${m.model}`).join(", ") || "none"})`);
  return { marketId: entry.marketId, model: entry.model };
}

program
  .command("ask")
  .description("offer capacity on a market at a price per job (reserves capacity x collateralPerJob of free stake)")
  .option("-m, --model <name>", "model whose market to use", "mlp")
  .option("--market <id>", "market id (instead of --model)")
  .requiredOption("-p, --price <amount>", "price per job in the payment token (e.g. 0.05); must be a multiple of the tick size")
  .option("-n, --capacity <jobs>", "jobs this ask can take", "10")
  .option("--ttl <seconds>", "ask lifetime", "86400")
  .action(
    action(async (options: { model: string; market?: string; price: string; capacity: string; ttl: string }) => {
      const ctx = await context();
      const { publicClient, walletClient } = clients(ctx);
      const { marketId, model } = marketFor(ctx.deployment, options);
      const market = ctx.deployment.contracts.spotMarket;
      const info = await publicClient.readContract({ address: market, abi: spotMarketAbi, functionName: "marketOf", args: [marketId] });
      const decimals = await publicClient.readContract({ address: ctx.deployment.contracts.paymentToken, abi: erc20PermitAbi, functionName: "decimals" });
      const price = parseUnits(options.price, decimals);
      const tickSize = info.params.tickSize;
      if (price % tickSize !== 0n || price / tickSize < 1n || price / tickSize > 65_535n) {
        throw new Error(`price must be a multiple of the tick size ${formatUnits(tickSize, decimals)} between 1 and 65535 ticks`);
      }
      const block = await publicClient.getBlock();
      const expiresAt = block.timestamp + BigInt(options.ttl);
      const tx = await send(publicClient, walletClient, {
        address: market,
        abi: spotMarketAbi,
        functionName: "placeAsk",
        args: [marketId, Number(price / tickSize), Number(options.capacity), expiresAt],
      });
      process.stdout.write(`${json({ market: marketId, model, orderId: tx.result, tick: price / tickSize, capacity: Number(options.capacity), expiresAt, tx: txLink(ctx.config, tx.hash) })}\n`);
    }),
  );

program
  .command("run")
  .description("run the node: pre-warm models, watch the chain for matched jobs, infer, prove, submit")
  .option("--no-watch", "do not watch the chain (run stage workers only, e.g. an extra prover host)")
  .option("--stages <list>", "stages this process runs: infer,prove,submit", "infer,prove,submit")
  .action(
    action(async (options: { watch: boolean; stages: string }) => {
      const ctx = await context();
      const logger = createLogger("sovra-provider");
      const metrics = createMetrics({ defaultMetrics: true });
      const stages = new Set(options.stages.split(",").map((s) => s.trim()));
      const prover = await loadCircuitsProver();
      let bar: ReturnType<typeof progress> | undefined;
      const node = await startProviderNode({
        ...ctx,
        publicClient: publicClientFor(ctx.config),
        prover,
        logger,
        metrics,
        stages: { infer: stages.has("infer"), prove: stages.has("prove"), submit: stages.has("submit"), watch: options.watch },
        onPrewarm: (done, total) => {
          bar ??= progress("pre-warming models", total);
          bar.update(done);
        },
      });
      bar?.stop();
      logger.info({ provider: ctx.account.address, models: node.models, warmup: node.warmup, metrics: node.metricsUrl }, "provider node running");
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
  .description("show registration, stake, earnings owed, queue depth and the watcher's cursor")
  .action(
    action(async () => {
      const ctx = await context();
      const publicClient = publicClientFor(ctx.config);
      const me = ctx.account.address;
      const { providerRegistry: registry, spotMarket: market, sovraToken, paymentToken } = ctx.deployment.contracts;
      const [registered, stake, free, owed, releasable, pendingFees, sovra, paid, head] = await Promise.all([
        publicClient.readContract({ address: registry, abi: providerRegistryAbi, functionName: "isRegistered", args: [me] }),
        publicClient.readContract({ address: registry, abi: providerRegistryAbi, functionName: "stakeInfoOf", args: [me] }),
        publicClient.readContract({ address: registry, abi: providerRegistryAbi, functionName: "freeStakeOf", args: [me] }),
        publicClient.readContract({ address: market, abi: spotMarketAbi, functionName: "owed", args: [me] }),
        publicClient.readContract({ address: market, abi: spotMarketAbi, functionName: "releasableOf", args: [me] }),
        publicClient.readContract({ address: market, abi: spotMarketAbi, functionName: "pendingFeesOf", args: [me] }),
        publicClient.readContract({ address: sovraToken, abi: sovraTokenAbi, functionName: "balanceOf", args: [me] }),
        publicClient.readContract({ address: paymentToken, abi: erc20PermitAbi, functionName: "balanceOf", args: [me] }),
        publicClient.getBlockNumber(),
      ]);
      const profile = registered ? await publicClient.readContract({ address: registry, abi: providerRegistryAbi, functionName: "profileOf", args: [me] }) : null;
      let queue: unknown = "redis unreachable";
      let cursor: string | null = null;
      const redis = new Redis({ ...redisOptions(ctx.config.redisUrl), maxRetriesPerRequest: 1, lazyConnect: true, connectTimeout: 2000, retryStrategy: () => null });
      try {
        await redis.connect();
        cursor = await redis.get(cursorKey(ctx.config.chainId, market as Address, me));
        const queues = createQueues(redisOptions(ctx.config.redisUrl));
        queue = Object.fromEntries(
          await Promise.all(
            (Object.keys(QUEUES) as (keyof typeof QUEUES)[]).map(async (stage) => [stage, await queues[stage].getJobCounts("waiting", "active", "delayed", "completed", "failed")] as const),
          ),
        );
        await queues.close();
      } catch {
        // status still reports the chain side without Redis
      } finally {
        redis.disconnect();
      }
      process.stdout.write(
        `${json({
          provider: me,
          chainId: ctx.config.chainId,
          registered,
          profile,
          stake: { ...stake, free },
          owed,
          // Settled jobs' collateral still locked until `withdraw` (or releaseCollateral) hands it back.
          releasableCollateral: releasable,
          pendingProtocolFees: pendingFees,
          balances: { sovra, payment: paid },
          chainHead: head,
          watcherCursor: cursor,
          lagBlocks: cursor === null ? null : head - BigInt(cursor),
          queue,
        })}\n`,
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
          publicClient.readContract({ address: ctx.deployment.contracts.providerRegistry, abi: providerRegistryAbi, functionName: "stakeInfoOf", args: [me] }),
        ]);
        return { owed, releasable, pendingFees, stake };
      };
      const before = await read();
      const to = (options.to ?? me) as Address;
      let tx: Awaited<ReturnType<typeof send>>;
      if (before.owed > 0n) tx = await send(publicClient, walletClient, { address: market, abi: spotMarketAbi, functionName: "withdraw", args: [to] });
      else if (before.releasable > 0n || before.pendingFees > 0n) {
        // Nothing to pay out, but settled jobs' collateral is still locked: release it on its own.
        tx = await send(publicClient, walletClient, { address: market, abi: spotMarketAbi, functionName: "releaseCollateral", args: [] });
      } else throw new Error(`the market owes ${me} nothing and holds no releasable collateral`);
      const after = await read();
      process.stdout.write(
        `${json({
          withdrawn: before.owed - after.owed,
          to,
          collateralReleased: before.releasable - after.releasable,
          feesFlushedToTreasury: before.pendingFees - after.pendingFees,
          stake: after.stake,
          tx: txLink(ctx.config, tx.hash),
        })}\n`,
      );
    }),
  );

program
  .command("unstake [amount]")
  .description("start unbonding free stake (amount in whole tokens); with --complete, withdraw stake whose unbonding delay has passed")
  .option("--complete", "withdraw unbonded stake")
  .action(
    action(async (amountText: string | undefined, options: { complete?: boolean }) => {
      const ctx = await context();
      const { publicClient, walletClient } = clients(ctx);
      const registry = ctx.deployment.contracts.providerRegistry;
      let tx: Awaited<ReturnType<typeof send>>;
      if (options.complete === true) tx = await send(publicClient, walletClient, { address: registry, abi: providerRegistryAbi, functionName: "withdrawUnbonded", args: [] });
      else {
        if (amountText === undefined) throw new Error("give an amount to unbond, or --complete");
        const decimals = await publicClient.readContract({ address: ctx.deployment.contracts.sovraToken, abi: sovraTokenAbi, functionName: "decimals" });
        tx = await send(publicClient, walletClient, { address: registry, abi: providerRegistryAbi, functionName: "requestUnbond", args: [parseUnits(amountText, decimals)] });
      }
      const info = await publicClient.readContract({ address: registry, abi: providerRegistryAbi, functionName: "stakeInfoOf", args: [ctx.account.address] });
      process.stdout.write(`${json({ stake: info, tx: txLink(ctx.config, tx.hash) })}\n`);
    }),
  );

program
  .command("gateway")
  .description("serve a folder's files by CID (GET /ipfs/<cid>) for other nodes' weight stores")
  .requiredOption("-d, --dir <dir>", "folder to serve")
  .option("-p, --port <port>", "port", "8081")
  .option("--host <host>", "interface", "127.0.0.1")
  .action(
    action(async (options: { dir: string; port: string; host: string }) => {
      const logger = createLogger("sovra-gateway");
      const gateway = await startGateway({ dir: options.dir, port: Number(options.port), host: options.host, logger });
      logger.info({ url: gateway.url, dir: options.dir }, "gateway serving");
      process.once("SIGINT", () => void gateway.close().then(() => process.exit(0)));
      process.once("SIGTERM", () => void gateway.close().then(() => process.exit(0)));
    }),
  );

program
  .command("models")
  .description("list the models this node would serve, with their weights CID and on-chain registration")
  .action(
    action(async () => {
      const config = configFrom(globals());
      const deployment = await deploymentFor(config);
      const publicClient = publicClientFor(config);
      const out = [];
      for (const model of modelsToServe(config, deployment)) {
        const entry = deployment.models.find((m) => m.name === model.name);
        const onchain = entry === undefined ? null : await publicClient.readContract({ address: deployment.contracts.modelRegistry, abi: modelRegistryAbi, functionName: "modelOf", args: [entry.modelId] });
        out.push({ ...model, onchain });
      }
      process.stdout.write(`${json(out)}\n`);
    }),
  );

await program.parseAsync(process.argv);
