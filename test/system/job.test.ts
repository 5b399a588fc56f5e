// A buyer bids for a real held-out MNIST digit through the `sovra` CLI; the provider node (`sovra-provider run`,
// a real process with the real prover) delivers a verified result on-chain. Money ends where it must: the
// provider is owed the price minus the fee, the fee reaches the treasury, the collateral goes back to free
// stake, and a consumer contract gets its callback with the right digit.
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesToHex, parseEventLogs, type Abi, type Address, type Hex } from "viem";
import { exampleDigitConsumerAbi, spotMarketAbi, testStablecoinAbi } from "@sovra/contracts";
import { close as closeProver, hashBytes, infer, loadModel } from "@sovra/circuits";
import { heldOutDigit, type Digit } from "../support/digits.ts";
import {
  buyerBin,
  cliJson,
  nodeReady,
  placeAsk,
  providerBin,
  registerProvider,
  repoRoot,
  settledCount,
  snapshot,
  startNode,
  startSystem,
  treasuryOf,
  until,
  wallet,
  type NodeProcess,
  type System,
} from "../support/system.ts";

/** The first held-out digits of `label` that the quantized model classifies correctly. */
async function correctDigit(label: number): Promise<Digit> {
  const model = await loadModel("mlp");
  for (let n = 0; n < 20; n++) {
    const digit = heldOutDigit(label, n);
    const logits = infer(model, digit.pixels);
    if (logits.indexOf(Math.max(...logits)) === label) return digit;
  }
  throw new Error(`no held-out ${label} the model gets right in the first 20`);
}

describe("a verified MNIST job, end to end", () => {
  let sys: System;
  let node: NodeProcess;
  let treasury: Address;
  let price: bigint;
  const tickSize = 1_000n; // 0.001 tUSD: the local deployment's market parameters

  beforeAll(async () => {
    sys = await startSystem();
    treasury = await treasuryOf(sys);
    const { register } = await registerProvider(sys, { stake: "1000" });
    // CPU-only host: the registered "VRAM" is the RAM onnxruntime's cpu provider can use, from the report.
    expect(register.memorySource).toBe("host-ram");
    await placeAsk(sys, { price: "0.05", capacity: 5 });
    price = 50n * tickSize;
    node = startNode({ config: await sys.writeConfig({ name: "node" }), account: sys.provider });
    await nodeReady(node);
  });

  afterAll(async () => {
    await node?.stop();
    await closeProver();
    await sys?.stop();
  });

  it("returns the digit to the buyer, pays the provider, fees the treasury and releases the collateral", async () => {
    const digit = await correctDigit(7);
    const input = path.join(sys.dir, "digit.json");
    await writeFile(input, JSON.stringify(digit.pixels));
    const before = await snapshot(sys, { buyer: sys.buyer.address, provider: sys.provider.address, treasury });
    const buyerTokens = await sys.client.readContract({
      address: sys.deployment.contracts.paymentToken,
      abi: testStablecoinAbi,
      functionName: "balanceOf",
      args: [sys.buyer.address],
    });

    const config = await sys.writeConfig({ name: "buyer" });
    const result = await cliJson<{ jobId: string; predicted: number; scores: number[]; paid: string }>(
      buyerBin,
      ["--config", config, "bid", "--model", "mlp", "--input", input, "--max-price", "0.05", "--deadline", "600"],
      { account: sys.buyer },
    );
    expect(result.predicted).toBe(digit.label);
    expect(result.scores).toEqual(infer(await loadModel("mlp"), digit.pixels));
    const jobId = BigInt(result.jobId);
    expect(await settledCount(sys, jobId)).toBe(1);
    expect(
      await sys.client.readContract({
        address: sys.market,
        abi: spotMarketAbi,
        functionName: "jobStatus",
        args: [jobId],
      }),
    ).toBe(2);

    const fee = (price * 250n) / 10_000n;
    const collateral = 10n * 10n ** 18n;
    const settled = await snapshot(sys, { buyer: sys.buyer.address, provider: sys.provider.address, treasury });
    expect(settled.providerOwed - before.providerOwed).toBe(price - fee);
    expect(settled.pendingFees - before.pendingFees).toBe(fee);
    expect(settled.releasable - before.releasable).toBe(collateral);
    const buyerAfter = await sys.client.readContract({
      address: sys.deployment.contracts.paymentToken,
      abi: testStablecoinAbi,
      functionName: "balanceOf",
      args: [sys.buyer.address],
    });
    expect(buyerTokens - buyerAfter).toBe(price);

    // The provider withdraws: paid out, collateral back to free stake, fee moved to the treasury.
    const providerConfig = await sys.writeConfig({ name: "provider-withdraw" });
    const providerTokensBefore = await sys.client.readContract({
      address: sys.deployment.contracts.paymentToken,
      abi: testStablecoinAbi,
      functionName: "balanceOf",
      args: [sys.provider.address],
    });
    const withdrawn = await cliJson<{ withdrawn: string; collateralReleased: string; feesFlushedToTreasury: string }>(
      providerBin,
      ["--config", providerConfig, "withdraw"],
      { account: sys.provider },
    );
    expect(BigInt(withdrawn.withdrawn)).toBe(settled.providerOwed);
    expect(BigInt(withdrawn.collateralReleased)).toBe(settled.releasable);
    expect(BigInt(withdrawn.feesFlushedToTreasury)).toBe(settled.pendingFees);
    const providerTokensAfter = await sys.client.readContract({
      address: sys.deployment.contracts.paymentToken,
      abi: testStablecoinAbi,
      functionName: "balanceOf",
      args: [sys.provider.address],
    });
    expect(providerTokensAfter - providerTokensBefore).toBe(settled.providerOwed);
    const after = await snapshot(sys, { buyer: sys.buyer.address, provider: sys.provider.address, treasury });
    expect(after.providerOwed).toBe(0n);
    expect(after.releasable).toBe(0n);
    expect(after.pendingFees).toBe(0n);
    expect(after.treasuryOwed - before.treasuryOwed).toBe(fee);
    expect(settled.locked - after.locked).toBe(collateral);
    expect(after.staked).toBe(before.staked);
  });

  it("calls an example consumer contract back with the verified digit", async () => {
    const digit = await correctDigit(3);
    const artifact = JSON.parse(
      readFileSync(
        path.join(
          repoRoot,
          "contracts",
          "artifacts",
          "contracts",
          "consumer",
          "ExampleDigitConsumer.sol",
          "ExampleDigitConsumer.json",
        ),
        "utf8",
      ),
    ) as { abi: Abi; bytecode: Hex };
    const buyer = wallet(sys, sys.buyer);
    const marketId = sys.deployment.markets.find((m) => m.model === "mlp" && m.policyClass === 0)?.marketId ?? 0;
    const model = await loadModel("mlp");
    const laneBits = model.manifest.io.output.laneBits;
    const deployHash = await buyer.deployContract({
      abi: exampleDigitConsumerAbi,
      bytecode: artifact.bytecode,
      args: [sys.market, sys.deployment.contracts.paymentToken, marketId, laneBits, 10, sys.buyer.address],
    });
    const deployed = await sys.client.waitForTransactionReceipt({ hash: deployHash });
    const consumer = deployed.contractAddress as Address;
    // A callback job costs the price plus the market's callback premium (the provider pays the callback's gas).
    const { params } = await sys.client.readContract({
      address: sys.market,
      abi: spotMarketAbi,
      functionName: "marketOf",
      args: [marketId],
    });
    const fund = await buyer.writeContract({
      address: sys.deployment.contracts.paymentToken,
      abi: testStablecoinAbi,
      functionName: "transfer",
      args: [consumer, price + params.callbackPremium],
    });
    await sys.client.waitForTransactionReceipt({ hash: fund });

    const inputHash = await hashBytes(digit.pixels);
    const now = (await sys.client.getBlock()).timestamp;
    const request = await buyer.writeContract({
      address: consumer,
      abi: exampleDigitConsumerAbi,
      functionName: "requestDigit",
      args: [50, inputHash, bytesToHex(Uint8Array.from(digit.pixels)), now + 600n],
    });
    const receipt = await sys.client.waitForTransactionReceipt({ hash: request });
    const requested = parseEventLogs({
      abi: exampleDigitConsumerAbi,
      eventName: "DigitRequested",
      logs: receipt.logs,
    })[0];
    const jobId = requested?.args.jobId ?? 0n;
    expect(jobId).not.toBe(0n);

    const classified = await until(async () => {
      const logs = await sys.client.getContractEvents({
        address: consumer,
        abi: exampleDigitConsumerAbi,
        eventName: "DigitClassified",
        args: { jobId },
        fromBlock: receipt.blockNumber,
        strict: true,
      });
      return logs[0];
    });
    expect(classified.args.digit).toBe(digit.label);
    const [status, stored] = await sys.client.readContract({
      address: consumer,
      abi: exampleDigitConsumerAbi,
      functionName: "requests",
      args: [jobId],
    });
    expect(status).toBe(2); // Classified
    expect(stored).toBe(digit.label);
    const callbacks = await sys.client.getContractEvents({
      address: sys.market,
      abi: spotMarketAbi,
      eventName: "CallbackResult",
      args: { jobId },
      fromBlock: receipt.blockNumber,
      strict: true,
    });
    expect(callbacks.map((l) => l.args.success)).toEqual([true]);
    expect(await settledCount(sys, jobId)).toBe(1);
  });
});
