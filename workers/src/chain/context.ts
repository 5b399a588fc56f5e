import { readFile } from "node:fs/promises";
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type Chain,
  type Hex,
  type PublicClient,
} from "viem";
import { privateKeyToAccount, type LocalAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import type { Deployment } from "@sovra/contracts";
import { loadDeployment } from "@sovra/contracts/node";
import { LOCAL_CHAIN_ID, type Config } from "../config.ts";
import { accountFromKeystore } from "../keystore.ts";

export function chainFor(chainId: number, rpcUrl: string): Chain {
  if (chainId === LOCAL_CHAIN_ID) return { ...hardhat, rpcUrls: { default: { http: [rpcUrl] } } };
  return defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

export function publicClientFor(config: Pick<Config, "chainId" | "rpcUrl" | "pollIntervalMs">): PublicClient {
  return createPublicClient({
    chain: chainFor(config.chainId, config.rpcUrl),
    transport: http(config.rpcUrl),
    pollingInterval: Math.min(config.pollIntervalMs, 1000),
  });
}

export function walletClientFor(config: Pick<Config, "chainId" | "rpcUrl">, account: LocalAccount) {
  return createWalletClient({
    account,
    chain: chainFor(config.chainId, config.rpcUrl),
    transport: http(config.rpcUrl),
  });
}

/** The deployment named by the config (file), else the one `@sovra/contracts` holds for the chain id. */
export async function deploymentFor(config: Pick<Config, "chainId" | "deploymentFile">): Promise<Deployment> {
  const deployment =
    config.deploymentFile !== undefined
      ? await loadDeployment({ file: config.deploymentFile })
      : await loadDeployment({ chainId: config.chainId });
  if (deployment.chainId !== config.chainId)
    throw new Error(`deployment is for chain ${deployment.chainId}, config says chainId ${config.chainId}`);
  return deployment;
}

export type PasswordSource = {
  env?: NodeJS.ProcessEnv;
  passwordFile?: string;
  prompt?: (question: string) => Promise<string>;
};

/**
 * The signing account: the keystore (password from `--password-file`, `SOVRA_KEYSTORE_PASSWORD` or a prompt),
 * or `SOVRA_PRIVATE_KEY`, which is accepted on the local chain (31337) only.
 */
export async function loadAccount(
  config: Pick<Config, "chainId" | "keystore">,
  source: PasswordSource = {},
): Promise<LocalAccount> {
  const env = source.env ?? process.env;
  const plain = env.SOVRA_PRIVATE_KEY;
  if (plain !== undefined && plain !== "") {
    if (config.chainId !== LOCAL_CHAIN_ID) {
      throw new Error(
        `SOVRA_PRIVATE_KEY is only accepted on the local chain (${LOCAL_CHAIN_ID}); use a keystore (sovra-provider init) for chain ${config.chainId}`,
      );
    }
    if (!/^0x[0-9a-fA-F]{64}$/.test(plain)) throw new Error("SOVRA_PRIVATE_KEY must be 0x followed by 64 hex digits");
    return privateKeyToAccount(plain as Hex);
  }
  let text: string;
  try {
    text = await readFile(config.keystore, "utf8");
  } catch {
    throw new Error(`no keystore at ${config.keystore}: run \`sovra-provider init\` (or set SOVRA_KEYSTORE)`);
  }
  let password: string | undefined;
  if (source.passwordFile !== undefined) password = (await readFile(source.passwordFile, "utf8")).replace(/\r?\n$/, "");
  else if (env.SOVRA_KEYSTORE_PASSWORD !== undefined) password = env.SOVRA_KEYSTORE_PASSWORD;
  else if (source.prompt !== undefined) password = await source.prompt(`password for ${config.keystore}: `);
  if (password === undefined)
    throw new Error(
      "keystore password needed: pass --password-file, set SOVRA_KEYSTORE_PASSWORD, or run in a terminal",
    );
  return accountFromKeystore(JSON.parse(text), password);
}

/** A block explorer link for a transaction, or the bare hash on chains without one. */
export function txLink(config: Pick<Config, "explorerUrl">, hash: Hex): string {
  return config.explorerUrl !== undefined ? `${config.explorerUrl.replace(/\/$/, "")}/tx/${hash}` : hash;
}
