// Worker thread of the known-tau powers of tau: scalar multiples of a generator (fixed-base.ts), one job at a time.
import { parentPort } from "node:worker_threads";
import { FixedBase, type Group } from "./fixed-base.ts";

export interface Job {
  id: number;
  group: Group;
  window: 8 | 16;
  scalars: Uint8Array<ArrayBuffer>;
}
export type Reply = { id: number; points: Uint8Array<ArrayBuffer> } | { id: number; error: string };

const engine = FixedBase.create();
const port = parentPort;
if (!port) throw new Error("ptau worker: not in a worker thread");
port.on("message", (job: Job) => {
  engine
    .then((e) => {
      const points = e.mulGenerator(job.group, job.window, job.scalars);
      port.postMessage({ id: job.id, points } satisfies Reply, [points.buffer]);
    })
    .catch((err: unknown) => {
      port.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) } satisfies Reply);
    });
});
