import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { isCid } from "@sovra/circuits/io/cid";
import { CORS_HEADERS, createInputRoutes, type InputRoutesOptions } from "../inputs/http.ts";
import type { Logger } from "../logger.ts";
import { indexFolder } from "./folder.ts";

export type Gateway = { server: Server; url: string; close(): Promise<void> };

/**
 * A minimal IPFS-style HTTP gateway: `GET /ipfs/<cid>` serves the file of `dir` whose bytes hash to `cid`
 * (CIDv1 raw sha2-256). Clients verify what they receive; the gateway needs no trust. With `inputs`, it also
 * takes buyers' inputs (`POST /ipfs`, see src/inputs/http.ts) and serves them by CID.
 */
export async function startGateway(options: {
  dir: string;
  port?: number;
  host?: string;
  logger?: Logger;
  inputs?: Omit<InputRoutesOptions, "logger">;
}): Promise<Gateway> {
  const index = indexFolder(options.dir);
  await index.scan();
  const inputs =
    options.inputs === undefined ? undefined : createInputRoutes({ ...options.inputs, logger: options.logger });
  const server = createServer((request, response) => {
    const url = request.url ?? "";
    if (inputs !== undefined && /^\/ipfs(\/[a-z2-7]*)?\/?$/.test(url)) {
      if (request.method === "OPTIONS") {
        response.writeHead(204, CORS_HEADERS);
        response.end();
        return;
      }
      if (request.method === "POST" && /^\/ipfs\/?$/.test(url)) {
        inputs.upload(request, response);
        return;
      }
    }
    const match = /^\/ipfs\/([a-z2-7]+)\/?$/.exec(url);
    if ((request.method !== "GET" && request.method !== "HEAD") || match === null || !isCid(match[1] as string)) {
      response.writeHead(request.method === "GET" || request.method === "HEAD" ? 404 : 405);
      response.end();
      return;
    }
    const cid = match[1] as string;
    index
      .find(cid)
      .then(async (file) => {
        if (file === undefined) {
          if (inputs !== undefined && (await inputs.serve(cid, request, response))) return;
          response.writeHead(404, { "content-type": "text/plain", ...(inputs === undefined ? {} : CORS_HEADERS) });
          response.end(`no content with CID ${cid}\n`);
          return;
        }
        const { size } = await stat(file);
        response.writeHead(200, {
          "content-type": "application/octet-stream",
          "content-length": size,
          etag: `"${cid}"`,
          "cache-control": "public, max-age=31536000, immutable",
        });
        if (request.method === "HEAD") response.end();
        else createReadStream(file).pipe(response);
        options.logger?.debug({ cid, file, size }, "served");
      })
      .catch((error: unknown) => {
        response.writeHead(500);
        response.end(String(error));
      });
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
