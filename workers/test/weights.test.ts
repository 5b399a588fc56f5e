import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cidOf } from "@sovra/circuits/io/cid";
import { startGateway, type Gateway } from "../src/weights/gateway.ts";
import { createWeightStore } from "../src/weights/store.ts";

const root = mkdtempSync(path.join(os.tmpdir(), "sovra-weights-"));
const served = path.join(root, "served");
mkdirSync(path.join(served, "nested"), { recursive: true });
const blob = (seed: number, size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff);
const files = [blob(1, 1000), blob(2, 1000), blob(3, 1000)];
for (const [i, bytes] of files.entries())
  writeFileSync(path.join(served, i === 2 ? "nested" : "", `model-${i}.onnx`), bytes);
const cids = files.map(cidOf);

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({ dir: served });
});
afterAll(async () => {
  await gateway.close();
});

describe("gateway", () => {
  it("serves a folder's files by CID and 404s unknown CIDs", async () => {
    const response = await fetch(`${gateway.url}/ipfs/${cids[2]}`);
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(files[2]);
    expect((await fetch(`${gateway.url}/ipfs/${cidOf(new Uint8Array([9]))}`)).status).toBe(404);
    expect((await fetch(`${gateway.url}/ipfs/not-a-cid`)).status).toBe(404);
  });
});

describe("weight store", () => {
  it("fetches cold from the gateway, then warm from the cache, verified each time", async () => {
    const store = createWeightStore({
      cacheDir: path.join(root, "cache1"),
      maxBytes: 10_000,
      sources: [{ kind: "http", url: gateway.url }],
    });
    const cold = await store.get(cids[0] as string);
    expect(cold.from).toBe("http");
    expect(cold.bytes).toEqual(files[0]);
    const warm = await store.get(cids[0] as string);
    expect(warm.from).toBe("cache");
    // A corrupted cache entry is detected, dropped and fetched again.
    writeFileSync(path.join(root, "cache1", cids[0] as string), blob(9, 1000));
    const again = await store.get(cids[0] as string);
    expect(again.from).toBe("http");
    expect(again.bytes).toEqual(files[0]);
  });

  it("skips a source whose bytes do not match the CID", async () => {
    const liar = path.join(root, "liar");
    mkdirSync(liar, { recursive: true });
    const store = createWeightStore({
      cacheDir: path.join(root, "cache2"),
      maxBytes: 10_000,
      sources: [
        { kind: "http", url: `${gateway.url}/nowhere` },
        { kind: "dir", path: liar },
        { kind: "dir", path: served },
      ],
    });
    const result = await store.get(cids[1] as string);
    expect(result.from).toBe("dir");
    expect(result.bytes).toEqual(files[1]);
    await expect(store.get(cidOf(new Uint8Array([7, 7])))).rejects.toThrow(/not available/);
  });

  it("evicts the least recently used entries to stay under the cap", async () => {
    const cacheDir = path.join(root, "cache3");
    const store = createWeightStore({ cacheDir, maxBytes: 2500, sources: [{ kind: "http", url: gateway.url }] });
    await store.prewarm([cids[0] as string, cids[1] as string]);
    await store.get(cids[0] as string); // 0 is now more recent than 1
    await store.get(cids[2] as string); // needs room: evicts 1
    expect(readdirSync(cacheDir).sort()).toEqual([cids[0], cids[2]].sort());
    expect(await store.usage()).toBe(2000);
    const tiny = createWeightStore({
      cacheDir: path.join(root, "cache4"),
      maxBytes: 500,
      sources: [{ kind: "http", url: gateway.url }],
    });
    await expect(tiny.get(cids[0] as string)).rejects.toThrow(/cache cap/);
  });
});
