// The cache outside git ($SOVRA_CACHE_DIR, else ~/.cache/sovra) for what setup produces and git must not hold:
//   ptau/sovra-dev-<p>-UNSAFE-known-tau.ptau   dev powers of tau 2^15..2^20 (src/ptau/known-tau.ts), made on demand
//   artifacts/<sha256>.zkey|.wasm|.r1cs          setup outputs of models built on a power > 14, named by the
//                                                sha256 their build.json records
//   locks/                                       one process builds a file, the others wait for it
//   work/                                        rebuilds in progress
import { createHash } from "node:crypto";
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { MAX_KNOWN_TAU_POWER, writeKnownTauPtau } from "../ptau/known-tau.ts";
import { DEV_PTAU } from "./paths.ts";
import { type Reporter, silent } from "./progress.ts";

/** The power of the committed dev ptau (ptau/dev-14.ptau, a snarkjs beacon file); no larger ptau is committed. */
export const COMMITTED_DEV_POWER = 14;
/** Dev powers made from the known tau, on demand, in the cache. */
export const DEV_POWERS = { min: COMMITTED_DEV_POWER + 1, max: MAX_KNOWN_TAU_POWER } as const;

export const cacheDir = (): string => process.env.SOVRA_CACHE_DIR || join(homedir(), ".cache", "sovra");

export const devPtauName = (power: number): string => `sovra-dev-${power}-UNSAFE-known-tau.ptau`;
const DEV_PTAU_NAME = /^sovra-dev-(\d+)-UNSAFE-known-tau\.ptau$/;
/** How a manifest / build.json names a cached dev ptau (the cache's place differs between machines). */
export const CACHE_REF = "cache:";

export const artifactPath = (sha256: string, ext: "zkey" | "wasm" | "r1cs", dir = cacheDir()): string =>
  join(dir, "artifacts", `${sha256}.${ext}`);

/** sha256 of a file of any size (a 2^20 ptau is 1.2 GB), streamed. */
export async function hashFile(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 22 })) h.update(chunk as Buffer);
  return h.digest("hex");
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Runs `fn` holding `locks/<name>.lock` (created exclusively; it holds the holder's pid). Another process holding
 * it: `onWait` once, then wait until it is gone; a lock whose process died is taken over.
 */
export async function withLock<T>(
  name: string,
  fn: () => Promise<T>,
  o: { dir?: string; onWait?: () => void } = {},
): Promise<T> {
  const locks = join(o.dir ?? cacheDir(), "locks");
  mkdirSync(locks, { recursive: true });
  const path = join(locks, `${name}.lock`);
  let told = false;
  for (;;) {
    let fd: number;
    try {
      fd = openSync(path, "wx");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let holder = Number.NaN;
      try {
        holder = Number(readFileSync(path, "utf8"));
      } catch {
        continue; // released between the two calls
      }
      // an empty file: the holder has not written its pid yet
      if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
        rmSync(path, { force: true });
        continue;
      }
      if (!told) {
        told = true;
        o.onWait?.();
      }
      await sleep(250);
      continue;
    }
    writeSync(fd, String(process.pid));
    closeSync(fd);
    try {
      return await fn();
    } finally {
      rmSync(path, { force: true });
    }
  }
}

/** The path of the dev ptau of `power`: the committed file for 14, else the known-tau file in the cache. */
export function devPtauPath(power: number, dir = cacheDir()): string {
  return power === COMMITTED_DEV_POWER ? DEV_PTAU : join(dir, "ptau", devPtauName(power));
}

/**
 * The dev ptau of `power`, made in the cache when missing (UNSAFE: publicly known tau). `power` 14 is the
 * committed beacon file; other powers from 1 (tests) to 20.
 */
export async function ensureDevPtau(power: number, o: { dir?: string; reporter?: Reporter } = {}): Promise<string> {
  const rep = o.reporter ?? silent;
  const path = devPtauPath(power, o.dir);
  if (power === COMMITTED_DEV_POWER || existsSync(path)) return path;
  if (!Number.isInteger(power) || power < 1 || power > DEV_POWERS.max) {
    throw new Error(`no dev powers of tau of 2^${power}: dev files go up to 2^${DEV_POWERS.max}; pass --ptau`);
  }
  mkdirSync(join(o.dir ?? cacheDir(), "ptau"), { recursive: true });
  await withLock(
    devPtauName(power),
    async () => {
      if (existsSync(path)) return;
      const task = rep.task(`dev ptau 2^${power} (UNSAFE known tau)`, true);
      try {
        await writeKnownTauPtau(path, power, { onProgress: (f) => task.update(f) });
      } catch (e) {
        task.fail();
        throw e;
      }
      task.done(`wrote ${path}`);
    },
    { dir: o.dir, onWait: () => rep.info(`waiting for another process to write ${path}`) },
  );
  return path;
}

/** The power of a cached dev ptau named in a manifest ("cache:ptau/sovra-dev-17-...ptau"), else undefined. */
export function cachedDevPower(ref: string): number | undefined {
  if (!ref.startsWith(CACHE_REF)) return undefined;
  const m = DEV_PTAU_NAME.exec(ref.slice(CACHE_REF.length).replace(/^ptau\//, ""));
  return m ? Number(m[1]) : undefined;
}

/** The power recorded in a .ptau file's header (section 1). */
export function ptauPower(path: string): number {
  const fd = openSync(path, "r");
  const read = (at: number, n: number): Buffer => {
    const buf = Buffer.alloc(n);
    if (readSync(fd, buf, 0, n, at) < n) throw new Error(`${path}: not a powers of tau file (truncated)`);
    return buf;
  };
  try {
    const head = read(0, 12);
    if (head.toString("latin1", 0, 4) !== "ptau") throw new Error(`${path}: not a powers of tau file`);
    let at = 12;
    for (let i = 0; i < head.readUInt32LE(8); i++) {
      const sh = read(at, 12);
      if (sh.readUInt32LE(0) === 1) {
        const n8 = read(at + 12, 4).readUInt32LE(0);
        return read(at + 12 + 4 + n8, 4).readUInt32LE(0);
      }
      at += 12 + Number(sh.readBigUInt64LE(4));
    }
    throw new Error(`${path}: not a powers of tau file (no header section)`);
  } finally {
    closeSync(fd);
  }
}
