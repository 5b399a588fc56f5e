// One Sovra system for an end-to-end test file: a Hardhat chain with everything deployed by Ignition (deploy's
// helpers), a real Redis, a weights gateway serving circuits/models by CID, a provider (local account #1) and a
// buyer (#2), and the provider node and buyer CLI started as real processes.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPublicClient, createTestClient, createWalletClient, http, type Address, type PublicClient } from "viem";
import { hardhat } from "viem/chains";
import type { HDAccount } from "viem/accounts";
import {
  providerRegistryAbi,
  sovraTokenAbi,
  spotMarketAbi,
  testStablecoinAbi,
  type Deployment,
} from "@sovra/contracts";
import {
  buyerBin,
  deploySystem,
  fundLocalAccounts,
  localAccount,
  privateKeyOf,
  providerBin,
  startLocalChain,
  type LocalChain,
} from "@sovra/deploy";
import { startTestRedis, type TestRedis } from "./redis.ts";

export { buyerBin, privateKeyOf, providerBin };
import { startGateway, type Gateway } from "@sovra/workers";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const modelsDir = path.join(repoRoot, "circuits", "models");

export type System = {
  chain: LocalChain;
  rpcUrl: string;
  deployment: Deployment;
  deploymentFile: string;
  /** Restart it with `redis.restart()`: `stop()` then stops the server running at the time. */
  readonly redis: TestRedis;
  gateway: Gateway;
  dir: string;
  client: PublicClient;
  provider: HDAccount;
  buyer: HDAccount;
  market: Address;
  /** Writes a node config (weights from `weightsUrl`, default the gateway) and returns its path. */
  writeConfig(options?: {
    weightsUrl?: string;
    redisUrl?: string;
    rpcUrl?: string;
    models?: string[];
    name?: string;
  }): Promise<string>;
  stop(): Promise<void>;
};

/** Stops every part even when one of them fails to stop, then reports the first failure. */
async function stopAll(parts: readonly (() => Promise<void>)[]): Promise<void> {
  const results = await Promise.allSettled(parts.map((stop) => stop()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) throw failed.reason;
}

export async function startSystem(options: { optimisticAuditBps?: number } = {}): Promise<System> {
  const dir = await mkdtemp(path.join(tmpdir(), "sovra-e2e-"));
  // Everything started so far, stopped again if a later step fails: a half-started system must not leave a
  // chain or a redis-server running after the suite.
  const started: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    try {
      await stopAll(started);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    return await assemble(dir, started, stop, options);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

async function assemble(
  dir: string,
  started: (() => Promise<void>)[],
  stop: () => Promise<void>,
  options: { optimisticAuditBps?: number },
): Promise<System> {
  const chain = await startLocalChain();
  started.push(() => chain.stop());
  const deploymentFile = path.join(dir, "deployment.json");
  const deployment = await deploySystem({
    rpcUrl: chain.rpcUrl,
    outFile: deploymentFile,
    ...(options.optimisticAuditBps !== undefined ? { optimisticAuditBps: options.optimisticAuditBps } : {}),
  });
  await fundLocalAccounts({ rpcUrl: chain.rpcUrl, deployment, accounts: [1, 2, 3], sovEach: 10_000n * 10n ** 18n });
  const redis = await startTestRedis();
  started.push(() => redis.stop());
  const gateway = await startGateway({ dir: modelsDir });
  started.push(() => gateway.close());
  const client = createPublicClient({ chain: hardhat, transport: http(chain.rpcUrl) });
  let configs = 0;
  return {
    chain,
    rpcUrl: chain.rpcUrl,
    deployment,
    deploymentFile,
    redis,
    gateway,
    dir,
    client,
    provider: localAccount(1),
    buyer: localAccount(2),
    market: deployment.contracts.spotMarket,
    async writeConfig(options = {}) {
      const name = options.name ?? `node-${++configs}`;
      const file = path.join(dir, `${name}.config.json`);
      const config = {
        chainId: 31337,
        rpcUrl: options.rpcUrl ?? chain.rpcUrl,
        deploymentFile,
        // Hardhat mines a block per transaction and none otherwise: waiting for a confirmation would wait forever.
        confirmations: 0,
        pollIntervalMs: 250,
        redisUrl: options.redisUrl ?? redis.url,
        models: options.models ?? ["mlp"],
        weights: {
          cacheDir: path.join(dir, `${name}-weights`),
          sources: [{ kind: "http", url: options.weightsUrl ?? gateway.url }],
        },
        inference: { executionProviders: ["cpu"], concurrency: 1 },
        metrics: { port: 0 },
      };
      await writeFile(file, JSON.stringify(config, null, 2));
      return file;
    },
    // Provider nodes a test left running, then chain, Redis (the server running now, restarted or not) and
    // gateway, then the folder.
    async stop() {
      try {
        await stopNodes();
      } finally {
        await stop();
      }
    },
  };
}

export type CliResult = { code: number | null; stdout: string; stderr: string };

/** Runs one CLI command to completion as `account` (SOVRA_PRIVATE_KEY, local chain only). */
export function runCli(
  bin: string,
  args: readonly string[],
  options: { account: HDAccount; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: repoRoot,
      env: {
        ...process.env,
        SOVRA_PRIVATE_KEY: privateKeyOf(options.account),
        SOVRA_CHAIN_ID: "31337",
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${path.basename(bin)} ${args.join(" ")} timed out\n${stderr}`));
    }, options.timeoutMs ?? 180_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a CLI command that must succeed and print JSON; returns the parsed output. */
export async function cliJson<T = Record<string, unknown>>(
  bin: string,
  args: readonly string[],
  options: { account: HDAccount; env?: NodeJS.ProcessEnv },
): Promise<T> {
  const result = await runCli(bin, args, options);
  if (result.code !== 0)
    throw new Error(
      `${path.basename(bin)} ${args.join(" ")} exited ${result.code}\n${result.stderr}\n${result.stdout}`,
    );
  return JSON.parse(result.stdout) as T;
}

export type LogLine = { msg?: string; level?: number; jobId?: string; time?: number; [key: string]: unknown };

/** A provider node (`sovra-provider run`) as a real child process, with its JSON log lines. */
export type NodeProcess = {
  child: ChildProcess;
  logs: LogLine[];
  /** Resolves with the first log line (already seen or coming) that `match` accepts. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
};

// Every provider node started by `startNode` and not yet exited: `System.stop()` stops those a test left behind.
const liveNodes = new Set<NodeProcess>();

/** Stops every provider node still running. */
export async function stopNodes(): Promise<void> {
  await Promise.all([...liveNodes].map((node) => node.stop()));
}

export function startNode(options: {
  config: string;
  account: HDAccount;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  echo?: boolean;
}): NodeProcess {
  const child = spawn(process.execPath, [providerBin, "--config", options.config, "run", ...(options.args ?? [])], {
    cwd: repoRoot,
    env: { ...process.env, SOVRA_PRIVATE_KEY: privateKeyOf(options.account), ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: LogLine[] = [];
  const waiters = new Set<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  let buffer = "";
  const onData = (chunk: Buffer): void => {
    buffer += chunk.toString();
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    for (const text of lines) {
      if (text.trim() === "") continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { msg: text };
      }
      logs.push(line);
      if (options.echo === true || process.env.SOVRA_E2E_ECHO === "1")
        process.stderr.write(`[node ${child.pid}] ${text}\n`);
      for (const waiter of waiters) {
        if (waiter.match(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const node: NodeProcess = {
    child,
    logs,
    exited,
    waitForLog(match, timeoutMs = 180_000) {
      const seen = logs.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve };
        waiters.add(waiter);
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `log line not seen within ${timeoutMs} ms; last lines:\n${logs
                .slice(-15)
                .map((l) => JSON.stringify(l))
                .join("\n")}`,
            ),
          );
        }, timeoutMs);
        void exited.then(({ code, signal }) => {
          if (!waiters.has(waiter)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          reject(
            new Error(
              `node exited (${code ?? signal}) before the log line; last lines:\n${logs
                .slice(-15)
                .map((l) => JSON.stringify(l))
                .join("\n")}`,
            ),
          );
        });
        const original = waiter.resolve;
        waiter.resolve = (line) => {
          clearTimeout(timer);
          original(line);
        };
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  liveNodes.add(node);
  void exited.then(() => liveNodes.delete(node));
  return node;
}

/** Waits until the node has pre-warmed its models and started its stages. */
export function nodeReady(node: NodeProcess): Promise<LogLine> {
  return node.waitForLog((line) => line.msg === "provider node running");
}

/** Benchmark -> register -> stake through the provider CLI. */
export async function registerProvider(
  sys: System,
  options: { stake: string },
): Promise<{ register: Record<string, unknown> }> {
  const config = await sys.writeConfig({ name: "provider-cli" });
  const report = path.join(sys.dir, "benchmark-report.json");
  const account = sys.provider;
  await cliJson(
    providerBin,
    ["--config", config, "benchmark", "--no-models", "--seconds", "0.2", "--size", "128", "-o", report],
    { account },
  );
  const register = await cliJson(providerBin, ["--config", config, "register", "-r", report, "--region", "eu-west"], {
    account,
  });
  await cliJson(providerBin, ["--config", config, "stake", options.stake], { account });
  return { register };
}

/** Places an ask through the provider CLI. */
export async function placeAsk(
  sys: System,
  options: { price: string; capacity: number; model?: string; ttl?: number },
): Promise<{ orderId: string }> {
  const config = await sys.writeConfig({ name: "provider-cli" });
  return cliJson(
    providerBin,
    [
      "--config",
      config,
      "ask",
      "--model",
      options.model ?? "mlp",
      "--price",
      options.price,
      "--capacity",
      String(options.capacity),
      "--ttl",
      String(options.ttl ?? 86_400),
    ],
    { account: sys.provider },
  );
}

export function testClient(sys: System) {
  return createTestClient({ chain: hardhat, mode: "hardhat", transport: http(sys.rpcUrl) });
}

export function wallet(sys: System, account: HDAccount) {
  return createWalletClient({ chain: hardhat, transport: http(sys.rpcUrl), account });
}

/** Balances that a job's money moves between. */
export async function snapshot(
  sys: System,
  accounts: { buyer: Address; provider: Address; treasury: Address; caller?: Address },
) {
  const { client, market } = sys;
  const { paymentToken, providerRegistry, sovraToken } = sys.deployment.contracts;
  const read = <T>(p: Promise<T>) => p;
  const [
    buyerOwed,
    providerOwed,
    treasuryOwed,
    pendingFees,
    releasable,
    stake,
    buyerSov,
    treasurySov,
    callerSov,
    marketBalance,
  ] = await Promise.all([
    read(client.readContract({ address: market, abi: spotMarketAbi, functionName: "owed", args: [accounts.buyer] })),
    read(client.readContract({ address: market, abi: spotMarketAbi, functionName: "owed", args: [accounts.provider] })),
    read(client.readContract({ address: market, abi: spotMarketAbi, functionName: "owed", args: [accounts.treasury] })),
    read(
      client.readContract({
        address: market,
        abi: spotMarketAbi,
        functionName: "pendingFeesOf",
        args: [accounts.provider],
      }),
    ),
    read(
      client.readContract({
        address: market,
        abi: spotMarketAbi,
        functionName: "releasableOf",
        args: [accounts.provider],
      }),
    ),
    read(
      client.readContract({
        address: providerRegistry,
        abi: providerRegistryAbi,
        functionName: "stakeInfoOf",
        args: [accounts.provider],
      }),
    ),
    read(
      client.readContract({
        address: sovraToken,
        abi: sovraTokenAbi,
        functionName: "balanceOf",
        args: [accounts.buyer],
      }),
    ),
    read(
      client.readContract({
        address: sovraToken,
        abi: sovraTokenAbi,
        functionName: "balanceOf",
        args: [accounts.treasury],
      }),
    ),
    read(
      client.readContract({
        address: sovraToken,
        abi: sovraTokenAbi,
        functionName: "balanceOf",
        args: [accounts.caller ?? accounts.buyer],
      }),
    ),
    read(
      client.readContract({ address: paymentToken, abi: testStablecoinAbi, functionName: "balanceOf", args: [market] }),
    ),
  ]);
  return {
    buyerOwed,
    providerOwed,
    treasuryOwed,
    pendingFees,
    releasable,
    staked: stake.staked,
    locked: stake.locked,
    buyerSov,
    treasurySov,
    callerSov,
    marketBalance,
  };
}

export async function treasuryOf(sys: System): Promise<Address> {
  return sys.client.readContract({ address: sys.market, abi: spotMarketAbi, functionName: "treasury" });
}

/** Number of `JobSettled` events for `jobId` since the deployment. */
export async function settledCount(sys: System, jobId: bigint): Promise<number> {
  const logs = await sys.client.getContractEvents({
    address: sys.market,
    abi: spotMarketAbi,
    eventName: "JobSettled",
    args: { jobId },
    fromBlock: BigInt(sys.deployment.startBlock),
    strict: true,
  });
  return logs.length;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined. */
export async function until<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 180_000,
  what = "condition",
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await sleep(250);
  }
}
