// Bit-exact agreement of the three implementations of each model: onnxruntime on the quantized ONNX graph,
// the circuit's witness (wasm witness calculator), and the TypeScript reference evaluator, on 1,000 random
// inputs plus every held-out digit.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { describe, expect, it } from "vitest";
import { parseIntModel } from "../src/compiler/index.ts";
import { evaluate } from "../src/compiler/reference.ts";
import { hashBytes } from "../src/io/hash.ts";
import { packOutput } from "../src/io/pack.ts";
import { manifestSchema } from "../src/prover/manifest.ts";
import { modelDir } from "../src/prover/paths.ts";
import { digits, randomInputs } from "./helpers.ts";

/** Signal k of a .wtns file (circom's binary witness: 32-byte little-endian field elements after the header). */
function readWtns(bin: Uint8Array, k: number): bigint {
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  // "wtns", version, nSections; section 1 (id, size, n8, prime, nWitness); section 2 (id, size, data)
  const n8 = view.getUint32(12 + 12, true);
  const data = 12 + 12 + 4 + n8 + 4 + 12;
  let v = 0n;
  for (let b = n8 - 1; b >= 0; b--) v = (v << 8n) | BigInt(bin[data + k * n8 + b]!);
  return v;
}

for (const name of ["mlp", "cnn"]) {
  describe(`${name}: onnxruntime = circuit witness = TS reference`, () => {
    const dir = modelDir(name);
    const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
    const model = parseIntModel(JSON.parse(readFileSync(join(dir, "model.json"), "utf8")));
    const n = model.input.shape.reduce((a, b) => a * b, 1);
    const inputs = [...randomInputs(1000, n, name === "mlp" ? 11 : 12), ...digits.heldOut.map((s) => s.pixels)];
    const refs = inputs.map((x) => evaluate(model, x));
    const { count, laneBits, packedLength } = manifest.io.output;

    it("onnxruntime (cpu) on the quantized graph matches the reference on every input", async () => {
      const sess = await ort.InferenceSession.create(join(dir, "model.onnx"));
      const X = new Float32Array(inputs.length * n);
      for (const [i, x] of inputs.entries()) X.set(x, i * n);
      const res = await sess.run({ input: new ort.Tensor("float32", X, [inputs.length, ...model.input.shape]) });
      const out = res.output!.data as Float32Array;
      expect(out.length).toBe(inputs.length * count);
      let mismatches = 0;
      for (const [i, r] of refs.entries())
        r.forEach((v, k) => {
          if (out[i * count + k] !== v) mismatches++;
        });
      expect(mismatches).toBe(0);
      await sess.release();
    });

    it("the circuit witness matches the reference output and the input hash on every input", async () => {
      const wasm = new Uint8Array(readFileSync(join(dir, manifest.files.wasm)));
      // The sanity check (every constraint's assertion evaluated during witness generation) doubles the cost:
      // run it on every 10th input.
      const checked = await WitnessCalculatorBuilder(wasm, { sanityCheck: true });
      const fast = await WitnessCalculatorBuilder(wasm, { sanityCheck: false });
      let mismatches = 0;
      for (let i = 0; i < inputs.length; i++) {
        // The binary witness avoids turning every signal into a BigInt; read signals 1..F+1 from it.
        const bin =
          i % 10 === 0
            ? await checked.calculateWTNSBin({ in: Array.from(inputs[i]!, BigInt) }, true)
            : await fast.calculateWTNSBin({ in: Array.from(inputs[i]!, BigInt) }, false);
        const w = (k: number) => readWtns(bin, k);
        const packed = packOutput(refs[i]!, laneBits);
        for (let f = 0; f < packedLength; f++) if (w(1 + f) !== packed[f]) mismatches++;
        if (i % 25 === 0 && w(1 + packedLength) !== (await hashBytes(inputs[i]!))) mismatches++;
      }
      expect(mismatches).toBe(0);
    });

    it("output range stays inside the proven bound (lanes cannot overflow)", () => {
      for (const r of refs)
        for (const v of r) {
          expect(v).toBeGreaterThanOrEqual(manifest.io.output.min);
          expect(v).toBeLessThanOrEqual(manifest.io.output.max);
        }
    });
  });
}
