import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
    redisError: string;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a private redis-server for the queue tests (never on 6379). When redis-server is missing, the
 * tests that need it fail with the install command instead of being skipped.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const which = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  if (which.status !== 0) {
    project.provide("redisUrl", "");
    project.provide(
      "redisError",
      "redis-server is not installed: run `apt-get install -y redis-server` (Debian) and re-run the tests",
    );
    return () => {};
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "sovra-redis-"));
  const port = await freePort();
  const pidfile = path.join(dir, "redis.pid");
  execFileSync("redis-server", [
    "--save",
    "",
    "--appendonly",
    "no",
    "--daemonize",
    "yes",
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--pidfile",
    pidfile,
  ]);
  let pid = 0;
  for (let i = 0; i < 50 && pid === 0; i++) {
    try {
      pid = Number(readFileSync(pidfile, "utf8").trim());
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  project.provide("redisUrl", `redis://127.0.0.1:${port}`);
  project.provide("redisError", "");
  return () => {
    if (pid > 0) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
