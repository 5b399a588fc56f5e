// Starts a Hardhat node on a free port, deploys Sovra (the lead's deploy package), funds the provider and the
// governor's voters, opens a test market through governance if the deployment has none yet, builds the dApp
// and serves it on a free port. Returns the teardown.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { deploySystem, freePort, fundLocalAccounts, runToCompletion, startLocalChain } from "@sovra/deploy";
import type { Deployment } from "@sovra/contracts";
import { screenshotsDir, stateFile } from "./chain.ts";
import { assertAbisFresh } from "./abi-freshness.ts";

const webDir = path.resolve(import.meta.dirname, "..");
const repoRoot = path.resolve(webDir, "..", "..");
const contractsDir = path.join(repoRoot, "contracts");
const nextBin = path.join(repoRoot, "node_modules", "next", "dist", "bin", "next");
const hardhatBin = path.join(repoRoot, "node_modules", "hardhat", "dist", "src", "cli.js");

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

export default async function globalSetup(): Promise<() => Promise<void>> {
  const scratch = await mkdtemp(path.join(tmpdir(), "sovra-web-e2e-"));
  await mkdir(screenshotsDir, { recursive: true });
  // Private compiler output: other builds of the same checkout may be running.
  process.env.SOVRA_HH_ARTIFACTS ??= path.join(tmpdir(), "sovra-web-hh", "artifacts");
  process.env.SOVRA_HH_CACHE ??= path.join(tmpdir(), "sovra-web-hh", "cache");
  await runToCompletion(process.execPath, [hardhatBin, "build", "--quiet"], { cwd: contractsDir, env: process.env });
  await assertAbisFresh(process.env.SOVRA_HH_ARTIFACTS);

  const chain = await startLocalChain();
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
    if (deployment.markets.length === 0) throw new Error("the deployment opened no market: are circuits/models/*/manifest.json there?");
    await fundLocalAccounts({ rpcUrl: chain.rpcUrl, deployment, accounts: [0, 1], sovEach: 10_000n * 10n ** 18n });
    const deploymentFile = path.join(scratch, "deployment.json");
    await writeFile(deploymentFile, `${JSON.stringify(deployment, null, 2)}\n`);

    if (process.env.SOVRA_E2E_SKIP_BUILD !== "1" || !existsSync(path.join(webDir, ".next", "BUILD_ID"))) {
      await runToCompletion(process.execPath, [nextBin, "build"], {
        cwd: webDir,
        env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
      });
    }
    const port = await freePort();
    const server = spawn(process.execPath, [nextBin, "start", "--hostname", "127.0.0.1", "--port", String(port)], {
      cwd: webDir,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        NEXT_TELEMETRY_DISABLED: "1",
        SOVRA_CHAIN_ID: "31337",
        SOVRA_RPC_URL: chain.rpcUrl,
        SOVRA_DEPLOYMENT_FILE: deploymentFile,
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
    await writeFile(stateFile, JSON.stringify({ baseUrl, rpcUrl: chain.rpcUrl, deploymentFile }, null, 2));
    return teardown;
  } catch (error) {
    await teardown();
    throw error;
  }
}

