// The input store: buyers' images and audio on disk, each under its CID. Inputs come from strangers, so every
// body is bounded while it streams in (never buffered whole), checked against the media type it claims, written
// to a temporary file and renamed into place only once its hash is known (a reader never sees half a file), and
// the whole store is held under a quota by evicting the least recently used inputs.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readFile, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import path from "node:path";
import { cidFromDigest, isCid, matchesCid } from "@sovra/circuits/io/cid";
import type { Logger } from "../logger.ts";
import {
  acceptedList,
  type InputLimit,
  type InputMediaType,
  inputLimits,
  looksLike,
  normalizeMediaType,
  SNIFF_BYTES,
} from "./media.ts";

/** A refused input, with the HTTP status the gateway answers it with. The message is one line. */
export class InputRefusal extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "InputRefusal";
    this.status = status;
  }
}

export type StoredInput = { cid: string; size: number; mediaType: InputMediaType };

export type PutOptions = {
  /** The body's `Content-Type`; only the types the optimistic models take are accepted. */
  mediaType: string | undefined;
  /** A declared length (`Content-Length`): a body declared too large is refused before any byte is read. */
  declaredBytes?: number;
  /** The CID the client expects (`X-Expected-Cid`): a body hashing to another CID is refused and not kept. */
  expectedCid?: string;
};

export type InputStore = {
  readonly dir: string;
  /** Stores `bytes`; refuses (InputRefusal) a wrong type, an oversized body or an unexpected CID. */
  put(bytes: Uint8Array, options: PutOptions): Promise<StoredInput>;
  /** Stores a body as it streams in, refusing it as soon as it passes its type's limit. */
  putStream(body: AsyncIterable<Uint8Array>, options: PutOptions): Promise<StoredInput>;
  /**
   * The bytes of `cid`, verified against it; undefined when the store does not hold it. A stored file whose
   * bytes no longer match is deleted and refused (throws), never served.
   */
  get(cid: string): Promise<Uint8Array | undefined>;
  /** Bytes held now. */
  usage(): Promise<number>;
};

export type InputStoreOptions = {
  dir: string;
  /** Total bytes the store may hold; older inputs are evicted (least recently used first) to stay under it. */
  maxTotalBytes: number;
  /** Per media type limits; by default those of the optimistic models' descriptors. */
  limits?: Map<InputMediaType, InputLimit>;
  logger?: Logger;
};

type Entry = { cid: string; file: string; size: number; usedAt: number };

const TMP_PREFIX = ".upload-";

export function createInputStore(options: InputStoreOptions): InputStore {
  const { dir, maxTotalBytes, logger } = options;
  const limits = options.limits ?? inputLimits();
  const largest = Math.max(0, ...[...limits.values()].map((l) => l.maxBytes));
  // Commits (evict + rename) run one at a time, so two uploads cannot both count the same free space.
  let commits: Promise<unknown> = Promise.resolve();
  let lastStamp = 0;
  let swept = false;

  async function touch(file: string): Promise<void> {
    // Strictly increasing stamps: two uses in one millisecond still order for eviction.
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    const at = new Date(lastStamp);
    await utimes(file, at, at);
  }

  async function entries(): Promise<Entry[]> {
    const out: Entry[] = [];
    for (const cid of (await readdir(dir)).filter(isCid)) {
      const file = path.join(dir, cid);
      const info = await stat(file).catch(() => undefined);
      if (info?.isFile()) out.push({ cid, file, size: info.size, usedAt: info.mtimeMs });
    }
    return out;
  }

  async function makeRoom(size: number, keep: string): Promise<void> {
    const all = (await entries()).filter((e) => e.cid !== keep).sort((a, b) => a.usedAt - b.usedAt);
    let total = all.reduce((sum, e) => sum + e.size, 0);
    for (const entry of all) {
      if (total + size <= maxTotalBytes) break;
      await rm(entry.file, { force: true });
      total -= entry.size;
      logger?.info({ cid: entry.cid, size: entry.size }, "input store eviction");
    }
  }

  function check(options: PutOptions): { type: InputMediaType; limit: InputLimit } {
    const type = normalizeMediaType(options.mediaType);
    const limit = type === undefined ? undefined : limits.get(type);
    if (type === undefined || limit === undefined)
      throw new InputRefusal(
        415,
        `content type '${options.mediaType ?? "none"}' is not accepted: send ${acceptedList(limits)}`,
      );
    if (options.expectedCid !== undefined && !isCid(options.expectedCid))
      throw new InputRefusal(400, `X-Expected-Cid '${options.expectedCid}' is not a CIDv1 raw sha2-256`);
    if (options.declaredBytes !== undefined && options.declaredBytes > limit.maxBytes) throw tooLarge(type, limit);
    return { type, limit };
  }

  function tooLarge(type: InputMediaType, limit: InputLimit): InputRefusal {
    return new InputRefusal(
      413,
      `input too large: at most ${limit.maxBytes} bytes for ${type} (${limit.models.join(", ")})`,
    );
  }

  /** Temporary files a killed process left behind (an hour old: no live upload takes that long). */
  async function sweepTemporaries(): Promise<void> {
    swept = true;
    for (const name of (await readdir(dir)).filter((n) => n.startsWith(TMP_PREFIX))) {
      const info = await stat(path.join(dir, name)).catch(() => undefined);
      if (info !== undefined && Date.now() - info.mtimeMs > 3_600_000) await rm(path.join(dir, name), { force: true });
    }
  }

  async function putStream(body: AsyncIterable<Uint8Array>, options: PutOptions): Promise<StoredInput> {
    const { type, limit } = check(options);
    await mkdir(dir, { recursive: true });
    if (!swept) await sweepTemporaries();
    const tmp = path.join(dir, `${TMP_PREFIX}${randomBytes(8).toString("hex")}`);
    const handle = await open(tmp, "wx");
    const hash = createHash("sha256");
    let size = 0;
    let head = Buffer.alloc(0);
    let closed = false;
    try {
      for await (const chunk of body) {
        size += chunk.length;
        if (size > limit.maxBytes) throw tooLarge(type, limit);
        if (head.length < SNIFF_BYTES) {
          head = Buffer.concat([head, Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)]);
          if (head.length >= SNIFF_BYTES && !looksLike(type, head)) throw notOfType(type);
        }
        hash.update(chunk);
        await handle.write(chunk);
      }
      if (size === 0) throw new InputRefusal(400, "empty body: send the input's bytes");
      if (!looksLike(type, head)) throw notOfType(type);
      await handle.sync();
      await handle.close();
      closed = true;
      const cid = cidFromDigest(new Uint8Array(hash.digest()));
      if (options.expectedCid !== undefined && options.expectedCid !== cid)
        throw new InputRefusal(409, `body hashes to ${cid}, not the X-Expected-Cid ${options.expectedCid}`);
      if (size > maxTotalBytes)
        throw new InputRefusal(507, `input of ${size} bytes exceeds the store's quota of ${maxTotalBytes} bytes`);
      const commit = commits.then(async () => {
        const file = path.join(dir, cid);
        await makeRoom(size, cid);
        // rename() replaces atomically: a reader sees the old file or the new one, never a partial write.
        await rename(tmp, file);
        await touch(file);
      });
      commits = commit.catch(() => undefined);
      await commit;
      logger?.info({ cid, size, mediaType: type }, "input stored");
      return { cid, size, mediaType: type };
    } finally {
      if (!closed) await handle.close().catch(() => undefined);
      await rm(tmp, { force: true });
    }
  }

  return {
    dir,
    putStream,
    put(bytes, options) {
      return putStream(
        (async function* () {
          yield bytes;
        })(),
        { ...options, declaredBytes: bytes.length },
      );
    },
    async get(cid) {
      if (!isCid(cid)) return undefined;
      const file = path.join(dir, cid);
      const info = await stat(file).catch(() => undefined);
      if (info === undefined || !info.isFile()) return undefined;
      // A file larger than any accepted input was not written by this store: not worth reading to refuse.
      const bytes = info.size > largest ? undefined : new Uint8Array(await readFile(file));
      if (bytes === undefined || !matchesCid(bytes, cid)) {
        await rm(file, { force: true });
        logger?.warn({ cid, file }, "stored input does not match its CID; dropped");
        throw new Error(`stored input ${cid} does not match its CID: dropped`);
      }
      // Evicted between the read and now: the bytes read are still the verified input.
      await touch(file).catch(() => undefined);
      return bytes;
    },
    async usage() {
      await mkdir(dir, { recursive: true });
      return (await entries()).reduce((sum, e) => sum + e.size, 0);
    },
  };
}

function notOfType(type: InputMediaType): InputRefusal {
  return new InputRefusal(415, `body is not ${type === "image/png" ? "a PNG file" : "a WAV file"}`);
}
