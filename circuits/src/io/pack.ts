// Output packing agreed with the contract team: value v is stored as v + 2^(B-1) in a B-bit lane, lane 0
// least significant, floor(253/B) lanes per field element, elements in order.

export const lanesPerField = (laneBits: number): number => {
  if (!Number.isInteger(laneBits) || laneBits < 1 || laneBits > 253) throw new Error(`bad lane width ${laneBits}`);
  return Math.floor(253 / laneBits);
};

export const packedLength = (count: number, laneBits: number): number => Math.ceil(count / lanesPerField(laneBits));

export function packOutput(values: readonly number[], laneBits: number): bigint[] {
  const L = lanesPerField(laneBits);
  const off = 1n << BigInt(laneBits - 1);
  const out: bigint[] = [];
  for (let f = 0; f * L < values.length; f++) {
    let p = 0n;
    for (let l = 0; l < L && f * L + l < values.length; l++) {
      const v = BigInt(values[f * L + l]!);
      const u = v + off;
      if (u < 0n || u >= 2n * off) throw new Error(`output value ${v} does not fit a ${laneBits}-bit lane`);
      p |= u << BigInt(laneBits * l);
    }
    out.push(p);
  }
  return out;
}

export function unpackOutput(packed: readonly bigint[], count: number, laneBits: number): number[] {
  const L = lanesPerField(laneBits);
  if (packed.length !== packedLength(count, laneBits))
    throw new Error(`expected ${packedLength(count, laneBits)} packed elements, got ${packed.length}`);
  const off = 1n << BigInt(laneBits - 1);
  const mask = (1n << BigInt(laneBits)) - 1n;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const f = packed[Math.floor(i / L)]!;
    const u = (f >> BigInt(laneBits * (i % L))) & mask;
    out.push(Number(u - off));
  }
  // lanes beyond `count` and bits above the last lane must be zero: reject anything else
  packed.forEach((f, k) => {
    const used = Math.min(L, count - k * L);
    if (f >> BigInt(laneBits * used) !== 0n) throw new Error(`packed element ${k} has bits beyond its ${used} lanes`);
  });
  return out;
}
