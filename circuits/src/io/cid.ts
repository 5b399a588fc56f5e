// Content ids of model weights and benchmark reports: CIDv1, `raw` codec (0x55), sha2-256 multihash, base32
// multibase (lowercase, no padding, prefix "b"). The one place in the project that makes or reads a CID: the
// encoding comes from `multiformats` (the reference implementation IPFS uses), so our CIDs are the ones IPFS
// tools give for the same bytes. A light entry point (`@sovra/circuits/io/cid`): it loads no prover.
import { createHash } from "node:crypto";
import { base32 } from "multiformats/bases/base32";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import * as Digest from "multiformats/hashes/digest";
import { sha256 as sha2_256 } from "multiformats/hashes/sha2";

const DIGEST_BYTES = 32;

/** sha2-256 digest of `bytes`. Node's hash directly: multiformats' hasher is typed as possibly asynchronous. */
export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(bytes).digest());
}

/** CIDv1 (`raw` codec, sha2-256, base32 multibase `b...`) of a 32-byte sha2-256 digest. */
export function cidFromDigest(digest: Uint8Array): string {
  if (digest.length !== DIGEST_BYTES) throw new Error("a sha2-256 digest has 32 bytes");
  return CID.createV1(raw.code, Digest.create(sha2_256.code, digest)).toString(base32);
}

/** CIDv1 raw sha2-256 of `bytes`: the address of a weights file or a benchmark report. */
export function cidOf(bytes: Uint8Array): string {
  return cidFromDigest(sha256(bytes));
}

/** Weights CID of a model file (`manifest.json`'s `weightsCid`): the same as `cidOf`. */
export function weightsCid(bytes: Uint8Array): string {
  return cidOf(bytes);
}

/** The sha2-256 digest inside a CIDv1 raw sha2-256 CID; throws on anything else. */
export function digestOfCid(cid: string): Uint8Array {
  if (!cid.startsWith(base32.prefix)) throw new Error(`unsupported CID '${cid}': expected CIDv1 base32 ('b...')`);
  let parsed: CID;
  try {
    parsed = CID.parse(cid, base32);
  } catch {
    throw new Error(`unsupported CID '${cid}': not valid base32`);
  }
  const { multihash } = parsed;
  if (
    parsed.version !== 1 ||
    parsed.code !== raw.code ||
    multihash.code !== sha2_256.code ||
    multihash.size !== DIGEST_BYTES
  ) {
    throw new Error(`unsupported CID '${cid}': expected CIDv1 raw sha2-256`);
  }
  return multihash.digest.slice();
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

/** True when `bytes` hash to `cid` (throws when `cid` is not a CIDv1 raw sha2-256). */
export function matchesCid(bytes: Uint8Array, cid: string): boolean {
  return Buffer.from(sha256(bytes)).equals(Buffer.from(digestOfCid(cid)));
}
