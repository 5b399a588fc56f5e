import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseDeployment, type Deployment } from "@sovra/contracts";
import { contractsDir, hardhatBin, repoRoot } from "./paths.ts";
import { runToCompletion } from "./processes.ts";

/** Compiles the contracts and regenerates the typed ABIs the other packages import. */
export async function buildContracts(): Promise<void> {
  await runToCompletion(process.execPath, [hardhatBin, "build", "--quiet"], { cwd: contractsDir });
  await runToCompletion(process.execPath, [path.join(contractsDir, "scripts", "export-abis.ts")], { cwd: contractsDir });
}

/**
 * Deploys the whole system with Hardhat Ignition to the chain at `rpcUrl` and returns the deployment document.
 * Ignition's journal for the chain is reset first: the local chain is new on every start.
 */
export async function deploySystem(options: { rpcUrl: string; outFile?: string }): Promise<Deployment> {
  const scratch = await mkdtemp(path.join(tmpdir(), "sovra-deploy-"));
  const outFile = options.outFile ?? path.join(scratch, "deployment.json");
  await rm(path.join(repoRoot, "deploy", "ignition", "deployments", "chain-31337"), { recursive: true, force: true });
  try {
    await runToCompletion(
      process.execPath,
      [hardhatBin, "run", "--network", "localhost", path.join(repoRoot, "deploy", "scripts", "ignition-deploy.ts")],
      { cwd: contractsDir, env: { ...process.env, SOVRA_RPC_URL: options.rpcUrl, SOVRA_DEPLOYMENT_OUT: outFile } },
    );
    return parseDeployment(JSON.parse(await readFile(outFile, "utf8")));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
