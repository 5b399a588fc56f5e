import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** circuits/ package root */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const modelDir = (name: string): string => join(PACKAGE_ROOT, "models", name);
export const VERIFIERS_DIR = join(PACKAGE_ROOT, "..", "contracts", "contracts", "verifiers");
