import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const contractsDir = path.join(repoRoot, "contracts");
export const hardhatBin = path.join(repoRoot, "node_modules", "hardhat", "dist", "src", "cli.js");
