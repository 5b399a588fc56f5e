// BN254 scalar field arithmetic in BigInt: the scalars (powers of tau, Lagrange basis values at tau) that the
// known-tau powers of tau multiplies the generators by. Millions of values at 2^17, a few seconds: the curve
// multiplications (fixed-base.ts) dominate by far.

/** BN254 scalar field modulus r (snarkjs's bn128 Fr). */
export const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** BN254 base field modulus q (the ptau header records it). */
export const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

export const mod = (a: bigint): bigint => {
  const m = a % R;
  return m < 0n ? m + R : m;
};
export const mul = (a: bigint, b: bigint): bigint => (a * b) % R;

export function pow(base: bigint, e: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let k = e;
  while (k > 0n) {
    if (k & 1n) result = (result * b) % R;
    b = (b * b) % R;
    k >>= 1n;
  }
  return result;
}

export const inv = (a: bigint): bigint => {
  if (mod(a) === 0n) throw new Error("inverse of 0");
  return pow(a, R - 2n);
};

/** Inverses of all values with one field inversion (Montgomery's trick). */
export function batchInv(xs: bigint[]): bigint[] {
  const n = xs.length;
  const prefix = new Array<bigint>(n);
  let acc = 1n;
  for (let i = 0; i < n; i++) {
    prefix[i] = acc;
    acc = (acc * xs[i]!) % R;
  }
  let invAcc = inv(acc);
  const out = new Array<bigint>(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = (invAcc * prefix[i]!) % R;
    invAcc = (invAcc * xs[i]!) % R;
  }
  return out;
}

// r - 1 = 2^S * T; the 2^k-th root of unity is nqr^T squared (S - k) times, as ffjavascript builds Fr.w[k]
// (nqr: the smallest quadratic non-residue), so our Lagrange basis is the one snarkjs's FFT uses.
const { S, T } = (() => {
  let s = 0;
  let t = R - 1n;
  while ((t & 1n) === 0n) {
    s++;
    t >>= 1n;
  }
  return { S: s, T: t };
})();
const NQR = (() => {
  let n = 2n;
  while (pow(n, (R - 1n) / 2n) !== R - 1n) n++;
  return n;
})();

/** Primitive 2^k-th root of unity (k <= 28). */
export function rootOfUnity(k: number): bigint {
  if (k > S) throw new Error(`no 2^${k}-th root of unity in Fr`);
  let w = pow(NQR, T);
  for (let i = S; i > k; i--) w = (w * w) % R;
  return w;
}

/** 32-byte little-endian (standard, not Montgomery) form: what the wasm scalar multiplication reads. */
export function writeScalar(out: Uint8Array, offset: number, v: bigint): void {
  let x = v;
  for (let i = 0; i < 32; i++) {
    out[offset + i] = Number(x & 0xffn);
    x >>= 8n;
  }
}
