// Makes the DEV powers-of-tau file used by `npm run build:circuits`.
//
// WARNING: this is NOT a trusted setup. The only "contribution" is a public beacon whose hash is written
// below, so anyone can recompute tau and forge proofs against any key derived from this file. It exists so
// that tests and local chains need no download. Production builds pass `--ptau <path>` to a public ceremony
// file (e.g. the Hermez/Polygon perpetual powers of tau, power >= the one printed by the build).
//
// Deterministic: same power + same beacon -> byte-identical file. `prepare phase2` is slow (~7 min for
// 2^14 on 2 cores), which is why the result is committed as ptau/dev-14.ptau.
import { execFileSync } from "node:child_process";
import { existsSync, rmSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const power = Number(process.argv[2] ?? "14");
if (!Number.isInteger(power) || power < 8 || power > 20) throw new Error(`bad power ${process.argv[2]}`);
// An arbitrary, public, fixed value: it makes the file reproducible (and is why it is not a trusted setup).
const BEACON = "6b1f0e7c0d3a5b3fd0a2e1c9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2918f7e6d5";
const ITER_EXP = 10;

const cli = join(root, "..", "node_modules", "snarkjs", "build", "cli.cjs");
const outDir = join(root, "ptau");
mkdirSync(outDir, { recursive: true });
const tmp0 = join(outDir, `.dev-${power}.0.ptau`);
const tmp1 = join(outDir, `.dev-${power}.1.ptau`);
const out = join(outDir, `dev-${power}.ptau`);
if (existsSync(out) && !process.argv.includes("--force")) {
  console.log(`${out} exists (use --force to remake)`);
  process.exit(0);
}
const run = (args: string[]): void => {
  console.log(`snarkjs ${args.join(" ")}`);
  execFileSync(process.execPath, [cli, ...args], { stdio: "inherit" });
};
const t0 = Date.now();
run(["powersoftau", "new", "bn128", String(power), tmp0]);
run(["powersoftau", "beacon", tmp0, tmp1, BEACON, String(ITER_EXP), "-n=Sovra dev beacon (NOT A TRUSTED SETUP)"]);
run(["powersoftau", "prepare", "phase2", tmp1, out]);
rmSync(tmp0);
rmSync(tmp1);
console.log(`wrote ${out} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
