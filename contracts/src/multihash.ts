// Weights CIDs as the model registry stores them: the CID's multihash (hash code, digest length, digest), bytes
// rather than a free string, so the chain can check their form. A weights CID is a CIDv1 with the `raw` codec
// (`@sovra/circuits/io/cid`), so the multihash alone gives the CID back. Browser-safe (no node: imports).
import { base32 } from "multiformats/bases/base32";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import * as Digest from "multiformats/hashes/digest";
import { bytesToHex, type Hex, hexToBytes } from "viem";

/** The multihash of a CIDv1 raw weights CID (`0x1220` + the sha2-256 digest), as `registerModel` takes it. */
export function multihashOfCid(cid: string): Hex {
  let parsed: CID;
  try {
    parsed = CID.parse(cid, base32);
  } catch {
    throw new Error(`'${cid}' is not a CIDv1 in base32 ('b...')`);
  }
  if (parsed.version !== 1 || parsed.code !== raw.code) throw new Error(`'${cid}' is not a CIDv1 with the raw codec`);
  return bytesToHex(parsed.multihash.bytes);
}

/** The weights CID (CIDv1 raw, base32) of a multihash read from the registry; throws on a malformed one. */
export function cidOfMultihash(multihash: Hex | Uint8Array): string {
  const bytes = typeof multihash === "string" ? hexToBytes(multihash) : multihash;
  let digest: ReturnType<typeof Digest.decode>;
  try {
    digest = Digest.decode(bytes);
  } catch {
    throw new Error(`not a multihash: ${typeof multihash === "string" ? multihash : bytesToHex(multihash)}`);
  }
  return CID.createV1(raw.code, digest).toString(base32);
}
