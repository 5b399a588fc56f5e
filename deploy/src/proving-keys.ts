// Proving keys before provider nodes: a model built on a powers of tau above 2^14 (digits_cnn) keeps its witness
// generator and zkey in the cache (~/.cache/sovra), not in git, and a fresh machine rebuilds them from model.onnx
// (minutes, once). Doing that here, as a visible step, keeps it out of a provider node's start, where it would
// look like a hang and outlast every readiness wait.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { runToCompletion } from "./processes.ts";
import { repoRoot } from "./paths.ts";

export type ProvingKeys = { model: string; from: "dir" | "cache" | "rebuilt" }[];

const setupOutput = z.object({ from: z.enum(["dir", "cache", "rebuilt"]) });

/** Whether the model's build keeps its artifacts in the cache (build.json `"artifacts": "cache"`). */
function keptInCache(dir: string): boolean {
  const build = z
    .object({ artifacts: z.string().optional() })
    .parse(JSON.parse(readFileSync(path.join(dir, "build.json"), "utf8")));
  return build.artifacts === "cache";
}

/**
 * Finds or builds the circuit.wasm and circuit.zkey of every shipped model kept in the cache (circuits/models/*)
 * with `sovra-model setup`, one model at a time (the cache's lock makes concurrent callers wait for one build).
 */
export async function ensureProvingKeys(): Promise<ProvingKeys> {
  const modelsDir = path.join(repoRoot, "circuits", "models");
  const cli = path.join(repoRoot, "circuits", "bin", "sovra-model.js");
  const names = readdirSync(modelsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(modelsDir, d.name, "manifest.json")))
    .map((d) => d.name)
    // the others keep their wasm and zkey in git: nothing to build, and the node checks them when it loads them
    .filter((name) => keptInCache(path.join(modelsDir, name)))
    .sort();
  const done: ProvingKeys = [];
  for (const model of names) {
    // stdout is the setup's JSON (progress goes to stderr)
    const out = await runToCompletion(process.execPath, [cli, "setup", path.join(modelsDir, model)], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "ignore"],
    });
    done.push({ model, from: setupOutput.parse(JSON.parse(out)).from });
  }
  return done;
}
