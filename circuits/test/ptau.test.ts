// The known-tau dev powers of tau (src/ptau/known-tau.ts): byte for byte what snarkjs's own `prepare phase2`
// makes of the same powers, and a working Groth16 setup (zkey new, prove, verify) on circuits that fill the
// domain, so that zkey new reads the largest Lagrange blocks (the zero-padded tauG1 one included).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { groth16, powersOfTau, r1cs as r1csApi, zKey } from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileCircom } from "../src/model/circom.ts";
import { silent } from "../src/model/progress.ts";
import { close } from "../src/prover/prover.ts";
import { PACKAGE_ROOT } from "../src/prover/paths.ts";
import { batchInv, mul, pow, R, rootOfUnity } from "../src/ptau/fr.ts";
import { type KnownTau, powerFor, SOVRA_DEV_TAU, writeKnownTauPtau } from "../src/ptau/known-tau.ts";

const tmp = join(PACKAGE_ROOT, ".tmp-test", `ptau-${process.pid}`);
const at = (f: string) => join(tmp, f);
const OTHER_TAU: KnownTau = { tau: 123456789n, alpha: 987654321n, beta: 555555555n };

beforeAll(() => mkdirSync(tmp, { recursive: true }));
afterAll(async () => {
  await close();
  rmSync(tmp, { recursive: true, force: true });
});

/** n chained multiplications: n constraints, one private input, one public output. */
async function chainCircuit(n: number): Promise<string> {
  const src = `pragma circom 2.0.0;
template Chain(n) {
  signal input a;
  signal output out;
  signal x[n + 1];
  x[0] <== a;
  for (var i = 0; i < n; i++) x[i + 1] <== x[i] * a + i;
  out <== x[n];
}
component main = Chain(${n});
`;
  const dir = at(`chain-${n}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "circuit.circom"), src);
  await compileCircom(join(dir, "circuit.circom"), dir, silent);
  return dir;
}

/** x^(n+1) + sum of the chain's constants, as the circuit computes it (mod r). */
function chainOutput(a: bigint, n: number): bigint {
  let x = a;
  for (let i = 0; i < n; i++) x = (x * a + BigInt(i)) % R;
  return x;
}

describe("Fr helpers", () => {
  it("the 2^k-th root of unity has order exactly 2^k; batch inverses are inverses", () => {
    for (const k of [1, 5, 17, 28]) {
      const w = rootOfUnity(k);
      expect(pow(w, 2n ** BigInt(k))).toBe(1n);
      expect(pow(w, 2n ** BigInt(k - 1))).toBe(R - 1n);
    }
    const xs = [2n, 3n, R - 1n, 123456789123456789n];
    expect(batchInv(xs).map((y, i) => mul(y, xs[i]!))).toEqual(xs.map(() => 1n));
  });

  it("powerFor is snarkjs's rule: 2^p must exceed constraints + public signals", () => {
    expect(powerFor(510, 1)).toBe(9); // 511 rows + the 'one' row = 512
    expect(powerFor(511, 1)).toBe(10);
    expect(powerFor(8894, 2)).toBe(14); // the MNIST mlp
    expect(powerFor(16382, 1)).toBe(14);
    expect(powerFor(16383, 1)).toBe(15);
  });
});

describe("known-tau ptau", () => {
  it("2^8: identical to snarkjs's `prepare phase2` of the file's own powers (sections 1-7)", async () => {
    await writeKnownTauPtau(at("k8.ptau"), 8);
    await powersOfTau.preparePhase2(at("k8.ptau"), at("k8-snarkjs.ptau"));
    const mine = readFileSync(at("k8.ptau"));
    const theirs = readFileSync(at("k8-snarkjs.ptau"));
    expect(mine.length).toBe(theirs.length);
    expect(mine.equals(theirs)).toBe(true);
  });

  it("is deterministic and depends on tau: same secrets, same bytes; other secrets, other bytes", async () => {
    await writeKnownTauPtau(at("k8-again.ptau"), 8, { workers: 1 });
    await writeKnownTauPtau(at("k8-other.ptau"), 8, { secrets: OTHER_TAU });
    expect(readFileSync(at("k8-again.ptau")).equals(readFileSync(at("k8.ptau")))).toBe(true);
    expect(readFileSync(at("k8-other.ptau")).equals(readFileSync(at("k8.ptau")))).toBe(false);
  });

  it("refuses powers outside 1..20 and zero secrets", async () => {
    await expect(writeKnownTauPtau(at("x.ptau"), 21)).rejects.toThrow(/power 21 is not in 1\.\.20/);
    await expect(writeKnownTauPtau(at("x.ptau"), 4, { secrets: { ...SOVRA_DEV_TAU, tau: R } })).rejects.toThrow(
      /a secret is 0/,
    );
  });

  // each circuit fills its domain: zkey new then takes the H points from the padded 2^(p+1) block
  it.each([
    [10, 600],
    [12, 2100],
  ])(
    "2^%i: zkey new on a %i-constraint circuit, then prove and verify; another tau gives another key",
    async (power, n) => {
      const dir = await chainCircuit(n);
      const info = await r1csApi.info(join(dir, "circuit.r1cs"));
      expect(powerFor(info.nConstraints, info.nOutputs + info.nPubInputs)).toBe(power);
      const vkeys = [];
      for (const [name, secrets] of [
        ["dev", SOVRA_DEV_TAU],
        ["other", OTHER_TAU],
      ] as const) {
        const ptau = at(`k${power}-${name}.ptau`);
        await writeKnownTauPtau(ptau, power, { secrets });
        const zkey = join(dir, `${name}.zkey`);
        expect(typeof (await zKey.newZKey(join(dir, "circuit.r1cs"), ptau, zkey))).toBe("object");
        const vkey = await zKey.exportVerificationKey(zkey);
        const a = 7n;
        const { proof, publicSignals } = await groth16.fullProve(
          { a: a.toString() },
          join(dir, "circuit_js", "circuit.wasm"),
          zkey,
        );
        expect(publicSignals).toEqual([chainOutput(a, n).toString()]);
        expect(await groth16.verify(vkey, publicSignals, proof)).toBe(true);
        expect(await groth16.verify(vkey, [((chainOutput(a, n) + 1n) % R).toString()], proof)).toBe(false);
        vkeys.push(vkey);
      }
      expect(vkeys[0]).not.toEqual(vkeys[1]);
      expect(vkeys[0]!.vk_alpha_1).not.toEqual(vkeys[1]!.vk_alpha_1);
    },
  );
});
