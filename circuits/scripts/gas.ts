// Measures verifyInference gas: compiles the generated verifiers with solc 0.8.34 (the contracts package's
// settings: optimizer 10,000 runs, cancun) and runs them on an in-process Hardhat (EDR) chain.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";
import { encodeFunctionData, type Abi } from "viem";
import { compileSolidity } from "../src/model/verifier-build.ts";
import { PACKAGE_ROOT, VERIFIERS_DIR } from "../src/prover/paths.ts";

export interface GasResult {
  /** gasUsed of a transaction calling verifyInference (21,000 base + calldata + execution) */
  txGas: number;
  /** txGas minus the 21,000 transaction base cost */
  callGas: number;
  deployGas: number;
}

/** Deploys `bytecode` on a fresh in-process chain, checks eth_call(data) returns true, returns tx gas. */
export async function deployAndMeasure(bytecode: string, data: `0x${string}`): Promise<GasResult> {
  const hre = await createHardhatRuntimeEnvironment({}, {}, PACKAGE_ROOT);
  const conn = await hre.network.connect();
  const p = conn.provider;
  try {
    const [from] = (await p.request({ method: "eth_accounts" })) as string[];
    const deployHash = await p.request({
      method: "eth_sendTransaction",
      params: [{ from, data: `0x${bytecode}`, gas: "0xf42400" }],
    });
    const dr = (await p.request({ method: "eth_getTransactionReceipt", params: [deployHash] })) as {
      contractAddress: string;
      gasUsed: string;
      status: string;
    };
    if (dr.status !== "0x1") throw new Error("deploy failed");
    const ok = (await p.request({
      method: "eth_call",
      params: [{ from, to: dr.contractAddress, data }, "latest"],
    })) as string;
    if (BigInt(ok) !== 1n) throw new Error("the verifier returned false on a valid proof");
    const h = await p.request({
      method: "eth_sendTransaction",
      params: [{ from, to: dr.contractAddress, data, gas: "0x989680" }],
    });
    const r = (await p.request({ method: "eth_getTransactionReceipt", params: [h] })) as { gasUsed: string };
    const txGas = Number(BigInt(r.gasUsed));
    return { txGas, callGas: txGas - 21_000, deployGas: Number(BigInt(dr.gasUsed)) };
  } finally {
    await conn.close();
  }
}

export async function measureVerifyGas(
  contract: string,
  args: { inputHash: bigint; output: bigint[]; calldata: `0x${string}` },
): Promise<GasResult> {
  const iface = readFileSync(
    join(PACKAGE_ROOT, "..", "contracts", "contracts", "interfaces", "IInferenceVerifier.sol"),
    "utf8",
  );
  const base = contract.replace(/InferenceVerifier$/, "");
  const sources: Record<string, { content: string }> = {
    "contracts/interfaces/IInferenceVerifier.sol": { content: iface },
    [`contracts/verifiers/${base}Groth16Verifier.sol`]: {
      content: readFileSync(join(VERIFIERS_DIR, `${base}Groth16Verifier.sol`), "utf8"),
    },
    [`contracts/verifiers/${contract}.sol`]: { content: readFileSync(join(VERIFIERS_DIR, `${contract}.sol`), "utf8") },
  };
  const art = compileSolidity(sources, `contracts/verifiers/${contract}.sol`, contract);
  const data = encodeFunctionData({
    abi: art.abi,
    functionName: "verifyInference",
    args: [args.inputHash, args.output, args.calldata],
  });
  return deployAndMeasure(art.bytecode.slice(2), data);
}
