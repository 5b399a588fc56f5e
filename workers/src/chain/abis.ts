import { parseAbi } from "viem";
import {
  providerRegistryInterfaceAbi,
  sovraTokenAbi,
  spotMarketInterfaceAbi,
  testStablecoinAbi,
} from "@sovra/contracts";

// The interface ABIs carry every function and event the node uses; the concrete contracts add only errors
// and admin functions.
export const spotMarketAbi = spotMarketInterfaceAbi;
export const providerRegistryAbi = providerRegistryInterfaceAbi;
export const erc20PermitAbi = testStablecoinAbi;
export { sovraTokenAbi, testStablecoinAbi };

/** The model registry's read side (until @sovra/contracts exports its ABI). */
export const modelRegistryReadAbi = parseAbi([
  "struct Model { address verifier; uint32 minVramMb; bool approved; string weightsCid; string ioSpec; }",
  "function modelOf(bytes32 modelId) view returns (Model)",
]);

/** On-chain `JobStatus`. */
export const JobStatus = { None: 0, Matched: 1, Settled: 2, Expired: 3 } as const;
export const jobStatusName = ["None", "Matched", "Settled", "Expired"] as const;
