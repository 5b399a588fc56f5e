import { createServer } from "node:net";
import { createPublicClient, http } from "viem";
import { contractsDir, hardhatBin } from "./paths.ts";
import { startProcess, type ManagedProcess } from "./processes.ts";

export type LocalChain = {
  rpcUrl: string;
  port: number;
  process: ManagedProcess;
  stop(): Promise<void>;
};

/** Finds a free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until the JSON-RPC endpoint answers `eth_chainId`. */
export async function waitForRpc(rpcUrl: string, timeoutMs = 60_000): Promise<number> {
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) });
  const started = Date.now();
  for (;;) {
    try {
      return await client.getChainId();
    } catch (error) {
      if (Date.now() - started > timeoutMs)
        throw new Error(`no JSON-RPC answer at ${rpcUrl} after ${timeoutMs} ms`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Starts Hardhat's node (a real EVM chain, id 31337) on `port` and waits for it to answer. */
export async function startLocalChain(options: { port?: number; quiet?: boolean } = {}): Promise<LocalChain> {
  const port = options.port ?? (await freePort());
  const node = startProcess(
    "chain",
    process.execPath,
    [hardhatBin, "node", "--hostname", "127.0.0.1", "--port", String(port)],
    { cwd: contractsDir, quiet: options.quiet ?? true },
  );
  const rpcUrl = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    node.child.once("exit", (code) =>
      reject(new Error(`hardhat node exited early with code ${code} (port ${port} taken?)`)),
    ),
  );
  await Promise.race([waitForRpc(rpcUrl), exited]);
  return { rpcUrl, port, process: node, stop: () => node.stop() };
}
