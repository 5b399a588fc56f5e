// A TCP proxy the test controls, put between the provider node and the chain's JSON-RPC port: `cut()` drops every
// connection and refuses new ones (the RPC is unreachable), `restore()` listens again on the same port.
import { createServer, connect, type Server, type Socket } from "node:net";
import { freePort } from "@sovra/deploy";

export type RpcProxy = { url: string; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> };

export async function startRpcProxy(target: { host: string; port: number }): Promise<RpcProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = async (): Promise<void> => {
    const s = createServer((client) => {
      const upstream = connect(target.port, target.host);
      sockets.add(client);
      sockets.add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = (): void => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
    });
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, "127.0.0.1", resolve);
    });
    server = s;
  };
  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  return { url: `http://127.0.0.1:${port}`, cut: stop, restore: listen, close: stop };
}
