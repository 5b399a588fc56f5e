import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { isCid, matchesCid } from "@sovra/circuits/io/cid";
import type { WeightSource } from "../config.ts";
import type { Logger } from "../logger.ts";
import { indexFolder, type FolderIndex } from "./folder.ts";

export type FetchResult = {
  cid: string;
  bytes: Uint8Array;
  /** Where the bytes came from: the local cache (warm) or a source (cold). */
  from: "cache" | "dir" | "http";
  seconds: number;
};

export type WeightStore = {
  /** Bytes for `cid`, verified against it; from the cache, else from the first source that has them. */
  get(cid: string): Promise<FetchResult>;
  /** True when the cache holds `cid` (not verified). */
  has(cid: string): Promise<boolean>;
  /** Fetches every CID into the cache; `onProgress(done, total)` after each. */
  prewarm(cids: string[], onProgress?: (done: number, total: number) => void): Promise<FetchResult[]>;
  /** Bytes held in the cache now. */
  usage(): Promise<number>;
};

export type WeightStoreOptions = {
  cacheDir: string;
  maxBytes: number;
  sources: WeightSource[];
  logger?: Logger;
  /** Per-request timeout for HTTP sources. */
  httpTimeoutMs?: number;
};

type Entry = { cid: string; file: string; size: number; usedAt: number };

/**
 * Content-addressed weight cache. Files are stored under their CID; the file's mtime records its last use,
 * so the least recently used entries are evicted first when a new entry would pass `maxBytes`. Every read,
 * from the cache or a source, is hashed and checked against the CID: a corrupt cache entry is dropped and
 * fetched again, a source that serves wrong bytes is skipped.
 */
export function createWeightStore(options: WeightStoreOptions): WeightStore {
  const { cacheDir, maxBytes, logger } = options;
  const folders = new Map<string, FolderIndex>();
  const inflight = new Map<string, Promise<FetchResult>>();
  // Strictly increasing use stamps, so two uses within one millisecond still order.
  let lastStamp = 0;
  async function touch(file: string): Promise<void> {
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    const at = new Date(lastStamp);
    await utimes(file, at, at);
  }

  async function entries(): Promise<Entry[]> {
    await mkdir(cacheDir, { recursive: true });
    const names = (await readdir(cacheDir)).filter(isCid);
    const out: Entry[] = [];
    for (const cid of names) {
      const file = path.join(cacheDir, cid);
      const info = await stat(file).catch(() => undefined);
      if (info !== undefined) out.push({ cid, file, size: info.size, usedAt: info.mtimeMs });
    }
    return out;
  }

  async function makeRoom(size: number): Promise<void> {
    if (size > maxBytes)
      throw new Error(
        `content of ${size} bytes exceeds the weight cache cap of ${maxBytes} bytes (raise weights.maxBytes)`,
      );
    const all = (await entries()).sort((a, b) => a.usedAt - b.usedAt);
    let total = all.reduce((sum, e) => sum + e.size, 0);
    for (const entry of all) {
      if (total + size <= maxBytes) break;
      await rm(entry.file, { force: true });
      total -= entry.size;
      logger?.info({ cid: entry.cid, size: entry.size }, "weight cache eviction");
    }
  }

  async function fromSources(cid: string): Promise<{ bytes: Uint8Array; from: "dir" | "http" }> {
    const problems: string[] = [];
    for (const source of options.sources) {
      try {
        if (source.kind === "dir") {
          let folder = folders.get(source.path);
          if (folder === undefined) {
            folder = indexFolder(source.path);
            folders.set(source.path, folder);
          }
          const file = await folder.find(cid);
          if (file === undefined) {
            problems.push(`${source.path}: not found`);
            continue;
          }
          const bytes = new Uint8Array(await readFile(file));
          if (!matchesCid(bytes, cid)) {
            problems.push(`${file}: bytes do not match the CID`);
            continue;
          }
          return { bytes, from: "dir" };
        }
        const url = `${source.url.replace(/\/$/, "")}/ipfs/${cid}`;
        const response = await fetch(url, { signal: AbortSignal.timeout(options.httpTimeoutMs ?? 60_000) });
        if (!response.ok) {
          problems.push(`${url}: HTTP ${response.status}`);
          continue;
        }
        const length = Number(response.headers.get("content-length") ?? "0");
        if (length > maxBytes) {
          problems.push(`${url}: ${length} bytes exceeds the cache cap`);
          continue;
        }
        const bytes = new Uint8Array(await response.arrayBuffer());
        if (!matchesCid(bytes, cid)) {
          problems.push(`${url}: bytes do not match the CID`);
          logger?.warn({ cid, url }, "gateway served bytes that do not match the CID; skipped");
          continue;
        }
        return { bytes, from: "http" };
      } catch (error) {
        problems.push(`${source.kind === "dir" ? source.path : source.url}: ${(error as Error).message}`);
      }
    }
    throw new Error(
      `weights ${cid} not available: ${problems.length === 0 ? "no sources configured (weights.sources)" : problems.join("; ")}`,
    );
  }

  async function load(cid: string): Promise<FetchResult> {
    if (!isCid(cid)) throw new Error(`'${cid}' is not a CIDv1 raw sha2-256`);
    const started = performance.now();
    const file = path.join(cacheDir, cid);
    const cached = await readFile(file).catch(() => undefined);
    if (cached !== undefined) {
      const bytes = new Uint8Array(cached);
      if (matchesCid(bytes, cid)) {
        await touch(file);
        return { cid, bytes, from: "cache", seconds: (performance.now() - started) / 1000 };
      }
      logger?.warn({ cid }, "corrupt weight cache entry dropped");
      await rm(file, { force: true });
    }
    const { bytes, from } = await fromSources(cid);
    await makeRoom(bytes.length);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
    await touch(file);
    const result: FetchResult = { cid, bytes, from, seconds: (performance.now() - started) / 1000 };
    logger?.info({ cid, from, size: bytes.length, seconds: result.seconds }, "weights fetched");
    return result;
  }

  return {
    get(cid) {
      const pending = inflight.get(cid);
      if (pending !== undefined) return pending;
      const promise = load(cid).finally(() => inflight.delete(cid));
      inflight.set(cid, promise);
      return promise;
    },
    async has(cid) {
      return (await stat(path.join(cacheDir, cid)).catch(() => undefined)) !== undefined;
    },
    async prewarm(cids, onProgress) {
      const results: FetchResult[] = [];
      for (const cid of cids) {
        results.push(await this.get(cid));
        onProgress?.(results.length, cids.length);
      }
      return results;
    },
    async usage() {
      return (await entries()).reduce((sum, e) => sum + e.size, 0);
    },
  };
}
