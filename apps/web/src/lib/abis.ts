// Every ABI the dApp uses, in one place, from @sovra/contracts (generated, `as const`).
import {
  accessManagerAbi,
  attestationRegistryAbi as attestationRegistryGenerated,
  modelRegistryAbi as modelRegistryGenerated,
  optimisticSettlementAbi,
  providerRegistryAbi,
  sovraGovernorAbi,
  sovraTokenAbi,
  spotMarketAbi,
  testStablecoinAbi,
  timelockControllerAbi,
} from "@sovra/contracts";
import type { Abi } from "viem";

export const marketAbi = spotMarketAbi;
export const registryAbi = providerRegistryAbi;
export const modelRegistryAbi = modelRegistryGenerated;
export const attestationRegistryAbi = attestationRegistryGenerated;
export const governorAbi = sovraGovernorAbi;
export const paymentTokenAbi = testStablecoinAbi;
export const governanceTokenAbi = sovraTokenAbi;
export const timelockAbi = timelockControllerAbi;
export const managerAbi = accessManagerAbi;
export const settlementAbi = optimisticSettlementAbi;

/** Every ABI, for decoding custom errors whatever contract raised them. */
export const allAbis: readonly Abi[] = [
  marketAbi,
  registryAbi,
  modelRegistryAbi,
  attestationRegistryAbi,
  governorAbi,
  paymentTokenAbi,
  governanceTokenAbi,
  timelockAbi,
  managerAbi,
  settlementAbi,
];
