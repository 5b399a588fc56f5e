// Server-only: reads the chain settings and the deployment from the environment at request time, so one
// build serves whichever chain it is pointed at.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createPublicClient, http } from "viem";
import { parseDeployment, withListings, type Deployment } from "@sovra/contracts";
import { DEFAULT_CHAIN_ID, DEFAULT_RPC_URL, type RuntimeConfig } from "./runtime-config";

export function serverChainId(): number {
  const value = Number(process.env.SOVRA_CHAIN_ID ?? process.env.NEXT_PUBLIC_SOVRA_CHAIN_ID ?? DEFAULT_CHAIN_ID);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_CHAIN_ID;
}

/** The node the server proxies reads to. */
export function serverRpcUrl(): string {
  return process.env.SOVRA_RPC_URL ?? process.env.NEXT_PUBLIC_SOVRA_RPC_URL ?? DEFAULT_RPC_URL;
}

function deploymentsDir(): string {
  return process.env.SOVRA_DEPLOYMENTS_DIR ?? path.resolve(process.cwd(), "..", "..", "contracts", "deployments");
}

async function readDeploymentText(chainId: number): Promise<{ text: string; source: string }> {
  const inline = process.env.NEXT_PUBLIC_SOVRA_DEPLOYMENT ?? process.env.SOVRA_DEPLOYMENT;
  if (inline) return { text: inline, source: "the SOVRA_DEPLOYMENT variable" };
  const file = process.env.SOVRA_DEPLOYMENT_FILE ?? path.join(deploymentsDir(), `${chainId}.json`);
  // The file is chosen at run time by design (any chain, any deployment); keep the build from tracing the project.
  return { text: await readFile(/*turbopackIgnore: true*/ file, "utf8"), source: file };
}

/** Builds the runtime config; `origin` is the dApp's own origin (for the RPC proxy URL given to wallets). */
export async function loadRuntimeConfig(origin: string): Promise<RuntimeConfig> {
  const chainId = serverChainId();
  const publicRpc = process.env.SOVRA_PUBLIC_RPC_URL;
  const proxied = `${origin}/api/rpc`;
  const explorerUrl = process.env.SOVRA_EXPLORER_URL || undefined;
  const base = {
    chainId,
    rpcUrl: publicRpc ?? "/api/rpc",
    walletRpcUrl: publicRpc ?? proxied,
    ...(explorerUrl ? { explorerUrl } : {}),
  };
  let source = "the deployment";
  try {
    const read = await readDeploymentText(chainId);
    source = read.source;
    const deployment = parseDeployment(JSON.parse(read.text));
    if (deployment.chainId !== chainId) {
      return {
        ...base,
        deployment: null,
        deploymentError: `${source} is for chain ${deployment.chainId}, not ${chainId}`,
      };
    }
    return { ...base, deployment: await listed(deployment) };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : "unreadable";
    return { ...base, deployment: null, deploymentError: `no valid deployment (${source}): ${reason}` };
  }
}

/**
 * The deployment plus the models and markets governance listed since (read from the chain's events), so pages show
 * them like the launch ones. An unreachable node leaves the file's view: the pages then say the chain is down.
 */
async function listed(deployment: Deployment): Promise<Deployment> {
  try {
    return await withListings(deployment, createPublicClient({ transport: http(serverRpcUrl()) }));
  } catch {
    return deployment;
  }
}
