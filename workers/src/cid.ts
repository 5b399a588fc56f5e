import { createHash } from "node:crypto";

/** multicodec `raw` */
const RAW = 0x55;
/** multihash `sha2-256` */
const SHA2_256 = 0x12;
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** sha2-256 digest of `bytes`. */
export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(bytes).digest());
}

function base32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

function unbase32(text: string): Uint8Array {
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    const value = BASE32.indexOf(char);
    if (value < 0) throw new Error(`invalid base32 character '${char}'`);
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

/** CIDv1 (`raw` codec, sha2-256, base32 multibase `b...`) of a 32-byte sha2-256 digest. */
export function cidFromDigest(digest: Uint8Array): string {
  if (digest.length !== 32) throw new Error("a sha2-256 digest has 32 bytes");
  return `b${base32(Uint8Array.of(0x01, RAW, SHA2_256, 32, ...digest))}`;
}

/** CIDv1 raw sha2-256 of `bytes`: the address of a weights file or a benchmark report. */
export function cidOf(bytes: Uint8Array): string {
  return cidFromDigest(sha256(bytes));
}

/** The sha2-256 digest inside a CIDv1 raw sha2-256 CID; throws on anything else. */
export function digestOfCid(cid: string): Uint8Array {
  if (!cid.startsWith("b")) throw new Error(`unsupported CID '${cid}': expected CIDv1 base32 ('b...')`);
  const bytes = unbase32(cid.slice(1));
  if (bytes.length !== 36 || bytes[0] !== 0x01 || bytes[1] !== RAW || bytes[2] !== SHA2_256 || bytes[3] !== 32) {
    throw new Error(`unsupported CID '${cid}': expected CIDv1 raw sha2-256`);
  }
  return bytes.slice(4);
}

/** True when `cid` is a well-formed CIDv1 raw sha2-256. */
export function isCid(cid: string): boolean {
  try {
    digestOfCid(cid);
    return true;
  } catch {
    return false;
  }
}

/** True when `bytes` hash to `cid`. */
export function matchesCid(bytes: Uint8Array, cid: string): boolean {
  return Buffer.from(sha256(bytes)).equals(Buffer.from(digestOfCid(cid)));
}
