import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cidOfMultihash, multihashOfCid } from "../src/multihash.ts";

// A weights CID (CIDv1, raw codec, sha2-256) and its multihash: 0x12 (sha2-256), 0x20 (32 bytes), the digest.
const CID = "bafkreihla7lk6w4dodjupujufzxjbmvdfj4s55iagf2anq3wgdwcrjcyku";

describe("weights multihash", () => {
  it("is 0x1220 + the digest of the CID, and gives the CID back", () => {
    const mh = multihashOfCid(CID);
    assert.match(mh, /^0x1220[0-9a-f]{64}$/);
    assert.equal(cidOfMultihash(mh), CID);
  });
  it("refuses what is not a CIDv1 raw, or not a multihash", () => {
    assert.throws(() => multihashOfCid("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"), /not a CIDv1 in base32/);
    assert.throws(() => multihashOfCid("bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"), /raw codec/);
    assert.throws(() => cidOfMultihash("0x12"), /not a multihash/);
    assert.throws(() => cidOfMultihash("0x1220abcd"), /not a multihash/);
  });
});
