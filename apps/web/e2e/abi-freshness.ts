// The dApp is typed against @sovra/contracts' generated ABIs; the e2e chain runs contracts compiled from the
// current sources. When the two disagree (sources changed, ABIs not regenerated), events and calls silently
// miss: fail early and say what to run instead.
import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  modelRegistryAbi,
  providerRegistryAbi,
  sovraGovernorAbi,
  spotMarketAbi,
  testStablecoinAbi,
} from "@sovra/contracts";

const checked = {
  "contracts/market/SpotMarket.sol/SpotMarket.json": spotMarketAbi,
  "contracts/providers/ProviderRegistry.sol/ProviderRegistry.json": providerRegistryAbi,
  "contracts/models/ModelRegistry.sol/ModelRegistry.json": modelRegistryAbi,
  "contracts/governance/SovraGovernor.sol/SovraGovernor.json": sovraGovernorAbi,
  "contracts/token/TestStablecoin.sol/TestStablecoin.json": testStablecoinAbi,
};

export async function assertAbisFresh(artifactsDir: string): Promise<void> {
  const stale: string[] = [];
  for (const [file, exported] of Object.entries(checked)) {
    const artifact = JSON.parse(await readFile(path.join(artifactsDir, file), "utf8")) as { abi: unknown };
    if (JSON.stringify(artifact.abi) !== JSON.stringify(exported)) stale.push(path.basename(file, ".json"));
  }
  if (stale.length) {
    throw new Error(
      `contracts/src/abis.ts is out of date for ${stale.join(", ")}: run \`npm run build -w contracts\` (hardhat build + export-abis) first`,
    );
  }
}
