// CIDv1, raw codec (0x55), sha2-256 multihash, multibase base32 (lowercase, no padding, prefix 'b').
import { createHash } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Weights CID of a model file: CIDv1(raw, sha2-256(bytes)) as a base32 'b...' string. */
export function weightsCid(bytes: Uint8Array): string {
  const digest = createHash('sha256').update(bytes).digest();
  // version 1, codec raw 0x55, multihash: sha2-256 (0x12), length 32
  const cid = new Uint8Array([0x01, 0x55, 0x12, 0x20, ...digest]);
  return `b${base32(cid)}`;
}
