import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export type JobOutcome = "settled" | "already_final" | "expired" | "input_mismatch" | "failed";

/** The node's Prometheus metrics, on their own registry so tests and several nodes do not collide. */
export type Metrics = {
  registry: Registry;
  jobs: Counter<"outcome">;
  inferenceSeconds: Histogram<"model" | "device">;
  proofSeconds: Histogram<"model">;
  queueDepth: Gauge<"queue" | "state">;
  chainLagBlocks: Gauge;
  cursorBlock: Gauge;
};

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? false) collectDefaultMetrics({ register: registry, prefix: "sovra_" });
  return {
    registry,
    jobs: new Counter({
      name: "sovra_jobs_total",
      help: "Jobs finished, by outcome",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    inferenceSeconds: new Histogram({
      name: "sovra_inference_seconds",
      help: "Model inference time",
      labelNames: ["model", "device"],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
    proofSeconds: new Histogram({
      name: "sovra_proof_seconds",
      help: "Proof generation time",
      labelNames: ["model"],
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "sovra_queue_depth",
      help: "Jobs per queue and state",
      labelNames: ["queue", "state"],
      registers: [registry],
    }),
    chainLagBlocks: new Gauge({
      name: "sovra_chain_lag_blocks",
      help: "Chain head minus the watcher's cursor",
      registers: [registry],
    }),
    cursorBlock: new Gauge({
      name: "sovra_cursor_block",
      help: "Last block the watcher has fully enqueued",
      registers: [registry],
    }),
  };
}

/** Serves `GET /metrics` (Prometheus text format) and `GET /healthz`. */
export async function serveMetrics(
  metrics: Metrics,
  port: number,
  host = "127.0.0.1",
): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    if (request.url === "/metrics") {
      metrics.registry
        .metrics()
        .then((text) => {
          response.writeHead(200, { "content-type": metrics.registry.contentType });
          response.end(text);
        })
        .catch((error: unknown) => {
          response.writeHead(500);
          response.end(String(error));
        });
    } else if (request.url === "/healthz") {
      response.writeHead(200, { "content-type": "text/plain" });
      response.end("ok\n");
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return { server, url: `http://${host}:${bound}/metrics` };
}
