// The deployment file records the models and markets that existed at deploy time; governance lists more later
// (`sovra propose-model`, the dApp's Models page). Clients add those from the chain's own events, so a model listed
// by a vote is bought and served like the launch ones, with no file to edit.
import { keccak256, type PublicClient, toHex } from "viem";
import { modelRegistryAbi, spotMarketAbi } from "./abis.ts";
import type { Deployment } from "./deployment.ts";
import { cidOfMultihash } from "./multihash.ts";

const MODEL_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * A listed model's name: the io spec's `name` when it is the name the model id was made from (keccak256 of it:
 * a spec cannot borrow another model's name), else a short form of the id.
 */
export function listedModelName(modelId: string, ioSpec: string): string {
  try {
    const spec = JSON.parse(ioSpec) as { name?: unknown };
    if (typeof spec.name === "string" && MODEL_NAME.test(spec.name) && keccak256(toHex(spec.name)) === modelId)
      return spec.name;
  } catch {
    // not JSON: fall through to the id
  }
  return `model-${modelId.slice(2, 10)}`;
}

/** `deployment` plus every model registered and market created on chain since it was deployed. */
export async function withListings(deployment: Deployment, client: PublicClient): Promise<Deployment> {
  const fromBlock = BigInt(deployment.startBlock);
  const [registered, created] = await Promise.all([
    client.getContractEvents({
      address: deployment.contracts.modelRegistry,
      abi: modelRegistryAbi,
      eventName: "ModelRegistered",
      fromBlock,
      strict: true,
    }),
    client.getContractEvents({
      address: deployment.contracts.spotMarket,
      abi: spotMarketAbi,
      eventName: "MarketCreated",
      fromBlock,
      strict: true,
    }),
  ]);
  const models = [...deployment.models];
  for (const { args } of registered) {
    if (models.some((m) => m.modelId === args.modelId)) continue;
    let weightsCid: string;
    try {
      weightsCid = cidOfMultihash(args.weightsMultihash);
    } catch {
      continue; // the registry checks the form; a multihash no CID library reads is not servable
    }
    models.push({
      name: listedModelName(args.modelId, args.ioSpec),
      modelId: args.modelId,
      weightsCid,
      verifier: args.verifier,
    });
  }
  const markets = [...deployment.markets];
  for (const { args } of created) {
    if (markets.some((m) => m.marketId === args.marketId)) continue;
    const model = models.find((m) => m.modelId === args.modelId);
    markets.push({
      marketId: args.marketId,
      model: model?.name ?? `model-${args.modelId.slice(2, 10)}`,
      modelId: args.modelId,
      policyClass: args.policyClass,
    });
  }
  markets.sort((a, b) => a.marketId - b.marketId);
  return { ...deployment, models, markets };
}
