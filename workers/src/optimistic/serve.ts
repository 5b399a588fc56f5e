// Opening an optimistic model on a provider node: the registered weights must be the model's own, the host must
// have the memory the model needs, and the runner opens on the first execution provider of the node's order that
// loads it (the device goes in every result's record).
import os from "node:os";
import type { ExecutionProviderName } from "../config.ts";
import { OPTIMISTIC_MODELS, type OptimisticModelName } from "./models.ts";
import { createOptimisticRunner, type OptimisticRunner } from "./runner.ts";

export async function openOptimisticRunner(
  name: OptimisticModelName,
  registeredCid: string,
  order: readonly ExecutionProviderName[],
): Promise<{
  runner: OptimisticRunner;
  warmup: { device: ExecutionProviderName; from: string; fetchSeconds: number; loadSeconds: number };
}> {
  const model = OPTIMISTIC_MODELS[name];
  if (!model.weights.some((file) => file.cid === registeredCid))
    throw new Error(
      `model '${name}': the registry names weights ${registeredCid}, which are not among this node's ${name} files (${model.weights.map((f) => f.cid).join(", ")})`,
    );
  const memoryMb = Math.floor(os.totalmem() / 1024 ** 2);
  if (memoryMb < model.minMemoryMb)
    throw new Error(`model '${name}' needs ${model.minMemoryMb} MB of memory; this host has ${memoryMb} MB`);
  const reasons: string[] = [];
  for (const device of order) {
    const started = performance.now();
    try {
      const runner = await createOptimisticRunner(name, { device });
      return {
        runner,
        warmup: { device, from: "package", fetchSeconds: 0, loadSeconds: (performance.now() - started) / 1000 },
      };
    } catch (error) {
      reasons.push((error as Error).message);
    }
  }
  throw new Error(`model '${name}' could not be opened: ${reasons.join("; ")}`);
}
