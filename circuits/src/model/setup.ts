// Groth16 setup on a powers-of-tau file plus one public beacon contribution (deterministic: the same r1cs and
// ptau give the same zkey), with progress taken from snarkjs's own log messages.
import { rmSync } from "node:fs";
import { basename } from "node:path";
import { zKey } from "snarkjs";
import { ZKEY_BEACON } from "./paths.ts";
import type { Reporter } from "./progress.ts";

// snarkjs's messages, in the order it prints them, and the share of the work done when each appears.
const STAGES: Array<[RegExp, number, number]> = [
  [/^Reading/, 0, 0.02],
  [/^processing constraints: (\d+)\/(\d+)/, 0.02, 0.08],
  [/^writing coeffs: (\d+)\/(\d+)/, 0.08, 0.12],
  [/^Writing points (?:start|end) IC: (\d+)\/(\d+)/, 0.12, 0.14],
  [/^HashingHPoints: (\d+)\/(\d+)/, 0.14, 0.18],
  [/^Writing points (?:start|end) C: (\d+)\/(\d+)/, 0.18, 0.38],
  [/^Writing points (?:start|end) A: (\d+)\/(\d+)/, 0.38, 0.52],
  [/^Writing points (?:start|end) B1: (\d+)\/(\d+)/, 0.52, 0.64],
  [/^Writing points (?:start|end) B2: (\d+)\/(\d+)/, 0.64, 0.88],
  [/^Applying key: L Section: (\d+)\/(\d+)/, 0.88, 0.94],
  [/^Applying key: H Section: (\d+)\/(\d+)/, 0.94, 1],
];

/** r1cs + ptau -> zkey (with the public beacon). Throws one line when the ptau is too small or not prepared. */
export async function groth16Setup(
  r1csPath: string,
  ptauPath: string,
  zkeyPath: string,
  beaconName: string,
  reporter: Reporter,
): Promise<void> {
  const task = reporter.task("groth16 setup", true);
  const errors: string[] = [];
  const onMessage = (m: unknown) => {
    const text = String(m);
    for (const [re, from, to] of STAGES) {
      const hit = re.exec(text);
      if (!hit) continue;
      const frac = hit[2] !== undefined && Number(hit[2]) > 0 ? Number(hit[1]) / Number(hit[2]) : 1;
      task.update(from + (to - from) * frac);
      break;
    }
  };
  const logger = { debug: onMessage, info: onMessage, warn: () => {}, error: (m: unknown) => errors.push(String(m)) };
  const first = `${zkeyPath}.0000`;
  try {
    const r = await zKey.newZKey(r1csPath, ptauPath, first, logger);
    if (typeof r !== "object" || r === null) {
      const why = errors[0] ?? "snarkjs refused the setup";
      const big = /circuit too big for this power of tau ceremony\. (\d+)\*2 > 2\*\*(\d+)/.exec(why);
      throw new Error(
        big
          ? `the circuit (${big[1]} constraints) needs a larger powers of tau than ${ptauPath} (2^${big[2]}): pass --ptau with one of a higher power`
          : `groth16 setup failed: ${why}`,
      );
    }
    await zKey.beacon(first, zkeyPath, beaconName, ZKEY_BEACON, 10, logger);
    if (errors.length > 0) throw new Error(`groth16 setup failed: ${errors[0]}`);
  } catch (e) {
    task.fail();
    throw e;
  } finally {
    rmSync(first, { force: true });
  }
  task.done(`wrote ${basename(zkeyPath)}`);
}
