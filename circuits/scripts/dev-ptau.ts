// DEV powers-of-tau files. NEITHER KIND IS A TRUSTED SETUP: anyone can recompute tau and forge proofs against any
// key derived from them. They exist so that tests and local chains need no download. Production builds pass
// `--ptau <path>` to a public ceremony file (e.g. the Hermez/Polygon perpetual powers of tau).
//
//   node scripts/dev-ptau.ts 17 [--out FILE] [--force]
//     UNSAFE known-tau file of any power 1..20 (src/ptau/known-tau.ts): tau, alpha and beta are public constants;
//     written directly in the prepared format (2^17: ~73 s of CPU, ~40 s on 2 idle cores). Default output: the
//     cache, where `sovra-model compile` looks for it ($SOVRA_CACHE_DIR, else ~/.cache/sovra; ptau/).
//   node scripts/dev-ptau.ts 14 --beacon [--force]
//     how the committed ptau/dev-14.ptau was made: snarkjs `powersoftau new` + one public beacon + `prepare
//     phase2` (~7 min for 2^14 on 2 cores). Deterministic: same power + same beacon -> byte-identical file. The
//     MNIST models' hashes depend on that file: it stays as committed.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { devPtauPath } from "../src/model/cache.ts";
import { MAX_KNOWN_TAU_POWER, writeKnownTauPtau } from "../src/ptau/known-tau.ts";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const args = process.argv.slice(2);
const power = Number(args[0] ?? "14");
const force = args.includes("--force");
const outIdx = args.indexOf("--out");

if (args.includes("--beacon")) {
  if (!Number.isInteger(power) || power < 8 || power > 20) throw new Error(`bad power ${args[0]}`);
  // An arbitrary, public, fixed value: it makes the file reproducible (and is why it is not a trusted setup).
  const BEACON = "6b1f0e7c0d3a5b3fd0a2e1c9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2918f7e6d5";
  const ITER_EXP = 10;
  const cli = join(root, "..", "node_modules", "snarkjs", "build", "cli.cjs");
  const outDir = join(root, "ptau");
  mkdirSync(outDir, { recursive: true });
  const tmp0 = join(outDir, `.dev-${power}.0.ptau`);
  const tmp1 = join(outDir, `.dev-${power}.1.ptau`);
  const out = join(outDir, `dev-${power}.ptau`);
  if (existsSync(out) && !force) {
    console.log(`${out} exists (use --force to remake)`);
    process.exit(0);
  }
  const run = (a: string[]): void => {
    console.log(`snarkjs ${a.join(" ")}`);
    execFileSync(process.execPath, [cli, ...a], { stdio: "inherit" });
  };
  const t0 = Date.now();
  run(["powersoftau", "new", "bn128", String(power), tmp0]);
  run(["powersoftau", "beacon", tmp0, tmp1, BEACON, String(ITER_EXP), "-n=Sovra dev beacon (NOT A TRUSTED SETUP)"]);
  run(["powersoftau", "prepare", "phase2", tmp1, out]);
  rmSync(tmp0);
  rmSync(tmp1);
  console.log(`wrote ${out} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
} else {
  if (!Number.isInteger(power) || power < 1 || power > MAX_KNOWN_TAU_POWER) {
    console.error(`dev-ptau: power must be 1..${MAX_KNOWN_TAU_POWER} (got ${args[0]})`);
    process.exit(1);
  }
  if (power === 14 && outIdx < 0) {
    console.error("dev-ptau: 2^14 is the committed ptau/dev-14.ptau; pass --out FILE for a known-tau 2^14 file");
    process.exit(1);
  }
  const out = outIdx >= 0 ? args[outIdx + 1] : devPtauPath(power);
  if (out === undefined) {
    console.error("dev-ptau: --out needs a file");
    process.exit(1);
  }
  if (existsSync(out) && !force) {
    console.log(`${out} exists (use --force to remake)`);
    process.exit(0);
  }
  mkdirSync(dirname(out), { recursive: true });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let shown = -1;
  await writeKnownTauPtau(out, power, {
    onProgress: (f) => {
      const pct = Math.floor(f * 10) * 10;
      if (pct > shown) {
        shown = pct;
        process.stderr.write(`${pct}% `);
      }
    },
  });
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `\nwrote ${out} (UNSAFE known tau, 2^${power}) in ${((performance.now() - t0) / 1000).toFixed(1)} s ` +
      `(${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU)`,
  );
}
