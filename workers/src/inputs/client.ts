// Moving an input by CID: the buyer uploads to a gateway it chooses and bids with the commitment; the provider
// fetches from the URLs the bid's inputRef names. Nothing a gateway says is trusted: the buyer checks the CID
// it is told against its own, the provider checks the bytes against the CID and moves on to the next URL.
import { cidOf, matchesCid } from "@sovra/circuits/io/cid";
import type { Hex } from "viem";
import { z } from "zod";
import { inputCommitment } from "../optimistic/canonical.ts";

export type UploadedInput = {
  cid: string;
  /** bytes32 commitment (sha2-256, top 3 bits cleared). */
  commitment: Hex;
  /** The same as a number: the bid's `inputHash`. */
  inputHash: bigint;
};

const uploadAnswerSchema = z.object({ cid: z.string() });

const base = (url: string): string => url.replace(/\/+$/, "");

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === "TimeoutError" || error.name === "AbortError") return "timed out";
  const cause = (error as Error & { cause?: unknown }).cause;
  const detail = cause instanceof Error ? cause.message : "";
  return (detail === "" ? error.message : `${error.message} (${detail})`).split("\n")[0] ?? "";
}

/**
 * Uploads `bytes` to the gateway at `gatewayUrl` (`POST /ipfs`, with `X-Expected-Cid`) and returns the CID and
 * the commitment to bid with; throws one line when the gateway refuses or answers another CID.
 */
export async function uploadInput(
  gatewayUrl: string,
  bytes: Uint8Array,
  mediaType: string,
  options: { timeoutMs?: number } = {},
): Promise<UploadedInput> {
  const cid = cidOf(bytes);
  const url = `${base(gatewayUrl)}/ipfs`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": mediaType, "x-expected-cid": cid },
      // a copy over a plain ArrayBuffer: what the DOM's BodyInit type takes (the dApp type-checks this file too)
      body: new Uint8Array(bytes),
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
  } catch (error) {
    throw new Error(`input upload to ${url} failed: ${reason(error)}`);
  }
  const text = await response.text().catch(() => "");
  if (!response.ok)
    throw new Error(
      `gateway ${url} refused the input (HTTP ${response.status}): ${text.split("\n")[0] || "no reason given"}`,
    );
  let answer: z.infer<typeof uploadAnswerSchema>;
  try {
    answer = uploadAnswerSchema.parse(JSON.parse(text));
  } catch {
    throw new Error(`gateway ${url} answered something other than {"cid"}: ${text.slice(0, 80).split("\n")[0]}`);
  }
  if (answer.cid !== cid) throw new Error(`gateway ${url} answered CID ${answer.cid} for an input whose CID is ${cid}`);
  const { commitment, field } = inputCommitment(bytes);
  return { cid, commitment, inputHash: field };
}

export type FetchedInput = {
  bytes: Uint8Array;
  /** The gateway URL that served the bytes. */
  url: string;
  /** Gateways tried first and why each was passed over (a wrong hash among them: a lying gateway). */
  skipped: { url: string; reason: string }[];
};

export type FetchInputOptions = {
  /** Largest input accepted (the model's `input.maxBytes`); a longer body is cut off, not read. */
  maxBytes: number;
  /** Time each gateway gets (connect and whole body). */
  timeoutMs: number;
};

/**
 * The input `cid` from the first of `gatewayUrls` that serves bytes hashing to it. Bodies are read as they arrive
 * and abandoned past `maxBytes`; throws one line naming every gateway and why none worked.
 */
export async function fetchInput(
  gatewayUrls: readonly string[],
  cid: string,
  options: FetchInputOptions,
): Promise<FetchedInput> {
  const skipped: { url: string; reason: string }[] = [];
  for (const gateway of gatewayUrls) {
    const url = `${base(gateway)}/ipfs/${cid}`;
    try {
      const bytes = await readBounded(url, options);
      if (!matchesCid(bytes, cid)) {
        skipped.push({ url, reason: "served bytes that do not match the CID" });
        continue;
      }
      return { bytes, url, skipped };
    } catch (error) {
      skipped.push({ url, reason: reason(error) });
    }
  }
  const tried = skipped.map((s) => `${s.url}: ${s.reason}`).join("; ");
  throw new Error(`input ${cid} not available: ${tried === "" ? "no gateway URL given" : tried}`);
}

async function readBounded(url: string, options: FetchInputOptions): Promise<Uint8Array> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException("timed out", "TimeoutError")), options.timeoutMs);
  try {
    const response = await fetch(url, { signal: controller.signal });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > options.maxBytes) {
      await response.body?.cancel();
      throw new Error(`${declared} bytes, more than the ${options.maxBytes} accepted`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (response.body !== null)
      for await (const chunk of response.body) {
        size += chunk.length;
        if (size > options.maxBytes) {
          controller.abort();
          throw new Error(`more than the ${options.maxBytes} bytes accepted`);
        }
        chunks.push(chunk);
      }
    return new Uint8Array(Buffer.concat(chunks, size));
  } finally {
    clearTimeout(timer);
  }
}
