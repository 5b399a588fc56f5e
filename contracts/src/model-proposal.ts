// A governance proposal that lists a new model: register it (weights multihash, verifying key hash, verifier,
// io spec), approve it, open its markets. Built once here; the `sovra propose-model` CLI and the dApp's Models page
// both submit it to the Governor, and voters decode the same actions.
import { type Address, encodeFunctionData, type Hex, keccak256, toHex } from "viem";
import { modelRegistryAbi, spotMarketAbi } from "./abis.ts";
import type { MarketParams } from "./market-params.ts";

export type ModelListing = {
  /** lowercase name; the model id is keccak256 of it */
  name: string;
  weightsMultihash: Hex;
  vkeyHash: Hex;
  verifier: Address;
  /** the manifest's io section (plus accuracy), as JSON: what buyers' clients read */
  ioSpec: string;
  minVramMb: number;
  /** one market per policy class */
  policyClasses: readonly number[];
  marketParams: MarketParams;
};

export type ModelProposal = {
  modelId: Hex;
  targets: Address[];
  values: bigint[];
  calldatas: Hex[];
  description: string;
};

/** keccak256(utf8(name)): the registry's model id. */
export const modelIdOfName = (name: string): Hex => keccak256(toHex(name));

/** The Governor `propose` arguments that list `listing` on `contracts`' registry and market. */
export function modelProposal(
  contracts: { modelRegistry: Address; spotMarket: Address },
  listing: ModelListing,
): ModelProposal {
  if (listing.policyClasses.length === 0) throw new Error("a listing opens at least one market (a policy class)");
  const modelId = modelIdOfName(listing.name);
  const calldatas: Hex[] = [
    encodeFunctionData({
      abi: modelRegistryAbi,
      functionName: "registerModel",
      args: [modelId, listing.weightsMultihash, listing.vkeyHash, listing.verifier, listing.ioSpec, listing.minVramMb],
    }),
    encodeFunctionData({ abi: modelRegistryAbi, functionName: "setModelApproved", args: [modelId, true] }),
    ...listing.policyClasses.map((policyClass) =>
      encodeFunctionData({
        abi: spotMarketAbi,
        functionName: "createMarket",
        args: [modelId, policyClass, listing.marketParams],
      }),
    ),
  ];
  const targets: Address[] = [
    contracts.modelRegistry,
    contracts.modelRegistry,
    ...listing.policyClasses.map(() => contracts.spotMarket),
  ];
  const description =
    `List model '${listing.name}' (weights ${listing.weightsMultihash}, verifying key ${listing.vkeyHash}, ` +
    `verifier ${listing.verifier}) with markets in policy class${listing.policyClasses.length > 1 ? "es" : ""} ` +
    `${listing.policyClasses.join(", ")}. Check: sovra-model rebuild on the model folder whose model.onnx has this ` +
    "multihash gives this verifying key hash.";
  return { modelId, targets, values: targets.map(() => 0n), calldatas, description };
}
