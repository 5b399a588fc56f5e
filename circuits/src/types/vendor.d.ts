// Minimal typings for the untyped JavaScript packages we use (only the calls made in this package).
declare module "circomlibjs" {
  interface PoseidonField {
    toObject(x: Uint8Array): bigint;
  }
  interface Poseidon {
    (inputs: Array<bigint | number>): Uint8Array;
    F: PoseidonField;
  }
  export function buildPoseidon(): Promise<Poseidon>;
}

declare module "circom_runtime" {
  interface WitnessCalculator {
    calculateWitness(input: Record<string, unknown>, sanityCheck?: boolean): Promise<bigint[]>;
    calculateWTNSBin(input: Record<string, unknown>, sanityCheck?: boolean): Promise<Uint8Array>;
  }
  export function WitnessCalculatorBuilder(
    code: Uint8Array,
    options?: { sanityCheck?: boolean },
  ): Promise<WitnessCalculator>;
}

declare module "snarkjs" {
  export interface Groth16Proof {
    pi_a: string[];
    pi_b: string[][];
    pi_c: string[];
    protocol: string;
    curve: string;
  }
  export type MemFile = { type: "mem"; data?: Uint8Array };
  type FileArg = string | MemFile | Uint8Array;
  export const groth16: {
    prove(zkey: FileArg, witness: FileArg, logger?: unknown): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    verify(
      vkey: unknown,
      publicSignals: readonly (string | bigint)[],
      proof: Groth16Proof,
      logger?: unknown,
    ): Promise<boolean>;
    fullProve(
      input: Record<string, unknown>,
      wasm: FileArg,
      zkey: FileArg,
    ): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    exportSolidityCallData(proof: Groth16Proof, publicSignals: readonly string[]): Promise<string>;
  };
  export const plonk: {
    setup(r1cs: FileArg, ptau: FileArg, zkey: FileArg, logger?: unknown): Promise<unknown>;
    prove(zkey: FileArg, witness: FileArg): Promise<{ proof: unknown; publicSignals: string[] }>;
    verify(vkey: unknown, publicSignals: readonly string[], proof: unknown): Promise<boolean>;
    exportSolidityCallData(proof: unknown, publicSignals: readonly string[]): Promise<string>;
  };
  export const fflonk: {
    setup(r1cs: FileArg, ptau: FileArg, zkey: FileArg, logger?: unknown): Promise<unknown>;
    prove(zkey: FileArg, witness: FileArg): Promise<{ proof: unknown; publicSignals: string[] }>;
    verify(vkey: unknown, publicSignals: readonly string[], proof: unknown): Promise<boolean>;
    exportSolidityCallData(publicSignals: readonly string[], proof: unknown): Promise<string>;
  };
  export const wtns: {
    calculate(input: Record<string, unknown>, wasm: FileArg, wtns: FileArg): Promise<void>;
  };
  export const zKey: {
    newZKey(r1cs: FileArg, ptau: FileArg, zkey: FileArg, logger?: unknown): Promise<unknown>;
    beacon(
      zkeyOld: FileArg,
      zkeyNew: FileArg,
      name: string,
      beaconHash: string,
      numIterationsExp: number,
      logger?: unknown,
    ): Promise<unknown>;
    exportVerificationKey(zkey: FileArg, logger?: unknown): Promise<Record<string, unknown>>;
    exportSolidityVerifier(zkey: FileArg, templates: Record<string, string>, logger?: unknown): Promise<string>;
  };
  export const powersOfTau: {
    preparePhase2(oldPtau: FileArg, newPtau: FileArg, logger?: unknown): Promise<unknown>;
  };
  export const r1cs: {
    info(
      r1cs: FileArg,
      logger?: unknown,
    ): Promise<{ nConstraints: number; nVars: number; nOutputs: number; nPubInputs: number; nPrvInputs: number }>;
  };
}

declare module "mnist" {
  interface Digit {
    raw: number[];
    length: number;
    get(i: number): number[];
  }
  const mnist: Digit[];
  export default mnist;
}

// ffjavascript keeps the multi-threaded BN254 curve (and its worker threads) in this global.
declare var curve_bn128: { terminate(): Promise<void> } | null;

declare module "wasmcurves" {
  /** adds the bn128 curve code (fields, G1, G2, FFT, pairing) to a wasmbuilder module */
  export function buildBn128(moduleBuilder: unknown): void;
}

declare module "wasmbuilder" {
  export class ModuleBuilder {
    setMemory(pages: number): void;
    build(): Uint8Array;
    modules: { bn128: { pG1gen: number; pG2gen: number } };
  }
}
