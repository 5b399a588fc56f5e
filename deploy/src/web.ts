import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./paths.ts";
import { runToCompletion, startProcess, type ManagedProcess } from "./processes.ts";

const webDir = path.join(repoRoot, "apps", "web");
const nextBin = path.join(repoRoot, "node_modules", "next", "dist", "bin", "next");

/** What the dApp's build is made from: its sources and configs, and the contracts' generated ABIs it imports. */
const webInputs = [
  path.join(webDir, "src"),
  path.join(webDir, "package.json"),
  path.join(webDir, "next.config.ts"),
  path.join(repoRoot, "contracts", "src"),
];

function newestChange(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const child of readdirSync(entry)) newest = Math.max(newest, newestChange(path.join(entry, child)));
  return newest;
}

/**
 * True when the dApp has a production build newer than everything it is built from (after a `git pull` that
 * changed the dApp or the contracts, the old build would serve stale pages and ABIs).
 */
export function webIsBuilt(): boolean {
  const buildId = path.join(webDir, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return false;
  const builtAt = statSync(buildId).mtimeMs;
  return webInputs.every((input) => newestChange(input) <= builtAt);
}

/** `next build` of the dApp (type checks included). */
export async function buildWeb(): Promise<void> {
  await runToCompletion(process.execPath, [nextBin, "build"], {
    cwd: webDir,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
}

/** Serves the dApp's build on `port`, reading chain and deployment per request from the environment. */
export function startWeb(options: {
  port: number;
  rpcUrl: string;
  deploymentFile: string;
  logFile: string;
  /** Where the dApp stores buyers' inputs for optimistic models (the node's gateway `POST /ipfs`). */
  inputGatewayUrl?: string;
}): ManagedProcess {
  return startProcess(
    "web",
    process.execPath,
    [nextBin, "start", "--hostname", "127.0.0.1", "--port", String(options.port)],
    {
      cwd: webDir,
      env: {
        ...process.env,
        NEXT_TELEMETRY_DISABLED: "1",
        SOVRA_CHAIN_ID: "31337",
        SOVRA_RPC_URL: options.rpcUrl,
        SOVRA_DEPLOYMENT_FILE: options.deploymentFile,
        ...(options.inputGatewayUrl === undefined ? {} : { SOVRA_INPUT_GATEWAY_URL: options.inputGatewayUrl }),
      },
      logFile: options.logFile,
    },
  );
}
