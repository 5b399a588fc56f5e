// The gateway's input routes: `POST /ipfs` stores a buyer's input and answers its CID; `GET /ipfs/<cid>`
// serves it back (after the weights folder). Browsers upload from the dApp's origin, and content addressed
// by hash needs no credentials, so every input route allows any origin.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../logger.ts";
import { sniffMediaType } from "./media.ts";
import { createTokenBuckets, type RateLimit } from "./rate-limit.ts";
import { InputRefusal, type InputStore } from "./store.ts";

export type InputRoutesOptions = {
  store: InputStore;
  /** Uploads per client address; default 20 at once, then one every 3 s. */
  rateLimit?: RateLimit;
  logger?: Logger;
};

export const DEFAULT_UPLOAD_RATE: RateLimit = { capacity: 20, refillPerSecond: 1 / 3 };

export const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, HEAD, POST, OPTIONS",
  "access-control-allow-headers": "content-type, x-expected-cid",
  "access-control-max-age": "600",
} as const;

export type InputRoutes = {
  /** `POST /ipfs`: body = the input's raw bytes; answers `{"cid","size","mediaType"}` or one line of refusal. */
  upload(request: IncomingMessage, response: ServerResponse): void;
  /** Serves `cid` from the store; false when the store does not hold it (or held a corrupt copy, now dropped). */
  serve(cid: string, request: IncomingMessage, response: ServerResponse): Promise<boolean>;
};

export function createInputRoutes(options: InputRoutesOptions): InputRoutes {
  const { store, logger } = options;
  const buckets = createTokenBuckets(options.rateLimit ?? DEFAULT_UPLOAD_RATE);

  function refuse(request: IncomingMessage, response: ServerResponse, status: number, message: string): void {
    const unread = !request.complete;
    response.writeHead(status, {
      ...CORS_HEADERS,
      "content-type": "text/plain; charset=utf-8",
      // The rest of a refused body is read and dropped, not kept: the connection is not reused after it.
      ...(unread ? { connection: "close" } : {}),
    });
    response.end(`${message}\n`);
    if (unread) discard(request);
  }

  /**
   * Reads the rest of a refused body into nothing, so the client sees the refusal instead of a reset; a client
   * that keeps sending past one more limit's worth is cut off.
   */
  function discard(request: IncomingMessage): void {
    let dropped = 0;
    request.on("data", (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > DISCARD_LIMIT) request.socket.destroy();
    });
    request.resume();
  }

  return {
    upload(request, response) {
      const client = request.socket.remoteAddress ?? "unknown";
      const allowed = buckets.take(client);
      if (!allowed.ok) {
        response.setHeader("retry-after", String(allowed.retryAfterSeconds));
        refuse(request, response, 429, `too many uploads from ${client}: retry in ${allowed.retryAfterSeconds} s`);
        return;
      }
      const length = request.headers["content-length"];
      const expected = request.headers["x-expected-cid"];
      store
        .putStream(request.iterator({ destroyOnReturn: false }), {
          mediaType: request.headers["content-type"],
          declaredBytes: length === undefined ? undefined : Number(length),
          expectedCid: typeof expected === "string" ? expected.trim() : undefined,
        })
        .then((stored) => {
          response.writeHead(200, { ...CORS_HEADERS, "content-type": "application/json" });
          response.end(`${JSON.stringify(stored)}\n`);
        })
        .catch((error: unknown) => {
          const status = error instanceof InputRefusal ? error.status : 500;
          const message = error instanceof Error ? error.message : String(error);
          logger?.info({ client, status, reason: message }, "input upload refused");
          if (response.headersSent) request.socket.destroy();
          else refuse(request, response, status, status === 500 ? `input store failed: ${message}` : message);
        });
    },
    async serve(cid, request, response) {
      let bytes: Uint8Array | undefined;
      try {
        bytes = await store.get(cid);
      } catch {
        bytes = undefined;
      }
      if (bytes === undefined) return false;
      response.writeHead(200, {
        ...CORS_HEADERS,
        "content-type": sniffMediaType(bytes) ?? "application/octet-stream",
        "content-length": bytes.length,
        etag: `"${cid}"`,
        "cache-control": "public, max-age=31536000, immutable",
      });
      response.end(request.method === "HEAD" ? undefined : bytes);
      return true;
    },
  };
}

/** Bytes of a refused body read and dropped before the connection is cut. */
const DISCARD_LIMIT = 64 * 1024 * 1024;
