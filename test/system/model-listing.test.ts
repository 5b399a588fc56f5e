// Listing a model a user brought, through governance, as the README tells it: `sovra-model compile` writes the
// folder, `sovra propose-model` deploys its verifier and proposes register + approve + market, token holders vote,
// the timelock executes. The registry then names the weights by multihash and the verifier's key by hash, which
// anyone can check against the folder. A proposal that pairs the folder with another model's verifier is refused.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keccak256, parseEventLogs, toHex, type Address, type Hex } from "viem";
import { modelRegistryAbi, sovraGovernorAbi, spotMarketAbi } from "@sovra/contracts";
import { cidOfMultihash, listedModelName, withListings } from "@sovra/contracts";
import { vkeyHash } from "@sovra/circuits/io/vkey";
import { localAccount } from "@sovra/deploy";
import { readFile } from "node:fs/promises";
import {
  buyerBin,
  cliJson,
  repoRoot,
  runCli,
  startSystem,
  testClient,
  wallet,
  type System,
} from "../support/system.ts";

const run = promisify(execFile);
const sovraModel = path.join(repoRoot, "circuits", "bin", "sovra-model.js");
const FOR = 1;

type Proposed = { proposalId: string; modelId: Hex; verifier: Address; weightsMultihash: Hex; vkeyHash: Hex };

describe("listing a new model through governance", () => {
  let sys: System;
  let config: string;
  let modelDir: string;

  beforeAll(async () => {
    sys = await startSystem();
    config = await sys.writeConfig({ name: "proposer" });
    // The user's side: an ONNX model and its calibration rows in, a model folder out (no repository model).
    const src = path.join(sys.dir, "tabular-src");
    modelDir = path.join(sys.dir, "tabular");
    await run(process.execPath, [path.join(repoRoot, "circuits", "scripts", "example-tabular.ts"), src]);
    await run(process.execPath, [
      sovraModel,
      "compile",
      path.join(src, "tabular.onnx"),
      "--calibration",
      path.join(src, "calib.json"),
      "--data",
      path.join(src, "data.json"),
      "--out",
      modelDir,
      "--name",
      "tabular",
    ]);
  });

  afterAll(async () => {
    await sys?.stop();
  });

  // Attack: a proposer pairs the new weights with a verifier of another circuit (here the mlp's), so that voters
  // who checked the folder would approve a market whose proofs mean something else. The CLI refuses before
  // proposing; the registry would refuse it on execution too (contracts/test/models.ts).
  it("refuses to propose the folder with another model's verifier", async () => {
    const mlp = sys.deployment.models.find((m) => m.name === "mlp");
    if (mlp === undefined) throw new Error("mlp not deployed");
    const result = await runCli(buyerBin, ["--config", config, "propose-model", modelDir, "--verifier", mlp.verifier], {
      account: sys.buyer,
    });
    expect(result.code).toBe(1);
    const errors = result.stderr.split("\n").filter((line) => line.startsWith("error:"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/reports verifying key 0x[0-9a-f]{64}, .* it is not this model's verifier$/);
  });

  it("proposes, passes the vote, executes: the model is registered, bound and has a market", async () => {
    const proposed = await cliJson<Proposed>(buyerBin, ["--config", config, "propose-model", modelDir], {
      account: sys.buyer,
    });
    const key = vkeyHash(JSON.parse(await readFile(path.join(modelDir, "vkey.json"), "utf8")));
    expect(proposed.vkeyHash).toBe(key);
    expect(proposed.modelId).toBe(keccak256(toHex("tabular")));

    // Token holders vote (the deployer holds the launch supply, delegated to itself), then the timelock executes.
    const governor = sys.deployment.contracts.governor;
    const voter = wallet(sys, localAccount(0));
    const test = testClient(sys);
    const proposalId = BigInt(proposed.proposalId);
    const created = await sys.client.getContractEvents({
      address: governor,
      abi: sovraGovernorAbi,
      eventName: "ProposalCreated",
      fromBlock: BigInt(sys.deployment.startBlock),
      strict: true,
    });
    const proposal = created.find((event) => event.args.proposalId === proposalId);
    if (proposal === undefined) throw new Error("ProposalCreated not found");
    const { targets, calldatas, description } = proposal.args;
    const values = targets.map(() => 0n);
    const descriptionHash = keccak256(toHex(description));
    const state = () =>
      sys.client.readContract({ address: governor, abi: sovraGovernorAbi, functionName: "state", args: [proposalId] });

    await test.mine({ blocks: Number(proposal.args.voteStart - (await sys.client.getBlockNumber())) + 1 });
    await sys.client.waitForTransactionReceipt({
      hash: await voter.writeContract({
        address: governor,
        abi: sovraGovernorAbi,
        functionName: "castVote",
        args: [proposalId, FOR],
      }),
    });
    await test.mine({ blocks: Number(proposal.args.voteEnd - (await sys.client.getBlockNumber())) + 1 });
    expect(await state()).toBe(4); // Succeeded
    await sys.client.waitForTransactionReceipt({
      hash: await voter.writeContract({
        address: governor,
        abi: sovraGovernorAbi,
        functionName: "queue",
        args: [[...targets], values, [...calldatas], descriptionHash],
      }),
    });
    await test.increaseTime({ seconds: 3_601 });
    await test.mine({ blocks: 1 });
    const executed = await sys.client.waitForTransactionReceipt({
      hash: await voter.writeContract({
        address: governor,
        abi: sovraGovernorAbi,
        functionName: "execute",
        args: [[...targets], values, [...calldatas], descriptionHash],
      }),
    });
    expect(await state()).toBe(7); // Executed

    const registry = sys.deployment.contracts.modelRegistry;
    const onChain = await sys.client.readContract({
      address: registry,
      abi: modelRegistryAbi,
      functionName: "modelOf",
      args: [proposed.modelId],
    });
    const manifest = JSON.parse(await readFile(path.join(modelDir, "manifest.json"), "utf8")) as { weightsCid: string };
    expect(onChain.approved).toBe(true);
    expect(onChain.verifier).toBe(proposed.verifier);
    expect(cidOfMultihash(onChain.weightsMultihash)).toBe(manifest.weightsCid);
    expect(onChain.vkeyHash).toBe(key);
    expect(JSON.parse(onChain.ioSpec)).toMatchObject({ input: { shape: [4], signed: true }, output: { count: 3 } });
    const markets = parseEventLogs({ abi: spotMarketAbi, logs: executed.logs, eventName: "MarketCreated" });
    expect(markets.map((event) => [event.args.modelId, event.args.policyClass])).toEqual([[proposed.modelId, 0]]);

    // Clients (CLI, provider node, dApp) see the listed model and its market from the chain's events.
    const listed = await withListings(sys.deployment, sys.client);
    expect(listed.models.find((m) => m.modelId === proposed.modelId)).toMatchObject({
      name: "tabular",
      weightsCid: manifest.weightsCid,
      verifier: proposed.verifier,
    });
    expect(listed.markets.filter((m) => m.model === "tabular").map((m) => m.policyClass)).toEqual([0]);
    // An io spec cannot borrow a launch model's name: the name must hash to the model id.
    expect(listedModelName(proposed.modelId, JSON.stringify({ name: "mlp" }))).toBe(
      `model-${proposed.modelId.slice(2, 10)}`,
    );
  });
});
