// What the CLIs say: contract errors decoded against the real ABIs into one sentence, an unreachable RPC named
// with its URL, prices refused in tokens, markets listed once per model, inputs that would be rescaled or are blank.
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createPublicClient, encodeErrorResult, http, type Hex } from "viem";
import { providerRegistryAbi, spotMarketAbi, testStablecoinAbi, type Deployment } from "@sovra/contracts";
import { ConfigError } from "../src/config.ts";
import { readMnistInput } from "../src/image.ts";
import { decodeSovraRevert, describeRevert, explainError, formatDuration } from "../src/cli/errors.ts";
import { inputConcerns, inputRefusal } from "../src/cli/input-check.ts";
import { describeMarkets, priceToTicks, selectMarket } from "../src/cli/market.ts";
import { memorySourceOf } from "../src/cli/provider-status.ts";
import { encodeGrayPng } from "../src/testing/png.ts";

const tUSD = { symbol: "tUSD", decimals: 6 };
const SOV = { symbol: "SOV", decimals: 18 };
const someone = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

describe("contract errors", () => {
  it("decodes every Sovra contract's custom errors from raw revert data into one sentence", () => {
    const now = 1_800_000_000n;
    const cooldown = encodeErrorResult({
      abi: testStablecoinAbi,
      errorName: "FaucetCooldown",
      args: [someone, now + 86_340n],
    });
    const decoded = decodeSovraRevert(cooldown);
    expect(decoded?.name).toBe("FaucetCooldown");
    expect(describeRevert(decoded!, { now })).toMatch(
      /^faucet cooldown: try again in 23 h 59 min \(at 2027-01-16 \d\d:\d\d:\d\d UTC\)/,
    );

    const notMine = decodeSovraRevert(
      encodeErrorResult({ abi: spotMarketAbi, errorName: "NotOrderOwner", args: [7n, someone] }),
    );
    expect(describeRevert(notMine!)).toBe(
      `order 7 is not your order (you are ${someone}): only the address that placed it can cancel it`,
    );
    const missing = decodeSovraRevert(
      encodeErrorResult({ abi: spotMarketAbi, errorName: "OrderNotFound", args: [9n] }),
    );
    expect(describeRevert(missing!)).toMatch(/^order 9 is not resting in the book/);

    const stake = decodeSovraRevert(
      encodeErrorResult({
        abi: providerRegistryAbi,
        errorName: "InsufficientFreeStake",
        args: [someone, 5n * 10n ** 18n, 10n ** 19n],
      }),
    );
    expect(describeRevert(stake!, { stake: SOV })).toBe(
      "not enough free stake: 5 SOV free, 10 SOV needed (stake more: `sovra-provider stake AMOUNT`)",
    );

    // OpenZeppelin's ERC-20 errors come from the token, inside the market's call: found in the combined ABI.
    const balance = decodeSovraRevert(
      encodeErrorResult({
        abi: testStablecoinAbi,
        errorName: "ERC20InsufficientBalance",
        args: [someone, 10_000n, 50_000n],
      }),
    );
    expect(describeRevert(balance!, { erc20: tUSD, payment: tUSD })).toBe(
      `${someone} holds 0.01 tUSD, 0.05 tUSD needed (test tokens: \`sovra faucet\`)`,
    );

    expect(decodeSovraRevert("0xdeadbeef" as Hex)).toBeUndefined();
  });

  it("names the RPC URL it tried and how to set another when the chain does not answer", async () => {
    // A port that was free a moment ago and has no listener: a real refused connection.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const client = createPublicClient({ transport: http(url, { retryCount: 0 }) });
    const error = await client.getBlockNumber().catch((e: unknown) => e);
    const line = explainError(error, { rpcUrl: url });
    expect(line).toContain(`no answer from the chain's RPC endpoint at ${url}`);
    expect(line).toContain('--rpc-url URL, SOVRA_RPC_URL, or "rpcUrl" in sovra.config.json');
    expect(line).not.toContain("\n");
  });

  it("flattens a multi-line configuration error into one line", () => {
    const line = explainError(
      new ConfigError(
        "invalid configuration:\n  - rpcUrl (from command line): Invalid URL\n  - chainId (from defaults): bad",
      ),
    );
    expect(line).toBe("invalid configuration: rpcUrl (from command line): Invalid URL; chainId (from defaults): bad");
  });

  it("words durations the way a person reads them", () => {
    expect(formatDuration(120)).toBe("2 min");
    expect(formatDuration(3599)).toBe("59 min 59 s");
    expect(formatDuration(86_340)).toBe("23 h 59 min");
    expect(formatDuration(-5)).toBe("0 s");
  });
});

describe("prices and markets", () => {
  const tick = 1_000n; // 0.001 tUSD

  it("refuses prices in tokens, not ticks", () => {
    expect(priceToTicks("0.05", "max price", tUSD, tick)).toBe(50n);
    expect(() => priceToTicks("0.0003", "max price", tUSD, tick)).toThrow(
      "max price 0.0003 tUSD is below the market's tick size 0.001 tUSD",
    );
    expect(() => priceToTicks("0.0505", "max price", tUSD, tick)).toThrow(
      "max price 0.0505 tUSD is not a multiple of the market's tick size 0.001 tUSD: use 0.05 or 0.051",
    );
    expect(() => priceToTicks("100", "max price", tUSD, tick)).toThrow(
      "max price 100 tUSD is above the market's highest price 65.535 tUSD",
    );
    expect(() => priceToTicks("abc", "max price", tUSD, tick)).toThrow("max price 'abc' is not an amount of tUSD");
  });

  it("lists each model once, with its policy classes", () => {
    const market = (marketId: number, model: string, policyClass: number) => ({
      marketId,
      model,
      modelId: `0x${"0".repeat(64)}` as Hex,
      policyClass,
    });
    const deployment = {
      markets: [market(1, "cnn", 0), market(2, "cnn", 1), market(3, "mlp", 0), market(4, "mlp", 1)],
    } as unknown as Deployment;
    expect(describeMarkets(deployment)).toBe("cnn (policy classes 0, 1), mlp (policy classes 0, 1)");
    expect(() => selectMarket(deployment, "resnet")).toThrow(
      "no market for model 'resnet': markets are cnn (policy classes 0, 1), mlp (policy classes 0, 1)",
    );
    expect(selectMarket(deployment, "mlp").marketId).toBe(3);
    expect(selectMarket(deployment, "mlp", 1).marketId).toBe(4);
    expect(() => selectMarket(deployment, "mlp", 2)).toThrow(
      "model 'mlp' has no market in policy class 2: it trades in policy classes 0, 1",
    );
  });

  it("tells host RAM from GPU VRAM by the registered report, else by the GPU model name", () => {
    const digest = `0x${"ab".repeat(32)}` as Hex;
    expect(memorySourceOf("NVIDIA H200", { digest, memorySource: "gpu" }, digest)).toEqual({
      source: "gpu",
      from: "report",
    });
    expect(memorySourceOf("none (CPU: AMD EPYC)", undefined, digest)).toEqual({ source: "host-ram", from: "gpuModel" });
    expect(memorySourceOf("NVIDIA H200", { digest: `0x${"cd".repeat(32)}`, memorySource: "host-ram" }, digest)).toEqual(
      { source: "gpu", from: "gpuModel" },
    );
  });
});

describe("what a bid would send", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sovra-cli-input-"));
  const write = (name: string, data: Buffer) => {
    const file = path.join(dir, name);
    writeFileSync(file, data);
    return file;
  };

  it("says a 100x60 picture is rescaled, and how", () => {
    const pixels = new Uint8Array(100 * 60).fill(255);
    for (let y = 10; y < 50; y++) for (let x = 45; x < 53; x++) pixels[y * 100 + x] = 0;
    const file = write("wide.png", encodeGrayPng(100, 60, pixels));
    const input = readMnistInput(file);
    expect(input.source).toEqual({ kind: "png", width: 100, height: 60 });
    expect(input.prepared).toEqual({
      inverted: true,
      box: { x: 45, y: 10, width: 8, height: 40 },
      scaledTo: { width: 4, height: 20 },
    });
    expect(input.blank).toBe(false);
    expect(inputConcerns(file, input)).toEqual([
      `${file} is a 100x60 PNG, not MNIST's 28x28 white-on-black: it is inverted to white ink on black, cropped to the ink's 8x40 box, scaled to 4x20 and centred in 28x28`,
    ]);
    expect(inputRefusal(file, input)).toMatch(
      /^not sent: .* was rescaled from 100x60 to MNIST's 28x28 .* run again with --yes/,
    );
  });

  it("refuses a blank picture, and takes a 28x28 white-on-black picture as it is", () => {
    const blank = write("blank.png", encodeGrayPng(100, 60, new Uint8Array(100 * 60).fill(255)));
    const input = readMnistInput(blank);
    expect(input.blank).toBe(true);
    expect(inputConcerns(blank, input)).toHaveLength(1);
    expect(inputRefusal(blank, input)).toMatch(
      /^not sent: .* is blank, so a provider would be paid to classify nothing; run again with --yes/,
    );

    const digit = new Uint8Array(784);
    for (let y = 4; y < 24; y++) for (let x = 12; x < 16; x++) digit[y * 28 + x] = 255;
    const mnist = readMnistInput(write("mnist.png", encodeGrayPng(28, 28, digit)));
    expect(mnist.prepared).toBeNull();
    expect(mnist.pixels).toEqual(digit);
    expect(inputConcerns("mnist.png", mnist)).toEqual([]);
  });
});
