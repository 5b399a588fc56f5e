// Starts a Hardhat node on a free port, deploys Sovra (the lead's deploy package), funds the accounts the flows
// use, brings up a real provider node the way `npm start` does (Redis, weights gateway, provider #1 onboarded
// with asks on every model's open market, `sovra-provider run`), builds the dApp and serves it on a free port.
// Returns the teardown.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import {
  deploySystem,
  ensureProvingKeys,
  freePort,
  fundLocalAccounts,
  localAccount,
  localRoles,
  onboardProvider,
  runToCompletion,
  startLocalChain,
  startLocalRedis,
  startProviderNode,
  writeNodeConfig,
} from "@sovra/deploy";
import { createInputStore, startGateway } from "@sovra/workers";
import type { Deployment } from "@sovra/contracts";
import { accountIndex, nodeStakeSov, screenshotsDir, stateFile } from "./chain.ts";
import { assertAbisFresh } from "./abi-freshness.ts";

const webDir = path.resolve(import.meta.dirname, "..");
const repoRoot = path.resolve(webDir, "..", "..");
const contractsDir = path.join(repoRoot, "contracts");
const nextBin = path.join(repoRoot, "node_modules", "next", "dist", "bin", "next");
const hardhatBin = path.join(repoRoot, "node_modules", "hardhat", "dist", "src", "cli.js");

/**
 * Ports: free ones by default; `SOVRA_E2E_PORT_BASE=N` pins them to N (chain), N+1 (dApp), N+2 (Redis),
 * N+3 (weights gateway), N+4 (provider metrics), so runs beside other services stay inside a known range.
 */
const portOffsets = { chain: 0, web: 1, redis: 2, gateway: 3, metrics: 4 } as const;
async function portFor(service: keyof typeof portOffsets): Promise<number> {
  const base = process.env.SOVRA_E2E_PORT_BASE;
  if (base === undefined || base === "") return freePort();
  const port = Number(base) + portOffsets[service];
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new Error(`SOVRA_E2E_PORT_BASE=${base} gives no valid port`);
  return port;
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the dApp server exited with ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() - started > timeoutMs) throw new Error(`no answer from ${url} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** Waits until the provider node's log says it is ready; fails early if the node exits. */
async function waitForLogLine(file: string, text: string, exited: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const log = await readFile(file, "utf8").catch(() => "");
    if (log.includes(text)) return;
    if (exited()) throw new Error(`the provider node stopped before it was ready; see ${file}`);
    if (Date.now() - started > timeoutMs)
      throw new Error(`the provider node was not ready within ${timeoutMs / 1000} s; see ${file}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/**
 * The provider node that proves the buyer's jobs: provider #1 onboarded exactly as `npm start` does it (benchmark,
 * register, stake `nodeStakeSov` (4,500 SOV for the four shipped models), an ask of 100 jobs at 0.05 on every
 * model's open market), then `sovra-provider run`.
 */
async function startProvider(options: {
  rpcUrl: string;
  deploymentFile: string;
  models: readonly string[];
  scratch: string;
  stops: Array<() => Promise<void>>;
}): Promise<{ gatewayUrl: string }> {
  const { scratch, stops } = options;
  const redis = await startLocalRedis({ port: await portFor("redis") });
  stops.push(() => redis.stop());
  const gateway = await startGateway({
    dir: path.join(repoRoot, "circuits", "models"),
    port: await portFor("gateway"),
    host: "127.0.0.1",
    // Buyers' inputs for the optimistic models (the dApp uploads them here through its /api/optimistic-input route).
    inputs: { store: createInputStore({ dir: path.join(scratch, "inputs"), maxTotalBytes: 256 * 1024 * 1024 }) },
  });
  stops.push(() => gateway.close());
  const config = await writeNodeConfig({
    file: path.join(scratch, "node.config.json"),
    rpcUrl: options.rpcUrl,
    deploymentFile: options.deploymentFile,
    redisUrl: redis.url,
    gatewayUrl: gateway.url,
    cacheDir: path.join(scratch, "weights"),
    models: options.models,
    metricsPort: await portFor("metrics"),
  });
  const account = localAccount(localRoles.provider);
  const asks = options.models.map((model) => ({ model, price: "0.05", capacity: 100 }));
  await onboardProvider({
    config,
    account,
    reportFile: path.join(scratch, "benchmark-report.json"),
    stake: String(nodeStakeSov(options.models.length)),
    asks,
  });
  // digits_cnn's proving key is built into the cache on a fresh machine (minutes): before the node, not in its start.
  await ensureProvingKeys();
  const logFile = path.join(scratch, "provider.log");
  const node = startProviderNode(config, account, logFile);
  let exited = false;
  node.child.once("exit", () => (exited = true));
  stops.push(async () => {
    await node.stop();
    if (process.env.SOVRA_E2E_KEEP_LOGS === "1") console.log(`provider node log: ${logFile}`);
  });
  await waitForLogLine(logFile, "provider node running", () => exited, 180_000);
  return { gatewayUrl: gateway.url };
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const scratch = await mkdtemp(path.join(tmpdir(), "sovra-web-e2e-"));
  await mkdir(screenshotsDir, { recursive: true });
  // Private compiler output: other builds of the same checkout (and other checkouts) may be running.
  const checkout = createHash("sha256").update(repoRoot).digest("hex").slice(0, 12);
  process.env.SOVRA_HH_ARTIFACTS ??= path.join(tmpdir(), `sovra-web-hh-${checkout}`, "artifacts");
  process.env.SOVRA_HH_CACHE ??= path.join(tmpdir(), `sovra-web-hh-${checkout}`, "cache");
  await runToCompletion(process.execPath, [hardhatBin, "build", "--quiet"], { cwd: contractsDir, env: process.env });
  await assertAbisFresh(process.env.SOVRA_HH_ARTIFACTS);

  const chain = await startLocalChain({ port: await portFor("chain") });
  const stops: Array<() => Promise<void>> = [
    async () => {
      if (process.env.SOVRA_E2E_KEEP_LOGS !== "1") await rm(scratch, { recursive: true, force: true });
    },
    () => chain.stop(),
  ];
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const deployment: Deployment = await deploySystem({ rpcUrl: chain.rpcUrl });
    if (deployment.markets.length === 0)
      throw new Error("the deployment opened no market: are circuits/models/*/manifest.json there?");
    // The deployer votes, the provider node (#1) and the browser's provider stake; the buyer is left unfunded so
    // that its first faucet call works.
    await fundLocalAccounts({
      rpcUrl: chain.rpcUrl,
      deployment,
      accounts: [0, localRoles.provider, accountIndex.provider],
      sovEach: 10_000n * 10n ** 18n,
    });
    const deploymentFile = path.join(scratch, "deployment.json");
    await writeFile(deploymentFile, `${JSON.stringify(deployment, null, 2)}\n`);
    const { gatewayUrl } = await startProvider({
      rpcUrl: chain.rpcUrl,
      deploymentFile,
      models: deployment.models.map((model) => model.name),
      scratch,
      stops,
    });

    if (process.env.SOVRA_E2E_SKIP_BUILD !== "1" || !existsSync(path.join(webDir, ".next", "BUILD_ID"))) {
      await runToCompletion(process.execPath, [nextBin, "build"], {
        cwd: webDir,
        env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
      });
    }
    const port = await portFor("web");
    const server = spawn(process.execPath, [nextBin, "start", "--hostname", "127.0.0.1", "--port", String(port)], {
      cwd: webDir,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        NEXT_TELEMETRY_DISABLED: "1",
        SOVRA_CHAIN_ID: "31337",
        SOVRA_RPC_URL: chain.rpcUrl,
        SOVRA_DEPLOYMENT_FILE: deploymentFile,
        SOVRA_INPUT_GATEWAY_URL: gatewayUrl,
      },
    });
    let serverLog = "";
    server.stdout?.on("data", (chunk: Buffer) => (serverLog += chunk.toString()));
    server.stderr?.on("data", (chunk: Buffer) => (serverLog += chunk.toString()));
    stops.push(async () => {
      if (server.exitCode !== null) return;
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGTERM");
      await exited;
      if (process.env.SOVRA_E2E_KEEP_LOGS === "1") {
        await writeFile(path.join(scratch, "next.log"), serverLog);
        console.log(`dApp server log: ${path.join(scratch, "next.log")}`);
      }
    });
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(`${baseUrl}/api/config`, server);
    await writeFile(stateFile, JSON.stringify({ baseUrl, rpcUrl: chain.rpcUrl, deploymentFile, gatewayUrl }, null, 2));
    return teardown;
  } catch (error) {
    await teardown();
    throw error;
  }
}
