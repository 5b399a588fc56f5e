import type { ExecutionProviderName } from "./config.ts";
import { createSession, runModel, type LoadedSession } from "./inference.ts";
import type { Logger } from "./logger.ts";
import type { InferenceRunner } from "./pipeline/processors.ts";
import type { WeightStore } from "./weights/store.ts";

export type InferenceEngine = InferenceRunner & {
  /** Fetches (verified) and loads a model; returns how long each part took and whether the cache was warm. */
  load(
    weightsCid: string,
  ): Promise<{ device: ExecutionProviderName; from: string; fetchSeconds: number; loadSeconds: number }>;
  /** Number of values the model's (single) input takes, from its declared shape. */
  inputSize(weightsCid: string): Promise<number>;
  close(): Promise<void>;
};

/**
 * Sessions per weights CID, created on the first execution provider that loads (cuda -> webgpu -> cpu by
 * default). Concurrency is the inference queue's: one engine per process, one session per model.
 */
export function createInferenceEngine(options: {
  store: WeightStore;
  order: readonly ExecutionProviderName[];
  logger?: Logger;
}): InferenceEngine {
  const sessions = new Map<string, Promise<LoadedSession>>();
  const info = new Map<string, { from: string; fetchSeconds: number; loadSeconds: number }>();

  function sessionFor(cid: string): Promise<LoadedSession> {
    let pending = sessions.get(cid);
    if (pending === undefined) {
      pending = (async () => {
        const fetched = await options.store.get(cid);
        const started = performance.now();
        const loaded = await createSession(fetched.bytes, options.order, options.logger);
        info.set(cid, {
          from: fetched.from,
          fetchSeconds: fetched.seconds,
          loadSeconds: (performance.now() - started) / 1000,
        });
        return loaded;
      })();
      pending.catch(() => sessions.delete(cid));
      sessions.set(cid, pending);
    }
    return pending;
  }

  return {
    async load(cid) {
      const loaded = await sessionFor(cid);
      const i = info.get(cid) ?? { from: "cache", fetchSeconds: 0, loadSeconds: 0 };
      return { device: loaded.device, ...i };
    },
    async inputSize(cid) {
      const { session } = await sessionFor(cid);
      const meta = session.inputMetadata[0];
      if (meta === undefined || !meta.isTensor) throw new Error(`model ${cid} has no tensor input`);
      return meta.shape.reduce<number>((a, d) => a * (typeof d === "number" && d > 0 ? d : 1), 1);
    },
    async run(cid, input) {
      const loaded = await sessionFor(cid);
      const started = performance.now();
      const output = await runModel(loaded.session, input);
      return { output, device: loaded.device, seconds: (performance.now() - started) / 1000 };
    },
    async close() {
      for (const pending of sessions.values()) await (await pending.catch(() => undefined))?.session.release();
      sessions.clear();
    },
  };
}
