import type { Groth16Proof } from "snarkjs";

/** BN254 scalar field modulus. */
export const FIELD_P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** A signal as a signed integer: values above p/2 are negative (snarkjs returns -v as p - v). */
export const fromField = (v: string | bigint): bigint => {
  const x = BigInt(v) % FIELD_P;
  return x > FIELD_P / 2n ? x - FIELD_P : x;
};

const word = (v: string | bigint): string => {
  const x = BigInt(v);
  if (x < 0n || x >= 1n << 256n) throw new Error(`not a uint256: ${v}`);
  return x.toString(16).padStart(64, "0");
};

/** The proof as the verifier takes it: (a, b, c) with each G2 coordinate pair swapped, as uint256[8]. */
export function proofWords(p: Groth16Proof): bigint[] {
  const g = (xs: readonly string[] | undefined, i: number): bigint => {
    const v = xs?.[i];
    if (v === undefined) throw new Error("malformed proof");
    return BigInt(v);
  };
  return [
    g(p.pi_a, 0),
    g(p.pi_a, 1),
    g(p.pi_b[0], 1),
    g(p.pi_b[0], 0),
    g(p.pi_b[1], 1),
    g(p.pi_b[1], 0),
    g(p.pi_c, 0),
    g(p.pi_c, 1),
  ];
}

/** `proof` bytes for IInferenceVerifier.verifyInference: abi.encode(uint256[8]) (256 bytes). */
export function encodeProofCalldata(p: Groth16Proof): `0x${string}` {
  return `0x${proofWords(p).map(word).join("")}`;
}

/** Inverse of encodeProofCalldata. */
export function decodeProofCalldata(hex: string): Groth16Proof {
  if (!/^0x[0-9a-fA-F]{512}$/.test(hex)) throw new Error("proof calldata must be 256 bytes");
  const w = Array.from({ length: 8 }, (_, i) => BigInt(`0x${hex.slice(2 + 64 * i, 66 + 64 * i)}`).toString());
  return {
    pi_a: [w[0]!, w[1]!, "1"],
    pi_b: [
      [w[3]!, w[2]!],
      [w[5]!, w[4]!],
      ["1", "0"],
    ],
    pi_c: [w[6]!, w[7]!, "1"],
    protocol: "groth16",
    curve: "bn128",
  };
}
