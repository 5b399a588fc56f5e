import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseDeployment, type Deployment } from "@sovra/contracts";
import { contractsDir, hardhatBin, repoRoot } from "./paths.ts";
import { runToCompletion } from "./processes.ts";

/** Compiles the contracts and regenerates the typed ABIs the other packages import. */
export async function buildContracts(): Promise<void> {
  await runToCompletion(process.execPath, [hardhatBin, "build", "--quiet"], { cwd: contractsDir });
  await runToCompletion(process.execPath, [path.join(contractsDir, "scripts", "export-abis.ts")], {
    cwd: contractsDir,
  });
}

/**
 * Deploys the whole system with Hardhat Ignition to the chain at `rpcUrl` and returns the deployment document.
 * Each call gets its own Ignition journal (the local chain is new every time), removed afterwards, so deploys to
 * several local chains at once never share state.
 */
export async function deploySystem(options: {
  rpcUrl: string;
  outFile?: string;
  /** The optimistic tier's audit probability (basis points) instead of the launch default: tests of the audit path. */
  optimisticAuditBps?: number;
}): Promise<Deployment> {
  const scratch = await mkdtemp(path.join(tmpdir(), "sovra-deploy-"));
  const outFile = options.outFile ?? path.join(scratch, "deployment.json");
  const deploymentId = `local-${process.pid}-${path.basename(scratch)}`;
  try {
    await runToCompletion(
      process.execPath,
      [hardhatBin, "run", "--network", "localhost", path.join(repoRoot, "deploy", "scripts", "ignition-deploy.ts")],
      {
        cwd: contractsDir,
        env: {
          ...process.env,
          SOVRA_RPC_URL: options.rpcUrl,
          SOVRA_DEPLOYMENT_OUT: outFile,
          SOVRA_IGNITION_DEPLOYMENT_ID: deploymentId,
          SOVRA_OPTIMISTIC_AUDIT_BPS: options.optimisticAuditBps?.toString() ?? "",
        },
      },
    );
    return parseDeployment(JSON.parse(await readFile(outFile, "utf8")));
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await rm(path.join(repoRoot, "deploy", "ignition", "deployments", deploymentId), { recursive: true, force: true });
  }
}
