import { createRequire } from "node:module";
import hardhatToolboxViem from "@nomicfoundation/hardhat-toolbox-viem";
import { defineConfig } from "hardhat/config";

// Compile offline with the solc-js build that ships in the npm `solc` package:
// Hardhat would otherwise try to download a compiler.
const require = createRequire(import.meta.url);
const soljson = require.resolve("solc/soljson.js");

const compiler = {
  version: "0.8.34",
  path: soljson,
  settings: {
    optimizer: { enabled: true, runs: 10_000 },
    evmVersion: "cancun",
    viaIR: false,
  },
} as const;

// SpotMarket sits close to the 24,576-byte limit (EIP-170): fewer optimizer runs keep it deployable at a
// small gas cost on its hot paths (see bench/results.json).
const SPOT_MARKET_RUNS = 1_000;
const spotMarketCompiler = {
  ...compiler,
  settings: { ...compiler.settings, optimizer: { enabled: true, runs: SPOT_MARKET_RUNS } },
} as const;
const profile = {
  compilers: [compiler],
  overrides: { "contracts/market/SpotMarket.sol": spotMarketCompiler },
};

export default defineConfig({
  plugins: [hardhatToolboxViem],
  solidity: {
    profiles: {
      default: profile,
      production: profile,
    },
    // Deployed as they are, so their artifacts must be built too.
    npmFilesToBuild: [
      "@openzeppelin/contracts/governance/TimelockController.sol",
      "@openzeppelin/contracts/access/manager/AccessManager.sol",
    ],
  },
  paths: {
    ignition: "../deploy/ignition",
    // Separate output folders let several builds run side by side on one checkout.
    artifacts: process.env.SOVRA_HH_ARTIFACTS ?? "artifacts",
    cache: process.env.SOVRA_HH_CACHE ?? "cache",
  },
  networks: {
    hardhatMainnet: { type: "edr-simulated", chainType: "l1" },
    localhost: { type: "http", chainType: "l1", url: process.env.SOVRA_RPC_URL ?? "http://127.0.0.1:8545" },
  },
});
