// The buyer CLI (`sovra`) against a real chain with the real contracts: a bid below the best ask rests and its wait
// ends at its deadline (the chain's clock is moved, nothing sleeps), `sovra cancel` takes it back and names the
// escrow owed, the faucet's cooldown is decoded into one sentence, and a picture that would be rescaled, or a blank
// one, is shown and not sent unless `--yes`.
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hexToBytes, type Address, type Hex } from "viem";
import type { HDAccount } from "viem/accounts";
import { spotMarketAbi, testStablecoinAbi } from "@sovra/contracts";
import { localAccount } from "@sovra/deploy";
import { heldOutDigit } from "../support/digits.ts";
import {
  buyerBin,
  cliJson,
  providerBin,
  placeAsk,
  privateKeyOf,
  registerProvider,
  repoRoot,
  runCli,
  startSystem,
  testClient,
  type CliResult,
  type System,
} from "../support/system.ts";
import { encodeGrayPng } from "@sovra/workers/testing/png";

/** A CLI command as a running process whose stderr can be waited on line by line. */
function startCli(args: readonly string[], account: HDAccount) {
  const child = spawn(process.execPath, [buyerBin, ...args], {
    cwd: repoRoot,
    env: { ...process.env, SOVRA_PRIVATE_KEY: privateKeyOf(account), SOVRA_CHAIN_ID: "31337" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const waiters = new Set<{ pattern: RegExp; resolve: (match: RegExpMatchArray) => void }>();
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const waiter of waiters) {
      const match = stderr.match(waiter.pattern);
      if (match !== null) {
        waiters.delete(waiter);
        waiter.resolve(match);
      }
    }
  });
  const exited = new Promise<CliResult>((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
  return {
    exited,
    /** Resolves with the first match of `pattern` in stderr; rejects if the process exits first. */
    waitForStderr(pattern: RegExp): Promise<RegExpMatchArray> {
      const seen = stderr.match(pattern);
      if (seen !== null) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { pattern, resolve };
        waiters.add(waiter);
        void exited.then((result) => {
          if (waiters.delete(waiter)) reject(new Error(`exited ${result.code} before ${pattern}:\n${result.stderr}`));
        });
      });
    },
  };
}

/** The last non-empty line a command wrote to stderr, and how many lines start with `error:`. */
function errorLine(result: CliResult): string {
  const errors = result.stderr.split("\n").filter((line) => line.startsWith("error:"));
  expect(errors, result.stderr).toHaveLength(1);
  // One line, no stack trace after it.
  expect(result.stderr).not.toMatch(/\n\s+at /);
  return errors[0] as string;
}

describe("the CLIs against a real chain", () => {
  let sys: System;
  let config: string;
  let digitFile: string;
  let askId: bigint;

  const balanceOf = (account: Address) =>
    sys.client.readContract({
      address: sys.deployment.contracts.paymentToken,
      abi: testStablecoinAbi,
      functionName: "balanceOf",
      args: [account],
    });
  const owedTo = (account: Address) =>
    sys.client.readContract({ address: sys.market, abi: spotMarketAbi, functionName: "owed", args: [account] });
  const bidsOf = async (buyer: Address) =>
    sys.client.getContractEvents({
      address: sys.market,
      abi: spotMarketAbi,
      eventName: "BidPlaced",
      args: { buyer },
      fromBlock: BigInt(sys.deployment.startBlock),
      strict: true,
    });

  beforeAll(async () => {
    sys = await startSystem();
    // A provider's ask at 0.05 tUSD, so that a bid at 0.01 rests below the best ask (no node runs: nothing settles).
    await registerProvider(sys, { stake: "1000" });
    askId = BigInt((await placeAsk(sys, { price: "0.05", capacity: 2 })).orderId);
    config = await sys.writeConfig({ name: "buyer" });
    digitFile = path.join(sys.dir, "digit.json");
    await writeFile(digitFile, JSON.stringify(heldOutDigit(4).pixels));
  });

  afterAll(async () => {
    await sys?.stop();
  });

  it("decodes the faucet's cooldown into one sentence", async () => {
    // Account #4 was never funded: its first faucet call pays, the second is refused by the cooldown.
    const fresh = localAccount(4);
    const first = await cliJson<{ balance: string; symbol: string }>(buyerBin, ["--config", config, "faucet"], {
      account: fresh,
    });
    expect(first).toMatchObject({ balance: "1000", symbol: "tUSD" });
    const second = await runCli(buyerBin, ["--config", config, "faucet"], { account: fresh });
    expect(second.code).toBe(1);
    const line = errorLine(second);
    // "in" counts from the chain's clock when the CLI read it; the moment itself is the contract's.
    const availableAt = await sys.client.readContract({
      address: sys.deployment.contracts.paymentToken,
      abi: testStablecoinAbi,
      functionName: "faucetAvailableAt",
      args: [fresh.address],
    });
    const at = new Date(Number(availableAt) * 1000)
      .toISOString()
      .replace("T", " ")
      .replace(/\.\d+Z$/, " UTC");
    const match =
      /^error: faucet cooldown: try again in (.+) \(at (.+)\); each address may use the faucet once an hour$/.exec(
        line,
      );
    expect(match?.[2], line).toBe(at);
    expect(match?.[1]).toMatch(/^(1 h|\d+ min( \d+ s)?|\d+ s)$/);
    expect(second.stderr).not.toContain("reverted");
  });

  it("ends a resting bid's wait at its deadline and names the commands that get the escrow back", async () => {
    const before = await balanceOf(sys.buyer.address);
    const bid = startCli(
      ["--config", config, "bid", "--input", digitFile, "--max-price", "0.01", "--deadline", "600"],
      sys.buyer,
    );
    const resting = await bid.waitForStderr(/bid (\d+) rests in the book \(best ask 0\.05 tUSD\)/);
    const orderId = BigInt(resting[1] as string);
    const order = await sys.client.readContract({
      address: sys.market,
      abi: spotMarketAbi,
      functionName: "orderOf",
      args: [orderId],
    });
    expect(order.owner).toBe(sys.buyer.address);
    expect(await balanceOf(sys.buyer.address)).toBe(before - 10_000n);

    // Past the deadline on the chain's clock: the next poll sees a block stamped after it.
    const test = testClient(sys);
    await test.increaseTime({ seconds: 601 });
    await test.mine({ blocks: 1 });
    const result = await bid.exited;
    expect(result.code).toBe(1);
    // The last moment an ask can take the bid: its deadline less the market's minimum job window (120 s here).
    const placed = (await bidsOf(sys.buyer.address)).find((log) => log.args.orderId === orderId);
    const lastMatch = new Date(Number((placed?.args.deadline ?? 0n) - 120n) * 1000)
      .toISOString()
      .replace("T", " ")
      .replace(/\.\d+Z$/, " UTC");
    expect(errorLine(result)).toBe(
      `error: bid ${orderId} was not matched by its deadline: no ask at or below 0.01 tUSD came before ${lastMatch}, the last moment a provider could take it; its 0.01 tUSD escrow stays in the book until you cancel it: run \`sovra cancel ${orderId}\`, then \`sovra withdraw\``,
    );

    // `sovra cancel` takes it back and says what is owed.
    const cancelled = await runCli(buyerBin, ["--config", config, "cancel", String(orderId)], { account: sys.buyer });
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stderr.trim()).toBe(
      `cancelled bid ${orderId}: its 0.01 tUSD escrow is owed back to you; the market now owes you 0.01 tUSD: run \`sovra withdraw\` to receive it`,
    );
    expect(JSON.parse(cancelled.stdout)).toMatchObject({
      cancelled: String(orderId),
      side: "bid",
      refunded: "0.01",
      owed: "0.01",
      symbol: "tUSD",
    });
    expect(await owedTo(sys.buyer.address)).toBe(10_000n);

    const withdrawn = await cliJson<{ withdrawn: string }>(buyerBin, ["--config", config, "withdraw"], {
      account: sys.buyer,
    });
    expect(withdrawn.withdrawn).toBe("0.01");
    expect(await balanceOf(sys.buyer.address)).toBe(before);
  });

  it("decodes cancel's refusals: an order that is not resting, an order of someone else", async () => {
    const gone = await runCli(buyerBin, ["--config", config, "cancel", "999"], { account: sys.buyer });
    expect(gone.code).toBe(1);
    expect(errorLine(gone)).toMatch(
      /^error: order 999 is not resting in the book: no such order, or it already matched/,
    );

    const notMine = await runCli(buyerBin, ["--config", config, "cancel", String(askId)], { account: sys.buyer });
    expect(notMine.code).toBe(1);
    expect(errorLine(notMine)).toBe(
      `error: order ${askId} is not your order (you are ${sys.buyer.address}): only the address that placed it can cancel it`,
    );
    const ask = await sys.client.readContract({
      address: sys.market,
      abi: spotMarketAbi,
      functionName: "orderOf",
      args: [askId],
    });
    expect(ask.owner).toBe(sys.provider.address);
  });

  it("shows a rescaled or blank picture and sends it only with --yes", async () => {
    // A 100x60 dark-on-light picture of a bar (a "1").
    const wide = new Uint8Array(100 * 60).fill(255);
    for (let y = 10; y < 50; y++) for (let x = 45; x < 53; x++) wide[y * 100 + x] = 0;
    const wideFile = path.join(sys.dir, "wide.png");
    await writeFile(wideFile, encodeGrayPng(100, 60, wide));
    const blankFile = path.join(sys.dir, "blank.png");
    await writeFile(blankFile, encodeGrayPng(100, 60, new Uint8Array(100 * 60).fill(255)));
    const bidArgs = (file: string, ...more: string[]) => [
      "--config",
      config,
      "bid",
      "--input",
      file,
      "--max-price",
      "0.01",
      "--no-wait",
      ...more,
    ];
    const placedBefore = (await bidsOf(sys.buyer.address)).length;

    const stopped = await runCli(buyerBin, bidArgs(wideFile), { account: sys.buyer });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain("what would be sent (28x28, white ink on black):");
    expect(stopped.stderr).toContain(
      `note: ${wideFile} is a 100x60 PNG, not MNIST's 28x28 white-on-black: it is inverted to white ink on black, cropped to the ink's 8x40 box, scaled to 4x20 and centred in 28x28`,
    );
    expect(errorLine(stopped)).toBe(
      `error: not sent: ${wideFile} was rescaled from 100x60 to MNIST's 28x28 (what would be sent is shown above); check it, then run again with --yes to send it as shown`,
    );

    const blank = await runCli(buyerBin, bidArgs(blankFile), { account: sys.buyer });
    expect(blank.code).toBe(1);
    expect(errorLine(blank)).toBe(
      `error: not sent: ${blankFile} is blank, so a provider would be paid to classify nothing; run again with --yes to send it anyway`,
    );
    expect((await bidsOf(sys.buyer.address)).length).toBe(placedBefore);

    // With --yes both go, exactly as previewed.
    const sent = await cliJson<{ orderId: string }>(buyerBin, bidArgs(wideFile, "--yes"), { account: sys.buyer });
    const sentBlank = await cliJson<{ orderId: string }>(buyerBin, bidArgs(blankFile, "--yes"), { account: sys.buyer });
    const bids = await bidsOf(sys.buyer.address);
    expect(bids.length).toBe(placedBefore + 2);
    const pixelsOf = (orderId: string) =>
      hexToBytes(bids.find((b) => b.args.orderId === BigInt(orderId))?.args.inputRef as Hex);
    const inked = pixelsOf(sent.orderId);
    expect(inked).toHaveLength(784);
    // The bar, scaled to 4x20 and centred: columns 12-15, rows 4-23, white; nothing else.
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++)
        expect(inked[y * 28 + x], `pixel ${x},${y}`).toBe(x >= 12 && x < 16 && y >= 4 && y < 24 ? 255 : 0);
    expect(pixelsOf(sentBlank.orderId).every((v) => v === 0)).toBe(true);
  });

  it("reads a provider's status with only its address, in tokens", async () => {
    // No key at all: SOVRA_PRIVATE_KEY empty, no keystore at the path the config names.
    const env = { SOVRA_PRIVATE_KEY: "", SOVRA_KEYSTORE: path.join(sys.dir, "no-keystore.json") };
    const args = ["--config", config, "status", "--address", sys.provider.address];
    const human = await runCli(providerBin, args, { account: sys.provider, env });
    expect(human.code, human.stderr).toBe(0);
    // 1000 SOV staked; the ask of 2 jobs reserves 2 x 10 SOV of collateral.
    expect(human.stdout).toContain("stake: 1000 SOV staked: 980 SOV free, 20 SOV locked as collateral");
    // A CPU-only host: the registered memory is host RAM, said so.
    expect(human.stdout).toMatch(
      /hardware: none \(CPU: .*\); \d+ MB of host RAM usable by onnxruntime \(no GPU: memorySource host-ram/,
    );
    const machine = await cliJson<{
      stake: { staked: { units: string; amount: string; symbol: string } };
      profile: { memorySource: string };
    }>(providerBin, [...args, "--json"], { account: sys.provider, env });
    expect(machine.stake.staked).toEqual({ units: (1000n * 10n ** 18n).toString(), amount: "1000", symbol: "SOV" });
    expect(machine.profile.memorySource).toBe("host-ram");

    const noAddress = await runCli(providerBin, ["--config", config, "status"], { account: sys.provider, env });
    expect(noAddress.code).toBe(1);
    expect(errorLine(noAddress)).toMatch(
      /^error: no address to report on: pass --address 0x…, or create a keystore with `sovra-provider init`/,
    );
  });
});
