// What every chain-touching CLI command needs first: the signer (or, for reading, just an address), the two
// tokens' symbols and decimals, and the chain's clock. Each step names how to fix it when it fails.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { getAddress, isAddress, type Address, type PublicClient } from "viem";
import { privateKeyToAccount, type LocalAccount } from "viem/accounts";
import type { Deployment } from "@sovra/contracts";
import { erc20PermitAbi, sovraTokenAbi } from "../chain/abis.ts";
import { loadAccount } from "../chain/context.ts";
import { LOCAL_CHAIN_ID, type Config } from "../config.ts";
import { keystoreSchema } from "../keystore.ts";
import { promptHidden } from "./common.ts";
import type { TokenInfo } from "./errors.ts";

export type Tokens = { payment: TokenInfo & { address: Address }; stake: TokenInfo & { address: Address } };

/** Symbols and decimals of the payment token and the staking token (the first RPC call of most commands). */
export async function readTokens(publicClient: PublicClient, deployment: Deployment): Promise<Tokens> {
  const { paymentToken, sovraToken } = deployment.contracts;
  const [paymentSymbol, paymentDecimals, stakeSymbol, stakeDecimals] = await Promise.all([
    publicClient.readContract({ address: paymentToken, abi: erc20PermitAbi, functionName: "symbol" }),
    publicClient.readContract({ address: paymentToken, abi: erc20PermitAbi, functionName: "decimals" }),
    publicClient.readContract({ address: sovraToken, abi: sovraTokenAbi, functionName: "symbol" }),
    publicClient.readContract({ address: sovraToken, abi: sovraTokenAbi, functionName: "decimals" }),
  ]);
  return {
    payment: { address: paymentToken, symbol: paymentSymbol, decimals: paymentDecimals },
    stake: { address: sovraToken, symbol: stakeSymbol, decimals: stakeDecimals },
  };
}

/**
 * The chain's time as a transaction would see it now: the latest block's timestamp, or the wall clock when that
 * is later (an idle local chain mines no blocks, so its latest block grows old).
 */
export async function chainNow(publicClient: PublicClient): Promise<bigint> {
  const block = await publicClient.getBlock();
  const wall = BigInt(Math.floor(Date.now() / 1000));
  return block.timestamp > wall ? block.timestamp : wall;
}

/** How a buyer supplies a key, in one sentence. */
export function buyerKeyHint(chainId: number, keystore: string): string {
  const local =
    chainId === LOCAL_CHAIN_ID
      ? "set SOVRA_PRIVATE_KEY=0x<64 hex digits> (local chain only; `npm start` prints its test accounts' keys), or "
      : "";
  return `no key to sign with: ${local}pass --keystore FILE (a v3 keystore; \`sovra-provider init --keystore FILE\` makes one; default ${keystore}, or SOVRA_KEYSTORE)`;
}

/** The buyer's signer: SOVRA_PRIVATE_KEY (local chain) or a keystore; a buyer-worded error when there is neither. */
export async function buyerAccount(
  config: Pick<Config, "chainId" | "keystore">,
  passwordFile: string | undefined,
): Promise<LocalAccount> {
  const plain = process.env.SOVRA_PRIVATE_KEY;
  if ((plain === undefined || plain === "") && !existsSync(config.keystore))
    throw new Error(buyerKeyHint(config.chainId, config.keystore));
  return loadAccount(config, { prompt: promptHidden, ...(passwordFile !== undefined ? { passwordFile } : {}) });
}

/** The provider's signer: its keystore (`sovra-provider init`), or SOVRA_PRIVATE_KEY on the local chain. */
export async function providerAccount(
  config: Pick<Config, "chainId" | "keystore">,
  passwordFile: string | undefined,
): Promise<LocalAccount> {
  const plain = process.env.SOVRA_PRIVATE_KEY;
  if ((plain === undefined || plain === "") && !existsSync(config.keystore)) {
    const local =
      config.chainId === LOCAL_CHAIN_ID ? ", or on the local chain set SOVRA_PRIVATE_KEY=0x<64 hex digits>" : "";
    throw new Error(
      `no key to sign with: run \`sovra-provider init\` to create the keystore ${config.keystore} (SOVRA_KEYSTORE or "keystore" in the config sets another)${local}`,
    );
  }
  return loadAccount(config, { prompt: promptHidden, ...(passwordFile !== undefined ? { passwordFile } : {}) });
}

/**
 * The address a read-only command reports on, without unlocking anything: `--address`, else the address of
 * SOVRA_PRIVATE_KEY, else the `address` field a v3 keystore stores in clear.
 */
export async function readOnlyAddress(config: Pick<Config, "keystore">, flag: string | undefined): Promise<Address> {
  if (flag !== undefined) {
    if (!isAddress(flag, { strict: false }))
      throw new Error(`--address ${flag} is not an address (0x followed by 40 hex digits)`);
    return getAddress(flag);
  }
  const plain = process.env.SOVRA_PRIVATE_KEY;
  if (plain !== undefined && plain !== "") {
    if (!/^0x[0-9a-fA-F]{64}$/.test(plain)) throw new Error("SOVRA_PRIVATE_KEY must be 0x followed by 64 hex digits");
    return privateKeyToAccount(plain as `0x${string}`).address;
  }
  let text: string;
  try {
    text = await readFile(config.keystore, "utf8");
  } catch {
    throw new Error(
      `no address to report on: pass --address 0x…, or create a keystore with \`sovra-provider init\` (looked for ${config.keystore}; SOVRA_KEYSTORE sets another)`,
    );
  }
  let parsed: ReturnType<typeof keystoreSchema.safeParse>;
  try {
    parsed = keystoreSchema.safeParse(JSON.parse(text));
  } catch {
    throw new Error(`${config.keystore} is not JSON: pass --address 0x… instead`);
  }
  const stored = parsed.success ? parsed.data.address : undefined;
  if (stored === undefined) throw new Error(`${config.keystore} does not record its address: pass --address 0x…`);
  const address = stored.startsWith("0x") ? stored : `0x${stored}`;
  if (!isAddress(address, { strict: false }))
    throw new Error(`${config.keystore} records a malformed address '${stored}': pass --address 0x…`);
  return getAddress(address);
}
