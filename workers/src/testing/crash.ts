// TEST-ONLY fault injection. The end-to-end tests must kill a worker at an exact point of a job's life (during
// inference, during proving, after the result transaction is sent but before its receipt) to prove that a
// restarted node finishes the job exactly once. A timer-based SIGKILL from outside cannot hit those points
// deterministically, so the process kills itself when `SOVRA_TEST_CRASH_AT` names the point it reached.
// Never set this variable outside tests: the node dies on its first job.

import { writeSync } from "node:fs";

/** Points at which `SOVRA_TEST_CRASH_AT` can kill the node. */
export const crashPoints = ["inference", "proving", "after-send"] as const;
export type CrashPoint = (typeof crashPoints)[number];

/** Kills this process with SIGKILL (no cleanup, like a power cut) when `SOVRA_TEST_CRASH_AT` is `point`. */
export function crashPoint(point: CrashPoint, log?: (message: string) => void): void {
  if (process.env.SOVRA_TEST_CRASH_AT !== point) return;
  const message = `SOVRA_TEST_CRASH_AT=${point}: killing the process (test fault injection)`;
  log?.(message);
  // The logger writes asynchronously and SIGKILL drops its buffer: say it synchronously too, as a JSON log line.
  writeSync(2, `${JSON.stringify({ level: 40, time: Date.now(), msg: message })}\n`);
  process.kill(process.pid, "SIGKILL");
}
