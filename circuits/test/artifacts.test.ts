// The committed artifacts match their sources. Cheap re-derivations only (compiler output, hashes, keys and
// Solidity exported from the committed zkey); scripts/build.ts rebuilds everything.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { zKey } from "snarkjs";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { compileOnnx, fromIntModel, parseIntModel } from "../src/compiler/index.ts";
import { weightsCid } from "../src/io/cid.ts";
import { manifestSchema } from "../src/prover/manifest.ts";
import { modelDir, PACKAGE_ROOT, VERIFIERS_DIR } from "../src/prover/paths.ts";
import { adapterSource, contractBase, renameGroth16Verifier } from "../src/prover/solidity.ts";
import { close, loadModel, modelIdOf, verify } from "../src/prover/prover.ts";
import { calibration, readModelFile } from "./helpers.ts";
import { createHash } from "node:crypto";

const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
const buildSchema = z.object({
  sha256: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
  constraints: z.number().int(),
});

afterAll(close);

for (const name of ["mlp", "cnn"]) {
  describe(`${name}: committed artifacts match their sources`, () => {
    const dir = modelDir(name);
    const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
    const build = buildSchema.parse(JSON.parse(readFileSync(join(dir, "build.json"), "utf8")));
    const base = contractBase(name);

    it("recompiling float.onnx gives the committed integer model, ONNX graph and circuit source", () => {
      const c = compileOnnx(readModelFile(name, "float.onnx"), { name, calibration });
      expect(JSON.stringify(c.model)).toBe(readFileSync(join(dir, "model.json"), "utf8"));
      expect(sha(c.onnx)).toBe(sha(readModelFile(name, "model.onnx")));
      expect(c.circom).toBe(readFileSync(join(dir, "circuit.circom"), "utf8"));
      // and from the committed integer model alone
      const again = fromIntModel(parseIntModel(JSON.parse(readFileSync(join(dir, "model.json"), "utf8"))));
      expect(again.circom).toBe(c.circom);
    });

    it("every committed file has the hash recorded at build time", () => {
      const files: Record<string, string> = {
        "float.onnx": join(dir, "float.onnx"),
        "model.json": join(dir, "model.json"),
        "model.onnx": join(dir, "model.onnx"),
        "circuit.circom": join(dir, "circuit.circom"),
        "circuit.wasm": join(dir, "circuit.wasm"),
        "circuit.zkey": join(dir, "circuit.zkey"),
        "vkey.json": join(dir, "vkey.json"),
        [`${base}Groth16Verifier.sol`]: join(VERIFIERS_DIR, `${base}Groth16Verifier.sol`),
        [`${base}InferenceVerifier.sol`]: join(VERIFIERS_DIR, `${base}InferenceVerifier.sol`),
      };
      for (const [k, p] of Object.entries(files)) expect(sha(readFileSync(p)), k).toBe(build.sha256[k]);
      expect(build.sha256["circuit.r1cs"]).toBeDefined();
      expect(manifest.circuit.constraints).toBe(build.constraints);
    });

    it("manifest: CID of model.onnx, model id, io spec", () => {
      expect(manifest.weightsCid).toBe(weightsCid(readModelFile(name, "model.onnx")));
      expect(manifest.modelId).toBe(modelIdOf(name));
      expect(manifest.io.output.count).toBe(10);
      expect(manifest.io.output.packedLength).toBe(1);
      expect(manifest.circuit.publicSignals).toBe(manifest.io.output.packedLength + 1);
      expect(manifest.verifier.contract).toBe(`${base}InferenceVerifier`);
    });

    it("verifying key and Solidity verifiers are the ones exported from the committed zkey", async () => {
      const zkey = { type: "mem" as const, data: readModelFile(name, "circuit.zkey") };
      const vkey = await zKey.exportVerificationKey(zkey);
      expect(vkey).toEqual(JSON.parse(readFileSync(join(dir, "vkey.json"), "utf8")));
      const template = readFileSync(
        join(PACKAGE_ROOT, "..", "node_modules", "snarkjs", "templates", "verifier_groth16.sol.ejs"),
        "utf8",
      );
      const sol = renameGroth16Verifier(await zKey.exportSolidityVerifier(zkey, { groth16: template }), name);
      expect(sol).toBe(readFileSync(join(VERIFIERS_DIR, `${base}Groth16Verifier.sol`), "utf8"));
      const o = manifest.io.output;
      expect(
        adapterSource({
          name,
          modelId: manifest.modelId,
          weightsCid: manifest.weightsCid,
          packedLength: o.packedLength,
          laneBits: o.laneBits,
          count: o.count,
        }),
      ).toBe(readFileSync(join(VERIFIERS_DIR, `${base}InferenceVerifier.sol`), "utf8"));
    });

    it("the fixture proof for the contracts verifies", async () => {
      const f = JSON.parse(readFileSync(join(PACKAGE_ROOT, "fixtures", `${name}-proof.json`), "utf8")) as {
        inputHash: string;
        output: number[];
        proof: Parameters<typeof verify>[1]["proof"];
        publicSignals: string[];
      };
      const m = await loadModel(name);
      expect(await verify(m, { inputHash: BigInt(f.inputHash), output: f.output, proof: f.proof })).toBe(true);
    });
  });
}
