// Run by `hardhat run --network <net>` (see src/deploy.ts): deploys the whole system with Ignition and writes
// the deployment document that the provider node, the dApp and the tests read.
import { writeFile } from "node:fs/promises";
import type {} from "@nomicfoundation/hardhat-toolbox-viem";
import { network } from "hardhat";
import { checkPaymentToken, modelRegistryAbi, parseDeployment, spotMarketInterfaceAbi } from "@sovra/contracts";
import { buildSovraModule, localConfig } from "../ignition/modules/Sovra.ts";
import { localModels } from "../src/models.ts";
import { optimisticModels } from "../src/optimistic-models.ts";

const outFile = process.env.SOVRA_DEPLOYMENT_OUT;
if (outFile === undefined) throw new Error("SOVRA_DEPLOYMENT_OUT must name the file to write the deployment to");

const { ignition, viem } = await network.connect();
const publicClient = await viem.getPublicClient();
// Tests may deploy the optimistic tier with another audit probability (10000: every commit audited).
const auditBps = process.env.SOVRA_OPTIMISTIC_AUDIT_BPS;
const config =
  auditBps === undefined || auditBps === ""
    ? localConfig
    : { ...localConfig, optimisticParams: { ...localConfig.optimisticParams, auditBps: Number(auditBps) } };
// A real stablecoin must be a plain ERC20: the market credits exactly what it asks transferFrom to move.
if (config.paymentToken !== undefined) {
  const [deployer] = await viem.getWalletClients();
  if (deployer === undefined) throw new Error("no deployer account");
  const check = await checkPaymentToken(
    publicClient,
    deployer,
    config.paymentToken,
    config.paymentTokenProbe ?? "0x000000000000000000000000000000000000dEaD",
  );
  if (!check.ok) throw new Error(`refusing payment token ${config.paymentToken}: ${check.reason}`);
}
const startBlock = await publicClient.getBlockNumber();
// zk models first: their market ids do not move when optimistic models are added.
const models = [...(await localModels()), ...optimisticModels(config.marketParams)];
const deployed = await ignition.deploy(buildSovraModule({ ...config, models: models.map((model) => model.config) }), {
  displayUi: false,
  ...(process.env.SOVRA_IGNITION_DEPLOYMENT_ID ? { deploymentId: process.env.SOVRA_IGNITION_DEPLOYMENT_ID } : {}),
});

const created = await publicClient.getContractEvents({
  address: deployed.spotMarket.address,
  abi: spotMarketInterfaceAbi,
  eventName: "MarketCreated",
  fromBlock: startBlock,
});

const deployment = parseDeployment({
  chainId: await publicClient.getChainId(),
  startBlock: Number(startBlock),
  contracts: Object.fromEntries(
    Object.entries(deployed).map(([name, contract]: [string, { address: string }]) => [name, contract.address]),
  ),
  models: await Promise.all(
    models.map(async (model, index) => ({
      name: model.name,
      modelId: model.config.modelId,
      weightsCid: model.config.weightsCid,
      verifier: (await deployedVerifier(index)) ?? "0x0000000000000000000000000000000000000000",
    })),
  ),
  markets: created.map((event) => {
    const model = models.find((candidate) => candidate.config.modelId === event.args.modelId);
    return {
      marketId: Number(event.args.marketId),
      model: model?.name ?? "unknown",
      modelId: event.args.modelId,
      policyClass: Number(event.args.policyClass),
    };
  }),
});
await writeFile(outFile, `${JSON.stringify(deployment, null, 2)}\n`);
console.log(`deployment written to ${outFile}`);

async function deployedVerifier(index: number): Promise<string | undefined> {
  const modelId = models[index]?.config.modelId;
  if (modelId === undefined) return undefined;
  const model = await publicClient.readContract({
    address: deployed.modelRegistry.address,
    abi: modelRegistryAbi,
    functionName: "modelOf",
    args: [modelId],
  });
  return model.verifier;
}
