// A new user's first run, as the README tells it: `git clone`, `npm ci`, `npm start` and no other command, then the
// bid command it prints, then Ctrl-C. The clone shares nothing built with this checkout (no generated ABIs, no
// compiled contracts, no dApp build): the rest of this suite runs after the contracts are built, which is how a fresh
// clone's `npm start` once failed while every test passed. It clones the committed HEAD: commit before running it.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, http, isAddress, parseEventLogs, type Address } from "viem";
import { z } from "zod";
import { spotMarketAbi } from "@sovra/contracts";
import { listening, processesLeft } from "../support/leftovers.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

// Generous limits for a busy 2-core machine: a first start compiles the contracts and builds the dApp.
const FIRST_START_LIMIT_MS = 45 * 60_000;
const STEP_LIMIT_MS = 10 * 60_000;

/**
 * The environment a user's shell would give: without what the outer `npm test` and vitest set (npm_config_* would
 * steer the inner npm to this checkout, NODE_ENV=test would change Next's build) or a Redis/port choice of the
 * outer run, with this Node first on PATH.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|INIT_CWD$|NODE_ENV$|NODE_OPTIONS$|VITEST|SOVRA_|REDIS_URL$)/i.test(key)) continue;
    env[key] = value;
  }
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`;
  return env;
}

/** Every process group this file started (each command leads its own), for the cleanup. */
const groups = new Set<number>();

/** Starts `command` as the leader of a new process group, as a shell does for a foreground job. */
function startJob(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; output: () => string; stdout: () => string } {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid !== undefined) groups.add(child.pid);
  let output = "";
  let stdout = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output, stdout: () => stdout };
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

/** Runs a command to its end and returns its standard output; rejects with everything it printed when it fails. */
async function run(command: string, args: readonly string[], cwd: string): Promise<string> {
  const job = startJob(command, args, cwd, userEnv());
  const { code, signal } = await exitOf(job.child);
  if (code !== 0)
    throw new Error(`${command} ${args.join(" ")} failed (${signal ?? `code ${code}`}):\n${job.output()}`);
  return job.stdout();
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(0)} s`;

describe("a fresh clone: npm ci, then npm start and nothing else", () => {
  let dir = "";
  let clone = "";
  let launcher: ChildProcess | undefined;
  let output = () => "";
  const builtBeforeInstall: string[] = [];

  beforeAll(async () => {
    const started = Date.now();
    dir = await mkdtemp(path.join(tmpdir(), "sovra-fresh-"));
    clone = path.join(dir, "sovra");
    const head = (await run("git", ["rev-parse", "HEAD"], repoRoot)).trim();
    await run("git", ["clone", "--quiet", "--no-checkout", repoRoot, clone], dir);
    await run("git", ["checkout", "--quiet", "--detach", head], clone);
    for (const generated of ["node_modules", "contracts/src/abis.ts", "contracts/artifacts", "apps/web/.next"]) {
      if (existsSync(path.join(clone, generated))) builtBeforeInstall.push(generated);
    }
    await run("npm", ["ci", "--no-audit", "--no-fund", "--prefer-offline"], clone);
    const installed = Date.now();
    console.log(`fresh clone: git clone + npm ci took ${seconds(started)}`);

    // Port 0: the launcher picks free ports (and prints them), so this runs next to anything else.
    const env = {
      ...userEnv(),
      SOVRA_CHAIN_PORT: "0",
      SOVRA_WEB_PORT: "0",
      SOVRA_GATEWAY_PORT: "0",
      SOVRA_METRICS_PORT: "0",
    };
    const job = startJob("npm", ["start"], clone, env);
    launcher = job.child;
    output = job.output;
    const exited = exitOf(job.child);
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (output().includes("Press Ctrl-C")) {
          clearInterval(timer);
          resolve();
        }
      }, 500);
      void exited.then(({ code, signal }) => {
        clearInterval(timer);
        reject(new Error(`npm start exited (${signal ?? `code ${code}`}) before it was ready:\n${output()}`));
      });
    });
    console.log(`fresh clone: npm start was ready after ${seconds(installed)} (${seconds(started)} in all)`);
  }, FIRST_START_LIMIT_MS);

  afterAll(async () => {
    // Whatever happened above: no process of this test outlives it, and its folder goes.
    for (const group of groups) {
      try {
        process.kill(-group, "SIGKILL");
      } catch {
        // the group has already ended
      }
    }
    if (clone !== "") {
      for (const { pid } of await processesLeft({ group: launcher?.pid ?? -1, folder: clone })) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // it ended meanwhile
        }
      }
    }
    if (dir !== "") await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  }, STEP_LIMIT_MS);

  const printedPort = (label: string) =>
    Number(new RegExp(`^\\s+${label}\\s+\\S+?:\\/\\/127\\.0\\.0\\.1:(\\d+)`, "m").exec(output())?.[1]);

  it("starts from a checkout with nothing built", () => {
    expect(builtBeforeInstall).toEqual([]);
  });

  it(
    "serves the dApp at the printed address",
    async () => {
      const url = /^\s+dApp\s+(http:\/\/\S+)/m.exec(output())?.[1];
      if (url === undefined) throw new Error(`no dApp address printed:\n${output()}`);
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain("<title>Sovra");
    },
    STEP_LIMIT_MS,
  );

  it(
    "prints a bid command that buys a verified digit, settled on the chain",
    async () => {
      const text = output();
      const line = text.split("\n").find((candidate) => candidate.includes(" bid --model mlp "));
      if (line === undefined) throw new Error(`no bid command printed:\n${text}`);
      const digit = Number(/digit-(\d)\.json/.exec(line)?.[1]);
      const rpcUrl = /^\s+RPC\s+(http:\/\/\S+)/m.exec(text)?.[1] ?? "";
      const market = /^\s+spotMarket\s+(0x[0-9a-fA-F]{40})/m.exec(text)?.[1] ?? "";
      const provider = /#\d+ (0x[0-9a-fA-F]{40}) 0x[0-9a-fA-F]{64}\s+\(provider\)/.exec(text)?.[1] ?? "";
      expect(isAddress(market) && isAddress(provider), `market and provider printed:\n${text}`).toBe(true);

      // As the user would: the printed line, pasted into a shell in the clone.
      const answer = z
        .object({
          jobId: z.coerce.bigint(),
          predicted: z.number().int(),
          settleTx: z.string().regex(/^0x[0-9a-f]{64}$/),
        })
        .parse(JSON.parse(await run("sh", ["-c", line.trim()], clone)));
      expect(answer.predicted).toBe(digit);

      const client = createPublicClient({ transport: http(rpcUrl) });
      const receipt = await client.getTransactionReceipt({ hash: answer.settleTx as `0x${string}` });
      expect(receipt.status).toBe("success");
      const settled = parseEventLogs({ abi: spotMarketAbi, eventName: "JobSettled", logs: receipt.logs }).filter(
        (log) => log.address.toLowerCase() === market.toLowerCase() && log.args.jobId === answer.jobId,
      );
      expect(settled).toHaveLength(1);
      expect(settled[0]?.args.provider.toLowerCase()).toBe((provider as Address).toLowerCase());
      expect(settled[0]?.args.providerAmount ?? 0n).toBeGreaterThan(0n);
    },
    STEP_LIMIT_MS,
  );

  it(
    "stops everything it started on Ctrl-C: no port open, no process left",
    async () => {
      if (launcher?.pid === undefined) throw new Error("npm start did not run");
      const ports = ["RPC", "dApp", "weights", "metrics", "Redis"].map((label) => ({
        label,
        port: printedPort(label),
      }));
      for (const { label, port } of ports) expect(port, `${label} port printed`).toBeGreaterThan(0);
      const exited = exitOf(launcher);
      // A terminal's Ctrl-C signals the whole foreground job: npm, its shell and the launcher with its children.
      process.kill(-launcher.pid, "SIGINT");
      const { code, signal } = await exited;
      expect({ code, signal }, output()).toEqual({ code: 0, signal: null });
      expect(output()).toContain("stopping…");
      expect(output()).not.toContain("stopped unexpectedly");
      for (const { label, port } of ports)
        expect(await listening(port), `${label} port ${port} still open`).toBe(false);
      expect(await processesLeft({ group: launcher.pid, folder: clone })).toEqual([]);
    },
    STEP_LIMIT_MS,
  );
});
