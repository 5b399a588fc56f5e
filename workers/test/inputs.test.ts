// Inputs by content hash: the input store, the gateway's POST /ipfs, the upload/fetch client and the inputRef
// format, on real HTTP servers (ports 9150-9159) and real files.
import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import os from "node:os";
import path from "node:path";
import { cidOf } from "@sovra/circuits/io/cid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchInput, uploadInput } from "../src/inputs/client.ts";
import { inputLimits } from "../src/inputs/media.ts";
import { createTokenBuckets } from "../src/inputs/rate-limit.ts";
import { checkCidInputRef, decodeCidInputRef, encodeCidInputRef, inputHashOfCid } from "../src/inputs/ref.ts";
import { createInputStore, InputRefusal } from "../src/inputs/store.ts";
import { inputCommitment } from "../src/optimistic/canonical.ts";
import { MAX_IMAGE_BYTES } from "../src/optimistic/image-input.ts";
import { encodeWav } from "../src/optimistic/wav.ts";
import { encodeGrayPng } from "../src/testing/png.ts";
import { type Gateway, startGateway } from "../src/weights/gateway.ts";

const PORTS = { honest: 9150, small: 9151, liar: 9152, limited: 9153, silent: 9155, unused: 9159 };
const BN254_R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

const root = mkdtempSync(path.join(os.tmpdir(), "sovra-inputs-"));
const weightsDir = path.join(root, "weights");
mkdirSync(weightsDir);
const weight = Uint8Array.from({ length: 500 }, (_, i) => (i * 7) & 0xff);
writeFileSync(path.join(weightsDir, "model.onnx"), weight);

const png = (seed: number, side = 16) =>
  encodeGrayPng(
    side,
    side,
    Uint8Array.from({ length: side * side }, (_, i) => (i * seed) & 0xff),
  );
const wav = encodeWav(Array.from({ length: 1600 }, (_, i) => Math.sin(i / 5) * 0.5));
const oneLine = (error: unknown) => {
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).not.toContain("\n");
  return (error as Error).message;
};
const thrown = (call: () => unknown): string => {
  try {
    call();
  } catch (error) {
    return oneLine(error);
  }
  throw new Error("expected a refusal");
};
const rejection = async (promise: Promise<unknown>) =>
  oneLine(
    await promise.then(
      () => undefined,
      (e: unknown) => e,
    ),
  );

let honest: Gateway;
let small: Gateway;
let limited: Gateway;
let liar: Server;
let silent: Server;
const honestDir = path.join(root, "honest-inputs");
const smallDir = path.join(root, "small-inputs");

beforeAll(async () => {
  honest = await startGateway({
    dir: weightsDir,
    port: PORTS.honest,
    inputs: { store: createInputStore({ dir: honestDir, maxTotalBytes: 64 * 1024 * 1024 }) },
  });
  small = await startGateway({
    dir: weightsDir,
    port: PORTS.small,
    inputs: {
      store: createInputStore({
        dir: smallDir,
        maxTotalBytes: 1024 * 1024,
        limits: new Map([["image/png", { maxBytes: 4096, models: ["ocr"] }]]),
      }),
    },
  });
  limited = await startGateway({
    dir: weightsDir,
    port: PORTS.limited,
    inputs: {
      store: createInputStore({ dir: path.join(root, "limited-inputs"), maxTotalBytes: 1024 * 1024 }),
      rateLimit: { capacity: 2, refillPerSecond: 0.0001 },
    },
  });
  // A gateway that answers every CID with bytes of its own choosing.
  const other = png(99);
  liar = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "image/png", "content-length": other.length });
    response.end(other);
  });
  await new Promise<void>((resolve) => liar.listen(PORTS.liar, "127.0.0.1", resolve));
  // A gateway that accepts connections and never answers.
  silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(PORTS.silent, "127.0.0.1", resolve));
});

afterAll(async () => {
  await Promise.all([honest?.close(), small?.close(), limited?.close()]);
  silent?.closeAllConnections();
  await Promise.all(
    [liar, silent].map(
      (server) => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
    ),
  );
});

describe("upload and fetch", () => {
  it("round-trips a PNG and a WAV by CID, with the bid's commitment", async () => {
    const image = png(3);
    const uploaded = await uploadInput(honest.url, image, "image/png");
    expect(uploaded.cid).toBe(cidOf(image));
    expect(uploaded.commitment).toBe(inputCommitment(image).commitment);
    expect(uploaded.inputHash).toBe(BigInt(uploaded.commitment));
    expect(uploaded.inputHash < BN254_R).toBe(true);
    expect(readdirSync(honestDir)).toContain(uploaded.cid);

    const fetched = await fetchInput([honest.url], uploaded.cid, { maxBytes: MAX_IMAGE_BYTES, timeoutMs: 10_000 });
    expect(Buffer.from(fetched.bytes).equals(image)).toBe(true);
    expect(fetched.url).toBe(`${honest.url}/ipfs/${uploaded.cid}`);
    expect(fetched.skipped).toEqual([]);
    const response = await fetch(`${honest.url}/ipfs/${uploaded.cid}`);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(response.headers.get("access-control-allow-origin")).toBe("*");

    // Browsers label WAV files audio/x-wav as often as audio/wav.
    const audio = await uploadInput(`${honest.url}/`, wav, "audio/x-wav");
    const back = await fetchInput([honest.url], audio.cid, { maxBytes: 1_000_000, timeoutMs: 10_000 });
    expect(Buffer.from(back.bytes).equals(wav)).toBe(true);
    // The weights folder is still served beside the inputs.
    expect(new Uint8Array(await (await fetch(`${honest.url}/ipfs/${cidOf(weight)}`)).arrayBuffer())).toEqual(weight);
  });

  it("answers a browser's preflight for uploads", async () => {
    const response = await fetch(`${honest.url}/ipfs`, { method: "OPTIONS" });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-headers")).toContain("x-expected-cid");
  });

  it("skips a gateway that serves other bytes for an honest one, and says why none worked", async () => {
    const image = png(5);
    const { cid } = await uploadInput(honest.url, image, "image/png");
    const liarUrl = `http://127.0.0.1:${PORTS.liar}`;
    const fetched = await fetchInput([liarUrl, honest.url], cid, { maxBytes: MAX_IMAGE_BYTES, timeoutMs: 10_000 });
    expect(Buffer.from(fetched.bytes).equals(image)).toBe(true);
    expect(fetched.skipped).toEqual([
      { url: `${liarUrl}/ipfs/${cid}`, reason: "served bytes that do not match the CID" },
    ]);

    const message = await rejection(
      fetchInput([liarUrl, `http://127.0.0.1:${PORTS.unused}`], cid, { maxBytes: MAX_IMAGE_BYTES, timeoutMs: 10_000 }),
    );
    expect(message).toMatch(new RegExp(`^input ${cid} not available: `));
    expect(message).toContain(`${liarUrl}/ipfs/${cid}: served bytes that do not match the CID`);
    expect(message).toContain(`127.0.0.1:${PORTS.unused}/ipfs/${cid}: fetch failed`);
    expect(await rejection(fetchInput([], cid, { maxBytes: 1, timeoutMs: 1000 }))).toMatch(/no gateway URL given/);
  });

  it("moves on from a gateway that never answers once its time is up", async () => {
    const image = png(9);
    const { cid } = await uploadInput(honest.url, image, "image/png");
    const silentUrl = `http://127.0.0.1:${PORTS.silent}`;
    const fetched = await fetchInput([silentUrl, honest.url], cid, { maxBytes: MAX_IMAGE_BYTES, timeoutMs: 3000 });
    expect(Buffer.from(fetched.bytes).equals(image)).toBe(true);
    expect(fetched.skipped).toEqual([{ url: `${silentUrl}/ipfs/${cid}`, reason: "timed out" }]);
  });

  it("refuses a body larger than the caller accepts", async () => {
    const image = png(6, 64);
    const { cid } = await uploadInput(honest.url, image, "image/png");
    const message = await rejection(fetchInput([honest.url], cid, { maxBytes: 100, timeoutMs: 10_000 }));
    expect(message).toContain(`${image.length} bytes, more than the 100 accepted`);
  });
});

describe("input store", () => {
  it("refuses and drops a stored file whose bytes were changed", async () => {
    const image = png(7);
    const { cid } = await uploadInput(honest.url, image, "image/png");
    writeFileSync(path.join(honestDir, cid), png(8));
    const store = createInputStore({ dir: honestDir, maxTotalBytes: 64 * 1024 * 1024 });
    expect(await rejection(store.get(cid))).toBe(`stored input ${cid} does not match its CID: dropped`);
    expect(readdirSync(honestDir)).not.toContain(cid);
    expect(await store.get(cid)).toBeUndefined();

    // Through the gateway, a tampered copy is never served.
    await uploadInput(honest.url, image, "image/png");
    writeFileSync(path.join(honestDir, cid), png(8));
    expect((await fetch(`${honest.url}/ipfs/${cid}`)).status).toBe(404);
    const message = await rejection(fetchInput([honest.url], cid, { maxBytes: MAX_IMAGE_BYTES, timeoutMs: 10_000 }));
    expect(message).toContain("HTTP 404");
  });

  it("evicts the least recently used inputs to stay under its quota", async () => {
    const dir = path.join(root, "quota");
    // WAVs of one length: every input the same size, so the quota holds exactly three.
    const images = [11, 12, 13, 14].map((f) => encodeWav(Array.from({ length: 800 }, (_, i) => Math.sin(i / f))));
    const size = 44 + 800 * 2;
    const store = createInputStore({ dir, maxTotalBytes: 3 * size });
    const [a, b, c, d] = await Promise.all(
      images.map((bytes) => store.put(bytes, { mediaType: "audio/wav" }).then((s) => s.cid)),
    );
    // All four arrived together: only three fit, so one of them is gone already.
    expect(readdirSync(dir).length).toBe(3);
    for (const bytes of images) await store.put(bytes, { mediaType: "audio/wav" });
    // Re-put in order a, b, c, d: a is now the least recently used.
    expect(readdirSync(dir).sort()).toEqual([b, c, d].sort());
    expect(await store.get(b as string)).toBeDefined(); // b used: c is now the oldest
    await store.put(images[0] as Uint8Array, { mediaType: "audio/wav" });
    expect(readdirSync(dir).sort()).toEqual([a, b, d].sort());
    expect(await store.usage()).toBe(3 * size);
    expect(c).toBe(cidOf(images[2] as Uint8Array));

    const tiny = createInputStore({ dir: path.join(root, "tiny"), maxTotalBytes: 10 });
    const refused = await tiny.put(png(15), { mediaType: "image/png" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InputRefusal);
    expect((refused as InputRefusal).status).toBe(507);
    expect(readdirSync(path.join(root, "tiny"))).toEqual([]);
  });

  it("takes its limits from the model descriptors", () => {
    const limits = inputLimits();
    expect(limits.get("image/png")).toEqual({ maxBytes: MAX_IMAGE_BYTES, models: ["ocr"] });
    expect(limits.get("audio/wav")?.models).toEqual(["vad"]);
    expect(limits.get("audio/wav")?.maxBytes).toBeGreaterThan(600 * 16_000 * 2);
  });
});

describe("refusals on upload", () => {
  it("refuses an oversized upload with one line, before reading it when its length is declared", async () => {
    const body = new Uint8Array(MAX_IMAGE_BYTES + 1);
    body.set(png(1).subarray(0, 16));
    const message = await rejection(uploadInput(honest.url, body, "image/png"));
    expect(message).toBe(
      `gateway ${honest.url}/ipfs refused the input (HTTP 413): input too large: at most ${MAX_IMAGE_BYTES} bytes for image/png (ocr)`,
    );
    expect(readdirSync(honestDir).filter((f) => f.startsWith("."))).toEqual([]);
  });

  it("refuses a streamed body as soon as it passes the limit, keeping nothing", async () => {
    const head = png(2);
    let sent = 0;
    let answered = false;
    const chunk = new Uint8Array(1024);
    // A body without a length that never ends until the gateway has answered: only a refusal made while
    // streaming can end this test.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (answered) return controller.close();
        controller.enqueue(sent === 0 ? head : chunk);
        sent += sent === 0 ? head.length : chunk.length;
      },
    });
    const response = await fetch(`${small.url}/ipfs`, {
      method: "POST",
      headers: { "content-type": "image/png" },
      body,
      duplex: "half",
    } as RequestInit);
    answered = true;
    expect(response.status).toBe(413);
    expect(await response.text()).toBe("input too large: at most 4096 bytes for image/png (ocr)\n");
    expect(readdirSync(smallDir)).toEqual([]);
  });

  it("clears temporary files a killed upload left behind", async () => {
    const dir = path.join(root, "leftovers");
    mkdirSync(dir);
    const stale = path.join(dir, ".upload-0123456789abcdef");
    writeFileSync(stale, "partial");
    const old = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(stale, old, old);
    const store = createInputStore({ dir, maxTotalBytes: 1024 * 1024 });
    const { cid } = await store.put(png(10), { mediaType: "image/png" });
    expect(readdirSync(dir)).toEqual([cid]);
  });

  it("refuses wrong types, bodies that are not what they claim, and an unexpected CID", async () => {
    expect(await rejection(uploadInput(honest.url, png(4), "image/jpeg"))).toMatch(
      /\(HTTP 415\): content type 'image\/jpeg' is not accepted: send image\/png \(ocr\) or audio\/wav \(vad\)$/,
    );
    expect(await rejection(uploadInput(honest.url, wav, "image/png"))).toMatch(/\(HTTP 415\): body is not a PNG file$/);
    expect(await rejection(uploadInput(honest.url, png(4), "audio/wav"))).toMatch(
      /\(HTTP 415\): body is not a WAV file$/,
    );
    const image = png(4);
    const response = await fetch(`${honest.url}/ipfs`, {
      method: "POST",
      headers: { "content-type": "image/png", "x-expected-cid": cidOf(png(5)) },
      body: image,
    });
    expect(response.status).toBe(409);
    expect(await response.text()).toBe(`body hashes to ${cidOf(image)}, not the X-Expected-Cid ${cidOf(png(5))}\n`);
    expect(readdirSync(honestDir)).not.toContain(cidOf(image));
    const empty = await fetch(`${honest.url}/ipfs`, { method: "POST", headers: { "content-type": "image/png" } });
    expect(empty.status).toBe(400);
  });

  it("rate-limits uploads per client address", async () => {
    await uploadInput(limited.url, png(21), "image/png");
    await uploadInput(limited.url, png(22), "image/png");
    const response = await fetch(`${limited.url}/ipfs`, {
      method: "POST",
      headers: { "content-type": "image/png" },
      body: png(23),
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await response.text()).toMatch(/^too many uploads from 127\.0\.0\.1: retry in \d+ s\n$/);
    // Fetching is not rate-limited.
    expect((await fetch(`${limited.url}/ipfs/${cidOf(png(21))}`)).status).toBe(200);
  });

  it("refills a client's bucket with time, and keeps clients apart", () => {
    let now = 0;
    const buckets = createTokenBuckets({ capacity: 2, refillPerSecond: 0.5 }, () => now);
    expect(buckets.take("a").ok).toBe(true);
    expect(buckets.take("a").ok).toBe(true);
    expect(buckets.take("a")).toEqual({ ok: false, retryAfterSeconds: 2 });
    expect(buckets.take("b").ok).toBe(true);
    now = 2000;
    expect(buckets.take("a").ok).toBe(true);
    expect(buckets.take("a").ok).toBe(false);
  });
});

describe("inputRef", () => {
  const cid = cidOf(png(31));
  const urls = ["http://127.0.0.1:9150", "https://inputs.example/gw"];
  const ref = { cid, mediaType: "image/png" as const, urls };

  it("round-trips, stays small, and matches the bid's inputHash", () => {
    const encoded = encodeCidInputRef(ref);
    expect((encoded.length - 2) / 2).toBe(34 + urls.reduce((sum, url) => sum + 1 + url.length, 0));
    expect(decodeCidInputRef(encoded)).toEqual(ref);
    expect(decodeCidInputRef(Buffer.from(encoded.slice(2), "hex"))).toEqual(ref);
    const audio = { cid: cidOf(wav), mediaType: "audio/wav" as const, urls: ["http://127.0.0.1:9150"] };
    expect(decodeCidInputRef(encodeCidInputRef(audio))).toEqual(audio);

    const hash = inputCommitment(png(31)).field;
    expect(inputHashOfCid(cid)).toBe(hash);
    expect(() => checkCidInputRef(ref, hash)).not.toThrow();
    const message = thrown(() => checkCidInputRef(ref, hash + 1n));
    expect(message).toMatch(
      new RegExp(`^input reference names ${cid} \\(commitment 0x[0-9a-f]{64}\\), not the bid's inputHash 0x`),
    );
  });

  it("refuses malformed references with one line", () => {
    const bytes = Buffer.from(encodeCidInputRef(ref).slice(2), "hex");
    const variant = (change: (b: Buffer) => Buffer) => change(Buffer.from(bytes));
    const withByte = (at: number, value: number) =>
      variant((b) => {
        b[at] = value;
        return b;
      });
    const cases: [Uint8Array | `0x${string}`, RegExp][] = [
      [withByte(0, 2), /version 2, expected 1/],
      [withByte(1, 9), /unknown media type code 9/],
      [variant((b) => b.subarray(0, b.length - 3)), /URL 2 runs past the end/],
      [variant((b) => b.subarray(0, 34)), /at least 36 expected/],
      [variant((b) => Buffer.concat([b, Buffer.from([0])])), /URL 3 runs past the end/],
      [Buffer.concat([bytes.subarray(0, 34), Buffer.from([3]), Buffer.from("ftp")]), /urls\.0: a gateway URL is http/],
      [Buffer.concat([bytes.subarray(0, 34), Buffer.from([2, 0xff, 0xfe])]), /URL 1 is not UTF-8/],
      ["0x01zz", /not 0x-prefixed hex/],
      [new TextEncoder().encode(JSON.stringify(ref)), /version 123, expected 1/],
    ];
    for (const [input, expected] of cases) {
      const message = thrown(() => decodeCidInputRef(input));
      expect(message).toMatch(/^malformed input reference: /);
      expect(message).toMatch(expected);
    }
    const refusedEncodes: [Parameters<typeof encodeCidInputRef>[0], RegExp][] = [
      [{ ...ref, urls: [] }, /at least one gateway URL/],
      [{ ...ref, urls: Array(5).fill("http://a") }, /at most 4 gateway URLs/],
      [{ ...ref, urls: ["http://user:pw@host"] }, /without credentials/],
      [{ ...ref, urls: ["http://host/?q=1"] }, /without credentials, query or fragment/],
      [{ ...ref, urls: [`http://h/${"a".repeat(260)}`] }, /at most 255 bytes/],
      [{ ...ref, cid: "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi" }, /cid must be a CIDv1 raw/],
      [{ ...ref, mediaType: "image/jpeg" as "image/png" }, /mediaType/],
    ];
    for (const [input, expected] of refusedEncodes) {
      const message = thrown(() => encodeCidInputRef(input));
      expect(message).toMatch(/^invalid input reference: /);
      expect(message).toMatch(expected);
    }
  });
});
