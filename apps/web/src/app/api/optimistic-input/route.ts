// A buyer's input for an optimistic model (an image for OCR, a recording for VAD): the server hashes it, stores it
// on the input gateway (`POST /ipfs` with the CID it expects) and answers the bid's inputHash and inputRef. Done here
// and not in the browser because the CID encoding is a Node package; the bytes the gateway confirms are exactly
// those the bid commits to.
import { createHash } from "node:crypto";
import { cidFromDigest } from "@sovra/circuits/io/cid";
import { z } from "zod";
import {
  encodeInputRef,
  inputCommitmentOf,
  sniffOptimisticMedia,
  type OptimisticMediaType,
} from "@/lib/optimistic-input";

export const dynamic = "force-dynamic";

/** The gateway's own limits (workers' input store): a PNG up to 20 MiB, ten minutes of 16 kHz 16-bit audio. */
const MAX_BYTES: Record<OptimisticMediaType, number> = {
  "image/png": 20 * 1024 * 1024,
  "audio/wav": 600 * 16_000 * 2 + 64 * 1024,
};

const fail = (status: number, error: string) => Response.json({ error }, { status });

/** The gateway base URL: the dApp uploads there and the bid names it for the provider. */
function gatewayUrl(): string | undefined {
  const value = process.env.SOVRA_INPUT_GATEWAY_URL?.trim();
  return value ? value.replace(/\/+$/, "") : undefined;
}

export async function POST(request: Request): Promise<Response> {
  const gateway = gatewayUrl();
  if (gateway === undefined)
    return fail(
      503,
      "this dApp has no input gateway configured (SOVRA_INPUT_GATEWAY_URL): optimistic models cannot be bought here",
    );
  const declared = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  const mediaType: OptimisticMediaType | undefined =
    declared === "image/png" ? "image/png" : declared?.includes("wav") ? "audio/wav" : undefined;
  if (mediaType === undefined) return fail(415, "send a PNG image or a WAV recording");
  const limit = MAX_BYTES[mediaType];
  if (Number(request.headers.get("content-length") ?? "0") > limit)
    return fail(413, `the file is larger than the ${limit / (1024 * 1024)} MiB accepted`);
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.length > limit) return fail(413, `the file is larger than the ${limit / (1024 * 1024)} MiB accepted`);
  if (sniffOptimisticMedia(bytes.subarray(0, 12)) !== mediaType)
    return fail(415, mediaType === "image/png" ? "the file is not a PNG image" : "the file is not a WAV recording");

  const digest = new Uint8Array(createHash("sha256").update(bytes).digest());
  const cid = cidFromDigest(digest);
  let answer: Response;
  try {
    answer = await fetch(`${gateway}/ipfs`, {
      method: "POST",
      headers: { "content-type": mediaType, "x-expected-cid": cid },
      body: bytes,
      signal: AbortSignal.timeout(60_000),
    });
  } catch {
    return fail(502, `the input gateway ${gateway} did not answer`);
  }
  const text = await answer.text().catch(() => "");
  if (!answer.ok)
    return fail(502, `the input gateway refused the file: ${text.split("\n")[0] || `HTTP ${answer.status}`}`);
  const stored = z.object({ cid: z.string() }).safeParse(
    (() => {
      try {
        return JSON.parse(text);
      } catch {
        return undefined;
      }
    })(),
  );
  // A gateway that stored something else would send the provider other bytes than the bid commits to.
  if (!stored.success || stored.data.cid !== cid)
    return fail(502, `the input gateway answered another CID than the file's (${cid})`);
  return Response.json({
    cid,
    mediaType,
    bytes: bytes.length,
    inputHash: inputCommitmentOf(digest).toString(),
    inputRef: encodeInputRef(digest, mediaType, [gateway]),
    gateway,
  });
}
