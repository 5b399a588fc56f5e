// UNSAFE dev powers of tau from a PUBLICLY KNOWN tau, alpha and beta, written straight in snarkjs's prepared
// .ptau format (what `powersoftau new` + contributions + `prepare phase2` would produce for that tau):
//   1 header   n8, q, power, ceremonyPower
//   2 tauG1      tau^i G1,            i < 2^(p+1) - 1
//   3 tauG2      tau^i G2,            i < 2^p
//   4 alphaTauG1 alpha tau^i G1,      i < 2^p
//   5 betaTauG1  beta tau^i G1,       i < 2^p
//   6 betaG2     beta G2
//   7 contributions (none: there is no secret to prove knowledge of)
//  12..15 the same four in the Lagrange basis: for each k = 0..p (and k = p + 1 for tauG1), L_i(tau) for the
//     2^k-th roots of unity, i.e. what snarkjs's `prepare phase2` computes by an inverse FFT over the points,
//     here from the field values L_i(tau) = (tau^m - 1) / m * w^i / (tau - w^i), m = 2^k. For k = p + 1 snarkjs
//     transforms tauG1 padded with one zero point (tau^(2m-1) G1 is not in the file): L_i(tau) - w^i tau^(m-1) / m.
// Every point is a scalar times a generator (fixed-base.ts), in worker threads; the result is byte-identical
// to `snarkjs powersoftau prepare phase2` run on sections 1-7 (test/ptau.test.ts checks it).
//
// NOT A TRUSTED SETUP: anyone can recompute tau from the constants below and forge proofs for every key made
// from these files. They exist so that models larger than the committed 2^14 file can be compiled and tested
// without a multi-hour `prepare phase2` or a download.
import { createHash } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { batchInv, inv, mod, mul, pow, Q, R, rootOfUnity, writeScalar } from "./fr.ts";
import type { Group } from "./fixed-base.ts";
import type { Job, Reply } from "./worker.ts";

export interface KnownTau {
  tau: bigint;
  alpha: bigint;
  beta: bigint;
}

const fromLabel = (label: string): bigint => mod(BigInt(`0x${createHash("sha256").update(label).digest("hex")}`));

/** The public secrets of Sovra's dev ptau files: sha256 of these labels, mod r. UNSAFE by design. */
export const SOVRA_DEV_TAU: KnownTau = {
  tau: fromLabel("sovra dev ptau: UNSAFE publicly known tau"),
  alpha: fromLabel("sovra dev ptau: UNSAFE publicly known alpha"),
  beta: fromLabel("sovra dev ptau: UNSAFE publicly known beta"),
};

export const MIN_KNOWN_TAU_POWER = 1;
/** snarkjs's zkey new needs a Lagrange block of 2^(power+1) points in G1; Fr has roots of unity up to 2^28 */
export const MAX_KNOWN_TAU_POWER = 20;

const G1_BYTES = 64;
const G2_BYTES = 128;
/** points per worker job */
const CHUNK = 8192;
/** relative cost of a G2 point to a G1 point (mixed additions over Fq2), for the progress fraction */
const G2_COST = 4.3;

interface Section {
  id: number;
  bytes: number;
  /** file offset of the section's data */
  at: number;
}

type ScalarSource =
  /** factor * tau^i */
  | { kind: "powers"; factor: bigint }
  /** factor * L_i(tau) over the 2^k-th roots of unity (`padded`: snarkjs's zero-padded tauG1 block) */
  | { kind: "lagrange"; k: number; factor: bigint; padded: boolean };

interface Block {
  section: number;
  group: Group;
  /** first point of the block, counted in points from the section's start */
  first: number;
  count: number;
  source: ScalarSource;
}

function layout(power: number, s: KnownTau): { sections: Section[]; blocks: Block[]; total: number } {
  const n = 2 ** power;
  const lagrange = (section: number, group: Group, factor: bigint, top: number): Block[] => {
    const out: Block[] = [];
    let first = 0;
    for (let k = 0; k <= top; k++) {
      const m = 2 ** k;
      out.push({ section, group, first, count: m, source: { kind: "lagrange", k, factor, padded: k === power + 1 } });
      first += m;
    }
    return out;
  };
  const blocks: Block[] = [
    { section: 2, group: "G1", first: 0, count: 2 * n - 1, source: { kind: "powers", factor: 1n } },
    { section: 3, group: "G2", first: 0, count: n, source: { kind: "powers", factor: 1n } },
    { section: 4, group: "G1", first: 0, count: n, source: { kind: "powers", factor: s.alpha } },
    { section: 5, group: "G1", first: 0, count: n, source: { kind: "powers", factor: s.beta } },
    // betaG2 = beta * tau^0 * G2
    { section: 6, group: "G2", first: 0, count: 1, source: { kind: "powers", factor: s.beta } },
    ...lagrange(12, "G1", 1n, power + 1),
    ...lagrange(13, "G2", 1n, power),
    ...lagrange(14, "G1", s.alpha, power),
    ...lagrange(15, "G1", s.beta, power),
  ];
  const sizes: Array<[number, number]> = [
    [1, 4 + 32 + 4 + 4],
    [2, (2 * n - 1) * G1_BYTES],
    [3, n * G2_BYTES],
    [4, n * G1_BYTES],
    [5, n * G1_BYTES],
    [6, G2_BYTES],
    [7, 4],
    [12, (4 * n - 1) * G1_BYTES],
    [13, (2 * n - 1) * G2_BYTES],
    [14, (2 * n - 1) * G1_BYTES],
    [15, (2 * n - 1) * G1_BYTES],
  ];
  let at = 12; // "ptau", version, number of sections
  const sections = sizes.map(([id, bytes]) => {
    const sec = { id, bytes, at: at + 12 }; // id (u32) and size (u64) before the data
    at += 12 + bytes;
    return sec;
  });
  return { sections, blocks, total: at };
}

/** The scalars of points [from, from + count) of a block, 32 bytes each (little-endian, standard form). */
function scalars(src: ScalarSource, tau: bigint, from: number, count: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(count * 32);
  if (src.kind === "powers") {
    let v = mul(src.factor, pow(tau, BigInt(from)));
    for (let i = 0; i < count; i++) {
      writeScalar(out, i * 32, v);
      v = mul(v, tau);
    }
    return out;
  }
  const m = 2 ** src.k;
  const w = rootOfUnity(src.k);
  // L_i(tau) = c * w^i / (tau - w^i), c = (tau^m - 1) / m
  const c = mul(mul(mod(pow(tau, BigInt(m)) - 1n), inv(BigInt(m))), src.factor);
  const ws = new Array<bigint>(count);
  let wi = pow(w, BigInt(from));
  for (let i = 0; i < count; i++) {
    ws[i] = wi;
    wi = mul(wi, w);
  }
  const invs = batchInv(ws.map((x) => mod(tau - x)));
  // the zero-padded block: minus w^i * tau^(m-1) / m
  const pad = src.padded ? mul(mul(pow(tau, BigInt(m - 1)), inv(BigInt(m))), src.factor) : 0n;
  for (let i = 0; i < count; i++) {
    let v = mul(mul(c, ws[i]!), invs[i]!);
    if (src.padded) v = mod(v - mul(pad, ws[i]!));
    writeScalar(out, i * 32, v);
  }
  return out;
}

export interface WritePtauOptions {
  /** default: SOVRA_DEV_TAU (tests use others) */
  secrets?: KnownTau;
  /** fraction of the points written, 0..1 */
  onProgress?: (fraction: number) => void;
  /** worker threads (default: the available cores, at most 8) */
  workers?: number;
}

/** Writes the prepared ptau of 2^power for the given (public) secrets to `path` (atomically: temp + rename). */
export async function writeKnownTauPtau(path: string, power: number, o: WritePtauOptions = {}): Promise<void> {
  if (!Number.isInteger(power) || power < MIN_KNOWN_TAU_POWER || power > MAX_KNOWN_TAU_POWER) {
    throw new Error(`powers of tau: power ${power} is not in ${MIN_KNOWN_TAU_POWER}..${MAX_KNOWN_TAU_POWER}`);
  }
  const s = o.secrets ?? SOVRA_DEV_TAU;
  for (const v of [s.tau, s.alpha, s.beta]) if (mod(v) === 0n) throw new Error("powers of tau: a secret is 0");
  const { sections, blocks, total } = layout(power, s);
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, "w");
  const nWorkers = Math.max(1, Math.min(o.workers ?? availableParallelism(), 8));
  const workers: Worker[] = [];
  try {
    // file header and section headers
    const head = Buffer.alloc(12);
    head.write("ptau", 0, "latin1");
    head.writeUInt32LE(1, 4);
    head.writeUInt32LE(sections.length, 8);
    await fh.write(head, 0, 12, 0);
    for (const sec of sections) {
      const h = Buffer.alloc(12);
      h.writeUInt32LE(sec.id, 0);
      h.writeBigUInt64LE(BigInt(sec.bytes), 4);
      await fh.write(h, 0, 12, sec.at - 12);
    }
    const header = Buffer.alloc(44);
    header.writeUInt32LE(32, 0);
    let q = Q;
    for (let i = 0; i < 32; i++) {
      header[4 + i] = Number(q & 0xffn);
      q >>= 8n;
    }
    header.writeUInt32LE(power, 36);
    header.writeUInt32LE(power, 40);
    await fh.write(header, 0, 44, sections[0]!.at);
    await fh.write(Buffer.alloc(4), 0, 4, sections.find((x) => x.id === 7)!.at); // 0 contributions

    // the points, CHUNK at a time, in whichever order the workers finish
    const jobs: Array<{ block: Block; from: number; count: number }> = [];
    for (const b of blocks)
      for (let f = 0; f < b.count; f += CHUNK) jobs.push({ block: b, from: f, count: Math.min(CHUNK, b.count - f) });
    const cost = (g: Group, n: number) => (g === "G2" ? G2_COST * n : n);
    const totalCost = jobs.reduce((a, j) => a + cost(j.block.group, j.count), 0);
    const groupPoints = { G1: 0, G2: 0 };
    for (const j of jobs) groupPoints[j.block.group] += j.count;
    // a 2^15-entry table per window pays off from ~2^15 points per worker (test/ptau.test.ts: both windows)
    const window = (g: Group): 8 | 16 => (groupPoints[g] >= nWorkers * 32768 ? 16 : 8);
    const at = (j: (typeof jobs)[number]) =>
      sections.find((x) => x.id === j.block.section)!.at +
      (j.block.first + j.from) * (j.block.group === "G1" ? G1_BYTES : G2_BYTES);

    let done = 0;
    let next = 0;
    const workerUrl = new URL("./worker.ts", import.meta.url);
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      // jobs at a worker, and results not yet written
      let pending = 0;
      let writing = 0;
      const finishIfDone = () => {
        if (!failed && next >= jobs.length && pending === 0 && writing === 0) resolve();
      };
      const fail = (e: unknown) => {
        if (failed) return;
        failed = true;
        reject(e instanceof Error ? e : new Error(String(e)));
      };
      const feed = (w: Worker) => {
        if (failed) return;
        if (next >= jobs.length) return finishIfDone();
        const id = next++;
        const j = jobs[id]!;
        const sc = scalars(j.block.source, s.tau, j.from, j.count);
        pending++;
        w.postMessage({ id, group: j.block.group, window: window(j.block.group), scalars: sc } satisfies Job, [
          sc.buffer,
        ]);
      };
      for (let i = 0; i < nWorkers; i++) {
        const w = new Worker(workerUrl);
        workers.push(w);
        w.on("error", fail);
        w.on("message", (r: Reply) => {
          pending--;
          if ("error" in r) return fail(new Error(`powers of tau worker: ${r.error}`));
          const j = jobs[r.id]!;
          writing++;
          fh.write(r.points, 0, r.points.length, at(j)).then(() => {
            writing--;
            done += cost(j.block.group, j.count);
            o.onProgress?.(done / totalCost);
            finishIfDone();
          }, fail);
          feed(w);
        });
        // two jobs in flight per worker: it never waits for the main thread's scalars
        feed(w);
        feed(w);
      }
    });
    const size = (await fh.stat()).size;
    if (size !== total) throw new Error(`powers of tau: wrote ${size} bytes, expected ${total}`);
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** snarkjs's rule (zkey_new.js): the domain 2^k must hold constraints + public signals + 1 rows (k >= 1). */
export function powerFor(constraints: number, publicSignals: number): number {
  // snarkjs: log2(nConstraints + nPubInputs + nOutputs) + 1, log2 = floor(log2)
  return 32 - Math.clz32(constraints + publicSignals);
}

export { R as FR_MODULUS };
