// Compiles a model's generated Solidity verifier (its Groth16 verifier + IInferenceVerifier adapter) with solc-js
// 0.8.34 at the contracts package's settings (optimizer 10,000 runs, cancun), so anyone can deploy the verifier of
// a model they compiled, and compare the bytecode of a deployed one. No download: solc is the npm package's wasm.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import type { Abi, Hex } from "viem";
import { modelManifestSchema } from "../prover/manifest.ts";
import { PACKAGE_ROOT } from "../prover/paths.ts";

const require = createRequire(import.meta.url);
interface SolcOutput {
  errors?: Array<{ severity: string; formattedMessage: string }>;
  contracts: Record<
    string,
    Record<string, { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >;
}

/** The repository's verifier interface (the generated adapters import it as ../interfaces/IInferenceVerifier.sol). */
const INTERFACE = join(PACKAGE_ROOT, "..", "contracts", "contracts", "interfaces", "IInferenceVerifier.sol");

export interface CompiledContract {
  abi: Abi;
  bytecode: Hex;
  deployedBytecode: Hex;
}

/** Compiles Solidity sources (path -> content); returns the named contract. Throws with solc's errors. */
export function compileSolidity(
  sources: Record<string, { content: string }>,
  file: string,
  contract: string,
): CompiledContract {
  const solc = require("solc") as { compile(input: string): string };
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources,
        settings: {
          optimizer: { enabled: true, runs: 10_000 },
          evmVersion: "cancun",
          outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
        },
      }),
    ),
  ) as SolcOutput;
  const errs = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errs.length) throw new Error(errs.map((e) => e.formattedMessage).join("\n"));
  const c = out.contracts[file]?.[contract];
  if (c === undefined) throw new Error(`solc produced no contract ${contract} in ${file}`);
  return {
    abi: c.abi,
    bytecode: `0x${c.evm.bytecode.object}`,
    deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
  };
}

/**
 * The `IInferenceVerifier` of the model in `dir`: its two generated sources are read from the folder the manifest
 * names (`verifier.source`, relative to the repository for the shipped models) or else from `dir` itself.
 */
export function compileModelVerifier(dir: string): CompiledContract & { contract: string } {
  const manifestPath = join(dir, "manifest.json");
  if (!existsSync(manifestPath)) throw new Error(`${dir} is not a model directory (no manifest.json)`);
  const manifest = modelManifestSchema.parse(JSON.parse(readFileSync(manifestPath, "utf8")));
  const { contract, groth16Contract, source } = manifest.verifier;
  const candidates = [resolve(PACKAGE_ROOT, "..", source, ".."), resolve(dir)];
  const solDir = candidates.find((d) => existsSync(join(d, `${contract}.sol`)));
  if (solDir === undefined) throw new Error(`${contract}.sol not found in ${candidates.join(" or ")}`);
  const read = (name: string) => ({ content: readFileSync(join(solDir, `${name}.sol`), "utf8") });
  const sources = {
    "contracts/interfaces/IInferenceVerifier.sol": { content: readFileSync(INTERFACE, "utf8") },
    [`contracts/verifiers/${groth16Contract}.sol`]: read(groth16Contract),
    [`contracts/verifiers/${contract}.sol`]: read(contract),
  };
  return { contract, ...compileSolidity(sources, `contracts/verifiers/${contract}.sol`, contract) };
}
