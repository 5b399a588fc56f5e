// Until the circuits package ships real models, the local deployment has no market. This opens one the way
// the protocol would: a governance proposal registers a model (with the test-only HashCommitVerifier), approves
// it and creates its market for policy class 0; the deployer votes, time passes, the timelock executes.
import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  http,
  keccak256,
  toHex,
  type Abi,
  type Hex,
} from "viem";
import { hardhat } from "viem/chains";
import {
  modelRegistryAbi,
  sovraGovernorAbi,
  spotMarketInterfaceAbi,
  timelockControllerAbi,
  type Deployment,
} from "@sovra/contracts";
import { accounts, increaseTime, mine } from "./chain.ts";

export const TEST_MODEL = "mnist-e2e";

export async function openTestMarket(options: { rpcUrl: string; deployment: Deployment; artifactsDir: string | undefined }) {
  const { rpcUrl, deployment } = options;
  const transport = http(rpcUrl);
  const publicClient = createPublicClient({ chain: hardhat, transport });
  const wallet = createWalletClient({ chain: hardhat, transport, account: accounts.deployer });
  const wait = async (hash: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return receipt;
  };

  const artifactsDir = options.artifactsDir ?? path.resolve(import.meta.dirname, "..", "..", "..", "contracts", "artifacts");
  const artifact = JSON.parse(
    await readFile(path.join(artifactsDir, "contracts", "mocks", "HashCommitVerifier.sol", "HashCommitVerifier.json"), "utf8"),
  ) as { abi: Abi; bytecode: Hex };
  const deployHash = await wallet.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode });
  const verifier = (await wait(deployHash)).contractAddress;
  if (!verifier) throw new Error("verifier deployment returned no address");

  const modelId = keccak256(toHex(TEST_MODEL));
  const weightsCid = "bafkreie2etestmodelweightsnotarealcid";
  const params = {
    tickSize: 1_000n,
    collateralPerJob: 10n * 10n ** 18n,
    feeBps: 250,
    slashBuyerBps: 5_000,
    slashCallerBps: 500,
    minJobWindow: 120,
    callbackGasLimit: 200_000,
    maxAskCapacity: 1_000,
    active: true,
  };
  const { modelRegistry, spotMarket, governor, timelock } = deployment.contracts;
  const targets = [modelRegistry, modelRegistry, spotMarket];
  const values = [0n, 0n, 0n];
  const calldatas = [
    encodeFunctionData({
      abi: modelRegistryAbi,
      functionName: "registerModel",
      args: [modelId, weightsCid, verifier, '{"input":"uint8[784]","output":"digit"}', 0],
    }),
    encodeFunctionData({ abi: modelRegistryAbi, functionName: "setModelApproved", args: [modelId, true] }),
    encodeFunctionData({ abi: spotMarketInterfaceAbi, functionName: "createMarket", args: [modelId, 0, params] }),
  ];
  const description = `Open the ${TEST_MODEL} market (end-to-end tests)`;
  const descriptionHash = keccak256(toHex(description));

  await wait(
    await wallet.writeContract({ address: governor, abi: sovraGovernorAbi, functionName: "propose", args: [targets, values, calldatas, description] }),
  );
  const proposalId = await publicClient.readContract({
    address: governor,
    abi: sovraGovernorAbi,
    functionName: "hashProposal",
    args: [targets, values, calldatas, descriptionHash],
  });
  const votingDelay = await publicClient.readContract({ address: governor, abi: sovraGovernorAbi, functionName: "votingDelay" });
  await mine(rpcUrl, Number(votingDelay) + 1);
  await wait(await wallet.writeContract({ address: governor, abi: sovraGovernorAbi, functionName: "castVote", args: [proposalId, 1] }));
  const votingPeriod = await publicClient.readContract({ address: governor, abi: sovraGovernorAbi, functionName: "votingPeriod" });
  await mine(rpcUrl, Number(votingPeriod) + 1);
  await wait(
    await wallet.writeContract({ address: governor, abi: sovraGovernorAbi, functionName: "queue", args: [targets, values, calldatas, descriptionHash] }),
  );
  const minDelay = await publicClient.readContract({ address: timelock, abi: timelockControllerAbi, functionName: "getMinDelay" });
  await increaseTime(rpcUrl, Number(minDelay) + 1);
  const executed = await wait(
    await wallet.writeContract({ address: governor, abi: sovraGovernorAbi, functionName: "execute", args: [targets, values, calldatas, descriptionHash] }),
  );
  const created = await publicClient.getContractEvents({
    address: spotMarket,
    abi: spotMarketInterfaceAbi,
    eventName: "MarketCreated",
    blockHash: executed.blockHash,
  });
  const marketId = created[0]?.args.marketId;
  if (marketId === undefined) throw new Error("the proposal executed but created no market");
  return {
    ...deployment,
    models: [...deployment.models, { name: TEST_MODEL, modelId, weightsCid, verifier }],
    markets: [...deployment.markets, { marketId, model: TEST_MODEL, modelId, policyClass: 0 }],
  } satisfies Deployment;
}
