import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createConnection } from "node:net";
import { freePort } from "./chain.ts";
import { startProcess, type ManagedProcess } from "./processes.ts";

export type LocalRedis = { url: string; stop(): Promise<void>; process?: ManagedProcess };

const installHint =
  "Sovra's job queue needs Redis. Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`; macOS: `brew install redis`) or set REDIS_URL to a running server.";

function onPath(binary: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${binary}`], { stdio: "ignore" }).status === 0;
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => {
        socket.end();
        resolve();
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() - started > timeoutMs) reject(new Error(`redis-server did not listen on ${port}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/**
 * Uses `REDIS_URL` when set; otherwise starts the `redis-server` found on PATH on a free port, in a temporary
 * folder, with persistence off (the queue is rebuilt from the chain). Fails with install instructions if neither.
 */
export async function startLocalRedis(options: { url?: string; port?: number } = {}): Promise<LocalRedis> {
  if (options.url !== undefined && options.url !== "") return { url: options.url, stop: async () => {} };
  if (!onPath("redis-server")) throw new Error(installHint);
  const port = options.port ?? (await freePort());
  const dir = await mkdtemp(path.join(tmpdir(), "sovra-redis-"));
  const server = startProcess(
    "redis",
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { quiet: true },
  );
  await waitForPort(port, 15_000);
  return {
    url: `redis://127.0.0.1:${port}`,
    process: server,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
