import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { Hex } from "viem";
import type { HDAccount } from "viem/accounts";
import { repoRoot } from "./paths.ts";
import { runToCompletion, startProcess, type ManagedProcess } from "./processes.ts";

export const providerBin = path.join(repoRoot, "workers", "bin", "sovra-provider.js");
export const buyerBin = path.join(repoRoot, "workers", "bin", "sovra.js");

/** A development account's private key (the CLIs accept a raw key on the local chain only). */
export function privateKeyOf(account: HDAccount): Hex {
  const key = account.getHdKey().privateKey;
  if (key === null) throw new Error("account has no private key");
  return `0x${Buffer.from(key).toString("hex")}`;
}

export type NodeConfigOptions = {
  file: string;
  rpcUrl: string;
  deploymentFile: string;
  redisUrl: string;
  gatewayUrl: string;
  /** Where the buyer CLI uploads optimistic models' inputs (default: none, `--gateway` then needed). */
  inputGateway?: string;
  cacheDir: string;
  models: readonly string[];
  metricsPort: number;
};

/** Writes a provider-node / buyer config for the local chain (no confirmations: Hardhat mines per transaction). */
export async function writeNodeConfig(options: NodeConfigOptions): Promise<string> {
  const config = {
    chainId: 31337,
    rpcUrl: options.rpcUrl,
    deploymentFile: options.deploymentFile,
    confirmations: 0,
    pollIntervalMs: 500,
    redisUrl: options.redisUrl,
    models: options.models,
    weights: { cacheDir: options.cacheDir, sources: [{ kind: "http", url: options.gatewayUrl }] },
    // The MNIST models are tiny: onnxruntime's CPU provider beats a GPU round trip for them; the optimistic models'
    // comparison rules were measured on it too.
    inference: { executionProviders: ["cpu"], concurrency: 1 },
    metrics: { port: options.metricsPort, host: "127.0.0.1" },
    region: "local",
    ...(options.inputGateway !== undefined ? { inputGateway: options.inputGateway } : {}),
  };
  await writeFile(options.file, `${JSON.stringify(config, null, 2)}\n`);
  return options.file;
}

/** Runs one provider CLI command as `account` and returns its stdout. */
export function providerCli(config: string, account: HDAccount, args: readonly string[]): Promise<string> {
  return runToCompletion(process.execPath, [providerBin, "--config", config, ...args], {
    cwd: repoRoot,
    env: { ...process.env, SOVRA_PRIVATE_KEY: privateKeyOf(account) },
  });
}

/**
 * Gets a provider ready as a new one would with the CLI: benchmark (short), register the signed report, stake,
 * and list an ask on each model's open market.
 */
export async function onboardProvider(options: {
  config: string;
  account: HDAccount;
  reportFile: string;
  stake: string;
  asks: readonly { model: string; price: string; capacity: number }[];
}): Promise<void> {
  const { config, account } = options;
  await providerCli(config, account, [
    "benchmark",
    "--no-models",
    "--seconds",
    "0.2",
    "--size",
    "128",
    "-o",
    options.reportFile,
  ]);
  await providerCli(config, account, ["register", "-r", options.reportFile, "--region", "local"]);
  await providerCli(config, account, ["stake", options.stake]);
  for (const ask of options.asks) {
    await providerCli(config, account, [
      "ask",
      "--model",
      ask.model,
      "--price",
      ask.price,
      "--capacity",
      String(ask.capacity),
    ]);
  }
}

/** Starts `sovra-provider run` as a child process, its JSON log appended to `logFile`. */
export function startProviderNode(config: string, account: HDAccount, logFile: string): ManagedProcess {
  return startProcess("provider", process.execPath, [providerBin, "--config", config, "run"], {
    cwd: repoRoot,
    env: { ...process.env, SOVRA_PRIVATE_KEY: privateKeyOf(account) },
    logFile,
  });
}
