// Real Groth16 proofs with the committed keys: valid proofs verify, altered statements do not.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeProofCalldata } from "../src/prover/calldata.ts";
import {
  close,
  infer,
  inputHash,
  loadModel,
  prove,
  verify,
  type Model,
  type ProveResult,
} from "../src/prover/prover.ts";
import { digits } from "./helpers.ts";

describe("prove / verify", () => {
  let mlp: Model;
  let cnn: Model;
  let pm: ProveResult;
  let pc: ProveResult;
  const x = digits.heldOut[7]!.pixels;
  beforeAll(async () => {
    mlp = await loadModel("mlp");
    cnn = await loadModel("cnn");
    pm = await prove(mlp, x);
    pc = await prove(cnn, x);
  });
  afterAll(close);

  it("returns the model output, the input hash and calldata that decodes to the proof", async () => {
    expect(pm.output).toEqual(infer(mlp, x));
    expect(pc.output).toEqual(infer(cnn, x));
    expect(pm.inputHash).toBe(await inputHash(mlp, x));
    expect(pm.publicSignals).toEqual([...pm.packedOutput.map(String), pm.inputHash.toString()]);
    const back = decodeProofCalldata(pm.calldata);
    expect(await verify(mlp, { inputHash: pm.inputHash, output: pm.output, proof: back })).toBe(true);
  });
  it("proofs verify in JS", async () => {
    expect(await verify(mlp, { inputHash: pm.inputHash, output: pm.output, proof: pm.proof })).toBe(true);
    expect(await verify(cnn, { inputHash: pc.inputHash, output: pc.packedOutput, proof: pc.proof })).toBe(true);
  });
  it("rejects a tampered output", async () => {
    const out = pm.output.slice();
    out[3] = out[3]! + 1;
    expect(await verify(mlp, { inputHash: pm.inputHash, output: out, proof: pm.proof })).toBe(false);
  });
  it("rejects a wrong input hash", async () => {
    const other = await inputHash(mlp, digits.heldOut[8]!.pixels);
    expect(await verify(mlp, { inputHash: other, output: pm.output, proof: pm.proof })).toBe(false);
  });
  it("rejects a proof from the other model", async () => {
    expect(await verify(mlp, { inputHash: pc.inputHash, output: pc.packedOutput, proof: pc.proof })).toBe(false);
    expect(await verify(cnn, { inputHash: pm.inputHash, output: pm.packedOutput, proof: pm.proof })).toBe(false);
  });
  it("refuses inputs that are not uint8", async () => {
    const bad = Array.from(x);
    bad[0] = 256;
    await expect(prove(mlp, bad)).rejects.toThrow(/not a uint8/);
  });
});
