// The Groth16 verifiers the circuits package generated, as deployed by the local deploy, checked with real proofs
// from its prover: directly, and through the market's submitResult, which pays the provider only for a valid proof.
import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createPublicClient,
  createWalletClient,
  bytesToHex,
  http,
  maxUint256,
  parseEventLogs,
  type Hex,
  type PublicClient,
} from "viem";
import { hardhat } from "viem/chains";
import {
  inferenceVerifierAbi,
  jobTermsFromEvents,
  modelRegistryAbi,
  providerRegistryAbi,
  sovraTokenAbi,
  spotMarketAbi,
  testStablecoinAbi,
  type Deployment,
} from "@sovra/contracts";
import { weightsCid } from "@sovra/circuits/io/cid";
import { cidOfMultihash } from "@sovra/contracts";
import { vkeyHash } from "@sovra/circuits/io/vkey";
import { deploySystem, fundLocalAccounts, localAccount, startLocalChain, type LocalChain } from "@sovra/deploy";

const fixtureSchema = z.object({
  model: z.string(),
  modelId: z.string(),
  inputHash: z.string().transform(BigInt),
  input: z.array(z.number().int().min(0).max(255)),
  packedOutput: z.array(z.string().transform(BigInt)),
  calldata: z
    .string()
    .regex(/^0x[0-9a-f]+$/)
    .transform((value) => value as Hex),
});

async function proofFixture(name: "mlp" | "cnn") {
  const url = new URL(`../../circuits/fixtures/${name}-proof.json`, import.meta.url);
  return fixtureSchema.parse(JSON.parse(await readFile(url, "utf8")));
}

describe("real proofs on the deployed system", () => {
  let chain: LocalChain;
  let deployment: Deployment;
  let client: PublicClient;

  beforeAll(async () => {
    chain = await startLocalChain();
    deployment = await deploySystem({ rpcUrl: chain.rpcUrl });
    await fundLocalAccounts({ rpcUrl: chain.rpcUrl, deployment, accounts: [1, 2], sovEach: 10_000n * 10n ** 18n });
    client = createPublicClient({ chain: hardhat, transport: http(chain.rpcUrl) });
  });

  afterAll(async () => {
    await chain?.stop();
  });

  const verifierOf = (name: string) => {
    const model = deployment.models.find((entry) => entry.name === name);
    if (model === undefined) throw new Error(`model ${name} not deployed`);
    return model.verifier;
  };

  it("registers every shipped model with its own verifier", () => {
    // every folder of circuits/models (the zk tier's shipped models), each with a verifier of its own
    const modelsDir = new URL("../../circuits/models/", import.meta.url);
    const names = readdirSync(modelsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(new URL(`${d.name}/manifest.json`, modelsDir)))
      .map((d) => d.name);
    expect(names).toEqual(expect.arrayContaining(["cnn", "digits_cnn", "mlp", "mpg", "penguins"]));
    expect(deployment.models.map((model) => model.name)).toEqual(expect.arrayContaining(names));
    expect(new Set(names.map(verifierOf)).size).toBe(names.length);
  });

  // What anyone can check from the registry alone: the weights it names are the model.onnx the circuit was built
  // from, and the verifier it points to checks proofs against the key `sovra-model rebuild` derives from them.
  it("registers each model bound to its weights' multihash and its verifier's key", async () => {
    for (const model of deployment.models) {
      const dir = new URL(`../../circuits/models/${model.name}/`, import.meta.url);
      const onChain = await client.readContract({
        address: deployment.contracts.modelRegistry,
        abi: modelRegistryAbi,
        functionName: "modelOf",
        args: [model.modelId],
      });
      const onnx = new Uint8Array(await readFile(new URL("model.onnx", dir)));
      expect(cidOfMultihash(onChain.weightsMultihash)).toBe(weightsCid(onnx));
      const key = vkeyHash(JSON.parse(await readFile(new URL("vkey.json", dir), "utf8")));
      expect(onChain.vkeyHash).toBe(key);
      const reported = await client.readContract({
        address: onChain.verifier,
        abi: inferenceVerifierAbi,
        functionName: "verifyingKeyHash",
      });
      expect(reported).toBe(key);
    }
  });

  it("each verifier accepts its model's proof and rejects tampering and the other model's proof", async () => {
    const mlp = await proofFixture("mlp");
    const cnn = await proofFixture("cnn");
    const check = (verifier: Hex, inputHash: bigint, output: bigint[], proof: Hex) =>
      client.readContract({
        address: verifier,
        abi: inferenceVerifierAbi,
        functionName: "verifyInference",
        args: [inputHash, output, proof],
      });
    expect(await check(verifierOf("mlp"), mlp.inputHash, mlp.packedOutput, mlp.calldata)).toBe(true);
    expect(await check(verifierOf("cnn"), cnn.inputHash, cnn.packedOutput, cnn.calldata)).toBe(true);
    const tampered = mlp.packedOutput.map((value, index) => (index === 0 ? value + 1n : value));
    expect(await check(verifierOf("mlp"), mlp.inputHash, tampered, mlp.calldata)).toBe(false);
    expect(await check(verifierOf("mlp"), mlp.inputHash + 1n, mlp.packedOutput, mlp.calldata)).toBe(false);
    expect(await check(verifierOf("mlp"), cnn.inputHash, cnn.packedOutput, cnn.calldata)).toBe(false);
    expect(await check(verifierOf("cnn"), mlp.inputHash, mlp.packedOutput, mlp.calldata)).toBe(false);
  });

  it("settles a market job with the real proof and pays the provider; a tampered output is refused", async () => {
    const mlp = await proofFixture("mlp");
    const transport = http(chain.rpcUrl);
    const provider = createWalletClient({ chain: hardhat, transport, account: localAccount(1) });
    const buyer = createWalletClient({ chain: hardhat, transport, account: localAccount(2) });
    const { spotMarket, providerRegistry, sovraToken, paymentToken } = deployment.contracts;
    const market = deployment.markets.find((entry) => entry.model === "mlp" && entry.policyClass === 0);
    if (market === undefined) throw new Error("no open mlp market");
    const send = async (hash: Promise<Hex>) => {
      const receipt = await client.waitForTransactionReceipt({ hash: await hash });
      expect(receipt.status).toBe("success");
      return receipt;
    };

    await send(
      provider.writeContract({
        address: providerRegistry,
        abi: providerRegistryAbi,
        functionName: "register",
        args: [
          {
            gpuModel: "test host",
            vramMb: 4_096,
            throughputMilliOpsPerSec: 1n,
            region: "local",
            benchmarkReport: `0x${"11".repeat(32)}`,
          },
        ],
      }),
    );
    await send(
      provider.writeContract({
        address: sovraToken,
        abi: sovraTokenAbi,
        functionName: "approve",
        args: [providerRegistry, maxUint256],
      }),
    );
    await send(
      provider.writeContract({
        address: providerRegistry,
        abi: providerRegistryAbi,
        functionName: "stake",
        args: [1_000n * 10n ** 18n],
      }),
    );
    const now = (await client.getBlock()).timestamp;
    await send(
      provider.writeContract({
        address: spotMarket,
        abi: spotMarketAbi,
        functionName: "placeAsk",
        args: [market.marketId, 10, 1, now + 86_400n],
      }),
    );
    await send(
      buyer.writeContract({
        address: paymentToken,
        abi: testStablecoinAbi,
        functionName: "approve",
        args: [spotMarket, maxUint256],
      }),
    );
    const bidReceipt = await send(
      buyer.writeContract({
        address: spotMarket,
        abi: spotMarketAbi,
        functionName: "placeBid",
        args: [market.marketId, 10, mlp.inputHash, "0x", now + 3_600n, false],
      }),
    );
    const [placed] = parseEventLogs({ abi: spotMarketAbi, logs: bidReceipt.logs, eventName: "BidPlaced" });
    const [matched] = parseEventLogs({ abi: spotMarketAbi, logs: bidReceipt.logs, eventName: "JobMatched" });
    if (placed === undefined || matched === undefined) throw new Error("the bid did not match the ask");
    const terms = jobTermsFromEvents(placed.args, matched.args);
    const jobId = matched.args.jobId;

    const tampered = [mlp.packedOutput[0]! + 1n];
    await expect(
      client.simulateContract({
        account: provider.account,
        address: spotMarket,
        abi: spotMarketAbi,
        functionName: "submitResult",
        args: [jobId, terms, tampered, mlp.calldata],
      }),
    ).rejects.toThrow(/InvalidProof/);

    const owedBefore = await client.readContract({
      address: spotMarket,
      abi: spotMarketAbi,
      functionName: "owed",
      args: [provider.account.address],
    });
    const settleReceipt = await send(
      provider.writeContract({
        address: spotMarket,
        abi: spotMarketAbi,
        functionName: "submitResult",
        args: [jobId, terms, mlp.packedOutput, mlp.calldata],
      }),
    );
    // A figure for the README (not asserted): the whole job's gas with a real Groth16 check.
    console.log(`real MLP proof: placeBid ${bidReceipt.gasUsed} gas, submitResult ${settleReceipt.gasUsed} gas`);
    const settled = parseEventLogs({ abi: spotMarketAbi, logs: settleReceipt.logs, eventName: "JobSettled" });
    expect(settled).toHaveLength(1);
    expect(settled[0]?.args.output).toEqual(mlp.packedOutput);
    const owedAfter = await client.readContract({
      address: spotMarket,
      abi: spotMarketAbi,
      functionName: "owed",
      args: [provider.account.address],
    });
    const price = terms.price;
    expect(owedAfter - owedBefore).toBe(price - (price * 250n) / 10_000n);
    expect(
      await client.readContract({ address: spotMarket, abi: spotMarketAbi, functionName: "jobStatus", args: [jobId] }),
    ).toBe(2);

    // A second job as the provider node sees it: the 784 pixels inline in the bid, a provider already owed. Its
    // gas is the figure the README quotes for a whole job (not asserted).
    const later = (await client.getBlock()).timestamp;
    await send(
      provider.writeContract({
        address: spotMarket,
        abi: spotMarketAbi,
        functionName: "placeAsk",
        args: [market.marketId, 10, 1, later + 86_400n],
      }),
    );
    const inlineBid = await send(
      buyer.writeContract({
        address: spotMarket,
        abi: spotMarketAbi,
        functionName: "placeBid",
        args: [market.marketId, 10, mlp.inputHash, bytesToHex(Uint8Array.from(mlp.input)), later + 3_600n, false],
      }),
    );
    const [placed2] = parseEventLogs({ abi: spotMarketAbi, logs: inlineBid.logs, eventName: "BidPlaced" });
    const [matched2] = parseEventLogs({ abi: spotMarketAbi, logs: inlineBid.logs, eventName: "JobMatched" });
    if (placed2 === undefined || matched2 === undefined) throw new Error("the second bid did not match");
    const warmSettle = await send(
      provider.writeContract({
        address: spotMarket,
        abi: spotMarketAbi,
        functionName: "submitResult",
        args: [matched2.args.jobId, jobTermsFromEvents(placed2.args, matched2.args), mlp.packedOutput, mlp.calldata],
      }),
    );
    expect(parseEventLogs({ abi: spotMarketAbi, logs: warmSettle.logs, eventName: "JobSettled" })).toHaveLength(1);
    console.log(
      `real MLP proof, input inline, provider already owed: placeBid ${inlineBid.gasUsed} + submitResult ${warmSettle.gasUsed} = ${inlineBid.gasUsed + warmSettle.gasUsed} gas`,
    );
  });
});
