// Node-only helpers (file system). Browser code imports from the package root instead.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseDeployment, type Deployment } from "./deployment.ts";

/** Folder holding `<chainId>.json` deployment files. */
export const deploymentsDir = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), "deployments");

/** Reads the deployment written for `chainId` (or the file at `file`), validated. */
export async function loadDeployment(options: { chainId: number } | { file: string }): Promise<Deployment> {
  const file = "file" in options ? options.file : path.join(deploymentsDir, `${options.chainId}.json`);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new Error(`no deployment at ${file}: run \`npm start\` (local chain) or deploy first`);
  }
  return parseDeployment(JSON.parse(text));
}
