// Groth16 vs PLONK vs FFLONK for the Sovra models (`npm run compare -w circuits`).
//  1. On the MLP circuit: constraints each system needs and the powers of tau that implies (setup is attempted
//     on the dev ptau; PLONK/FFLONK do not fit it, which is the point).
//  2. On a small circuit of the same kind that fits the dev ptau: setup/prove time and verify gas, measured.
//     Verify gas of all three depends only on the number of public signals (2 here, as for the MLP), so the
//     gas figures carry over to the MLP. Writes bench/compare.json.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { fflonk, groth16, plonk, r1cs as r1csApi, zKey } from "snarkjs";
import { compileOnnx } from "../src/compiler/index.ts";
import type { FloatLayer } from "../src/compiler/ir.ts";
import { encodeProofCalldata } from "../src/prover/calldata.ts";
import { close } from "../src/prover/prover.ts";
import { modelDir, PACKAGE_ROOT } from "../src/prover/paths.ts";
import { exportFloatOnnx } from "../src/train/export.ts";
import { rng } from "../src/train/data.ts";
import { PIXELS, pixelsToUnit } from "../src/train/calibration.ts";
import { circomCompile, DEV_PTAU, REPO_ROOT } from "./lib.ts";
import { compileSolidity } from "../src/model/verifier-build.ts";
import { deployAndMeasure } from "./gas.ts";
import { encodeFunctionData } from "viem";

const tmp = join(PACKAGE_ROOT, ".tmp-test", "compare");
mkdirSync(tmp, { recursive: true });
const logs: string[] = [];
const logger = {
  info: (m: string) => logs.push(m),
  warn: (m: string) => logs.push(m),
  error: (m: string) => logs.push(m),
  debug: () => {},
};

async function setupSizes(r1csPath: string) {
  const info = await r1csApi.info(r1csPath);
  const out: Record<string, unknown> = { r1csConstraints: info.nConstraints };
  logs.length = 0;
  const ok = await plonk.setup(r1csPath, DEV_PTAU, join(tmp, "mlp_plonk.zkey"), logger).then(
    () => true,
    () => false,
  );
  const pc = logs.map((l) => /Plonk constraints: (\d+)/.exec(l)).find(Boolean);
  out.plonkConstraints = pc ? Number(pc[1]) : null;
  out.plonkFitsDevPtau = ok && !logs.some((l) => /too big/.test(l));
  out.plonkPtauPowerNeeded = pc ? Math.ceil(Math.log2(Number(pc[1]) + 6)) : null;
  out.plonkLog = logs.filter((l) => /constraints|too big/.test(l));
  logs.length = 0;
  const fok = await fflonk.setup(r1csPath, DEV_PTAU, join(tmp, "mlp_fflonk.zkey"), logger).then(
    () => true,
    (e: Error) => {
      logs.push(e.message);
      return false;
    },
  );
  out.fflonkFitsDevPtau = fok;
  out.fflonkLog = logs.filter((l) => /constraints|power|too big|Circuit/i.test(l)).slice(0, 8);
  out.groth16PtauPowerNeeded = Math.ceil(Math.log2(info.nConstraints + info.nOutputs + info.nPubInputs + 1));
  return out;
}

function smallCircuit(): string {
  const r = rng(3);
  const rand = (n: number) => Float64Array.from({ length: n }, () => (r() * 2 - 1) * 0.3);
  const layers: FloatLayer[] = [
    {
      op: "conv",
      node: "c",
      inShape: [1, 8, 8],
      outShape: [2, 6, 6],
      kernel: [3, 3],
      stride: [1, 1],
      pads: [0, 0, 0, 0],
      w: rand(18),
      b: rand(2),
    },
    { op: "avgpool", node: "p", inShape: [2, 6, 6], outShape: [2, 3, 3], kernel: [2, 2], stride: [2, 2] },
    { op: "relu", node: "r" },
    { op: "flatten", node: "f", inShape: [2, 3, 3], outShape: [18] },
    { op: "dense", node: "d", inSize: 18, outSize: 10, w: rand(180), b: rand(10) },
  ];
  const calib = Array.from({ length: 20 }, () => Uint8Array.from({ length: 64 }, () => Math.floor(r() * 256)));
  const c = compileOnnx(exportFloatOnnx("small", [1, 8, 8], layers), {
    name: "small",
    calibration: calib.map(pixelsToUnit),
    input: PIXELS,
  });
  const p = join(tmp, "circuit.circom");
  writeFileSync(p, c.circom);
  circomCompile(p, tmp);
  return join(tmp, "circuit.r1cs");
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measureSmall(r1csPath: string) {
  const info = await r1csApi.info(r1csPath);
  const wc = await WitnessCalculatorBuilder(new Uint8Array(readFileSync(join(tmp, "circuit_js", "circuit.wasm"))));
  const input = { in: Array.from({ length: 64 }, (_, i) => BigInt((i * 37) % 256)) };
  const wtns = await wc.calculateWTNSBin(input, true);
  const templates = Object.fromEntries(
    ["groth16", "plonk", "fflonk"].map((k) => [
      k,
      readFileSync(join(REPO_ROOT, "node_modules", "snarkjs", "templates", `verifier_${k}.sol.ejs`), "utf8"),
    ]),
  );
  const res: Record<string, unknown> = {
    r1csConstraints: info.nConstraints,
    publicSignals: info.nOutputs + info.nPubInputs,
  };
  for (const sys of ["groth16", "plonk", "fflonk"] as const) {
    try {
      res[sys] = await measureSystem(sys);
    } catch (e) {
      res[sys] = { error: (e as Error).message };
    }
    console.log(sys, res[sys]);
  }
  return res;

  async function measureSystem(sys: "groth16" | "plonk" | "fflonk"): Promise<Record<string, unknown>> {
    const zk = join(tmp, `${sys}.zkey`);
    let t = performance.now();
    logs.length = 0;
    if (sys === "groth16") await zKey.newZKey(r1csPath, DEV_PTAU, zk, logger);
    else if (sys === "plonk") await plonk.setup(r1csPath, DEV_PTAU, zk, logger);
    else await fflonk.setup(r1csPath, DEV_PTAU, zk, logger);
    const setupMs = performance.now() - t;
    const zkeyBytes = new Uint8Array(readFileSync(zk));
    const times: number[] = [];
    let last: { proof: unknown; publicSignals: string[] } | undefined;
    for (let i = 0; i < 6; i++) {
      t = performance.now();
      last =
        sys === "groth16"
          ? await groth16.prove({ type: "mem", data: zkeyBytes }, { type: "mem", data: wtns })
          : sys === "plonk"
            ? await plonk.prove({ type: "mem", data: zkeyBytes }, { type: "mem", data: wtns })
            : await fflonk.prove({ type: "mem", data: zkeyBytes }, { type: "mem", data: wtns });
      if (i > 0) times.push(performance.now() - t);
    }
    const sol = await zKey.exportSolidityVerifier(zk, templates);
    const name = /contract (\w+)/.exec(sol)![1]!;
    const art = compileSolidity({ "V.sol": { content: sol } }, "V.sol", name);
    let data: `0x${string}`;
    if (sys === "groth16") {
      const p = last!.proof as Parameters<typeof encodeProofCalldata>[0];
      const w = encodeProofCalldata(p)
        .slice(2)
        .match(/.{64}/g)!
        .map((h) => BigInt(`0x${h}`));
      data = encodeFunctionData({
        abi: art.abi,
        functionName: "verifyProof",
        args: [
          [w[0], w[1]],
          [
            [w[2], w[3]],
            [w[4], w[5]],
          ],
          [w[6], w[7]],
          last!.publicSignals.map(BigInt),
        ],
      });
    } else {
      const cd =
        sys === "plonk"
          ? await plonk.exportSolidityCallData(last!.proof, last!.publicSignals)
          : await fflonk.exportSolidityCallData(last!.publicSignals, last!.proof);
      const [proofArr, pubArr] = JSON.parse(`[${cd.replace(/\]\s*\[/, "],[")}]`) as [string[], string[]];
      data = encodeFunctionData({
        abi: art.abi,
        functionName: "verifyProof",
        args: [sys === "plonk" ? proofArr.map(BigInt) : proofArr, pubArr.map(BigInt)],
      });
    }
    const gas = await deployAndMeasure(art.bytecode.slice(2), data);
    const pc = logs.map((l) => /Plonk constraints: (\d+)/.exec(l)).find(Boolean);
    return {
      setupMs: Math.round(setupMs),
      proveMsMedian: Math.round(median(times)),
      zkeyBytes: zkeyBytes.length,
      verifyTxGas: gas.txGas,
      verifierDeployGas: gas.deployGas,
      plonkConstraints: pc ? Number(pc[1]) : undefined,
      ceremony: sys === "groth16" ? "universal ptau + per-circuit phase 2" : "universal ptau only",
    };
  }
}

try {
  const mlpR1cs = join(modelDir("mlp"), "build", "circuit.r1cs");
  const mlp = await setupSizes(mlpR1cs);
  console.log("mlp", mlp);
  const small = await measureSmall(smallCircuit());
  const result = { date: new Date().toISOString(), mlp, small };
  writeFileSync(join(PACKAGE_ROOT, "bench", "compare.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log("wrote bench/compare.json");
} finally {
  await close();
  rmSync(tmp, { recursive: true, force: true });
}
