import { existsSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./paths.ts";
import { runToCompletion, startProcess, type ManagedProcess } from "./processes.ts";

const webDir = path.join(repoRoot, "apps", "web");
const nextBin = path.join(repoRoot, "node_modules", "next", "dist", "bin", "next");

/** True when the dApp has a production build to serve. */
export function webIsBuilt(): boolean {
  return existsSync(path.join(webDir, ".next", "BUILD_ID"));
}

/** `next build` of the dApp (type checks included). */
export async function buildWeb(): Promise<void> {
  await runToCompletion(process.execPath, [nextBin, "build"], {
    cwd: webDir,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
}

/** Serves the dApp's build on `port`, reading chain and deployment per request from the environment. */
export function startWeb(options: { port: number; rpcUrl: string; deploymentFile: string; logFile: string }): ManagedProcess {
  return startProcess("web", process.execPath, [nextBin, "start", "--hostname", "127.0.0.1", "--port", String(options.port)], {
    cwd: webDir,
    env: {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: "1",
      SOVRA_CHAIN_ID: "31337",
      SOVRA_RPC_URL: options.rpcUrl,
      SOVRA_DEPLOYMENT_FILE: options.deploymentFile,
    },
    logFile: options.logFile,
  });
}
