// Input hash: the uint8 input is packed little-endian, 31 bytes per field element
// (e_j = sum_i x[31j+i] * 256^i), then s = n_bytes; for each chunk of up to 15 elements
// s = Poseidon([s, ...chunk]); the hash is s. circomlib's Poseidon(n) and circomlibjs compute the same.
import { buildPoseidon } from "circomlibjs";

export const BYTES_PER_FIELD = 31;
export const CHUNK = 15;

type Poseidon = Awaited<ReturnType<typeof buildPoseidon>>;
let poseidonP: Promise<Poseidon> | undefined;
const getPoseidon = (): Promise<Poseidon> => (poseidonP ??= buildPoseidon());

export function packBytes(bytes: ArrayLike<number>): bigint[] {
  const out: bigint[] = [];
  for (let j = 0; j * BYTES_PER_FIELD < bytes.length; j++) {
    let e = 0n;
    for (let i = BYTES_PER_FIELD - 1; i >= 0; i--) {
      const k = j * BYTES_PER_FIELD + i;
      const b = k < bytes.length ? bytes[k]! : 0;
      if (!Number.isInteger(b) || b < 0 || b > 255) throw new Error(`input byte ${k} = ${b} is not in [0, 255]`);
      e = (e << 8n) | BigInt(b);
    }
    out.push(e);
  }
  return out;
}

/** Poseidon hash of a byte string (e.g. uint8 pixels), as the circuit computes it. */
export async function hashBytes(bytes: ArrayLike<number>): Promise<bigint> {
  const poseidon = await getPoseidon();
  const e = packBytes(bytes);
  let s = BigInt(bytes.length);
  for (let c = 0; c * CHUNK < e.length; c++) {
    s = poseidon.F.toObject(poseidon([s, ...e.slice(c * CHUNK, (c + 1) * CHUNK)]));
  }
  return s;
}
