import { SingleBar, Presets } from "cli-progress";
import type {
  Abi,
  Account,
  Address,
  Chain,
  ContractFunctionArgs,
  ContractFunctionName,
  Hex,
  PublicClient,
  Transport,
  WalletClient,
} from "viem";
import type { Command } from "commander";
import { loadConfig, type Config } from "../config.ts";
import { explainError, needsChainTime, type ErrorContext } from "./errors.ts";

/** Reads a password from the terminal without echoing it. */
export function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY)
    return Promise.reject(
      new Error("no terminal to ask for a password: set SOVRA_KEYSTORE_PASSWORD or pass --password-file"),
    );
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = "";
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n") {
          done();
          resolve(value);
          return;
        }
        if (char === "\u0003") {
          done();
          reject(new Error("cancelled"));
          return;
        }
        if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
        else value += char;
      }
    };
    const done = (): void => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
    };
    stdin.on("data", onData);
  });
}

/** A progress bar on stderr (hidden when stderr is not a terminal, so logs stay clean). */
export function progress(label: string, total: number): { update(value: number): void; stop(): void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar(
    { format: `${label.padEnd(22)} [{bar}] {value}/{total}`, stream: process.stderr, hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (value) => bar.update(value), stop: () => bar.stop() };
}

export type GlobalOptions = { config?: string; rpcUrl?: string; chainId?: string };

export function configFrom(options: GlobalOptions): Config {
  return loadConfig({
    ...(options.config !== undefined ? { file: options.config } : {}),
    overrides: { rpcUrl: options.rpcUrl, chainId: options.chainId === undefined ? undefined : Number(options.chainId) },
  });
}

/**
 * What the running command has learnt so far (RPC URL, tokens, a way to read the chain's time), so that its error,
 * whenever it comes, is worded in tokens and with the right clock. Commands fill it in as they go.
 */
export const errorContext: ErrorContext & { chainTime?: () => Promise<bigint> } = {};

/** Prints the error as one line (no stack: config and chain errors are for people) and exits 1. */
export async function fail(error: unknown): Promise<never> {
  const ctx: ErrorContext = { ...errorContext };
  if (needsChainTime(error) && errorContext.chainTime !== undefined) {
    try {
      ctx.now = await errorContext.chainTime();
    } catch {
      // the wall clock then
    }
  }
  process.stderr.write(`error: ${explainError(error, ctx)}\n`);
  if (process.env.SOVRA_DEBUG !== undefined && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
}

/**
 * Commander's own errors (unknown option, missing argument) as one line with a pointer to `--help`, instead of
 * the whole help text.
 */
export function oneLineUsageErrors(program: Command): Command {
  return program.configureOutput({
    outputError: (text, write) =>
      write(
        `${text
          .trim()
          .split("\n")
          .map((l) => l.trim())
          .filter(Boolean)
          .join(" ")} (see --help)\n`,
      ),
  });
}

export function json(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** Simulates, sends and waits for one contract call; throws with the revert reason. */
export async function send<const abi extends Abi, name extends ContractFunctionName<abi, "nonpayable" | "payable">>(
  publicClient: PublicClient,
  walletClient: WalletClient<Transport, Chain, Account>,
  call: {
    address: Address;
    abi: abi;
    functionName: name;
    args: ContractFunctionArgs<abi, "nonpayable" | "payable", name>;
  },
): Promise<{ hash: Hex; blockNumber: bigint; gasUsed: bigint; result: unknown }> {
  const { request, result } = await publicClient.simulateContract({
    ...call,
    account: walletClient.account,
  } as Parameters<PublicClient["simulateContract"]>[0]);
  const hash = await walletClient.writeContract(request as Parameters<typeof walletClient.writeContract>[0]);
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  return { hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, result };
}
