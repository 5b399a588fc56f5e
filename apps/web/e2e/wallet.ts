// The test wallet: an EIP-1193 provider announced over EIP-6963, injected before the dApp loads. It forwards
// every request to the Hardhat node (which signs with its unlocked accounts) through a Playwright binding, so
// the page needs no route to the node. It can start on a wrong chain to exercise the switch prompt.
import type { Page } from "@playwright/test";

export type WalletOptions = {
  rpcUrl: string;
  account: `0x${string}`;
  /** Chain the wallet reports until the dApp asks it to switch (default: the node's own chain). */
  startChainId?: number;
};

type RpcAnswer = { result?: unknown; error?: { code: number; message: string; data?: unknown } };

export async function installWallet(page: Page, options: WalletOptions): Promise<void> {
  await page.exposeFunction("__sovraWalletRpc", async (method: string, params: unknown[]): Promise<RpcAnswer> => {
    const response = await fetch(options.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const body = (await response.json()) as RpcAnswer;
    return body.error ? { error: body.error } : { result: body.result };
  });
  await page.addInitScript(
    ({ account, startChainId }) => {
      type Listener = (...args: unknown[]) => void;
      const listeners = new Map<string, Set<Listener>>();
      const emit = (event: string, ...args: unknown[]) =>
        listeners.get(event)?.forEach((listener) => {
          listener(...args);
        });
      // Like a real wallet, remember that this origin was allowed to see the account (survives reloads).
      const permissionKey = `sovra-test-wallet:${account}`;
      let connected = localStorage.getItem(permissionKey) === "1";
      const setConnected = (value: boolean) => {
        connected = value;
        if (value) localStorage.setItem(permissionKey, "1");
        else localStorage.removeItem(permissionKey);
      };
      let chainOverride: string | null = startChainId === undefined ? null : `0x${startChainId.toString(16)}`;
      // Looked up per call: the binding is installed alongside this script.
      const rpc = (method: string, params: unknown[]) =>
        (window as unknown as { __sovraWalletRpc: (m: string, p: unknown[]) => Promise<RpcAnswer> }).__sovraWalletRpc(
          method,
          params,
        );

      const forward = async (method: string, params: unknown[]) => {
        const answer = await rpc(method, params);
        if (answer.error) {
          const error = new Error(answer.error.message) as Error & { code: number; data?: unknown };
          error.code = answer.error.code;
          error.data = answer.error.data;
          throw error;
        }
        return answer.result;
      };
      const fail = (code: number, message: string) => Object.assign(new Error(message), { code });

      const provider = {
        isSovraTestWallet: true,
        async request({ method, params = [] }: { method: string; params?: unknown[] }) {
          switch (method) {
            case "eth_requestAccounts":
              setConnected(true);
              emit("connect", { chainId: chainOverride ?? (await forward("eth_chainId", [])) });
              return [account];
            case "eth_accounts":
              return connected ? [account] : [];
            case "eth_chainId":
              return chainOverride ?? forward("eth_chainId", []);
            case "net_version":
              return chainOverride ? String(parseInt(chainOverride, 16)) : forward("net_version", []);
            case "wallet_switchEthereumChain": {
              const wanted = String((params[0] as { chainId: string }).chainId).toLowerCase();
              const real = String(await forward("eth_chainId", [])).toLowerCase();
              if (wanted !== real) throw fail(4902, `unknown chain ${wanted}`);
              chainOverride = null;
              emit("chainChanged", real);
              return null;
            }
            case "wallet_addEthereumChain":
              return null;
            case "wallet_requestPermissions":
              setConnected(true);
              return [{ parentCapability: "eth_accounts" }];
            case "wallet_getPermissions":
              return connected ? [{ parentCapability: "eth_accounts" }] : [];
            case "wallet_revokePermissions":
              setConnected(false);
              emit("accountsChanged", []);
              return null;
            case "eth_sendTransaction": {
              if (!connected) throw fail(4100, "not connected");
              if (chainOverride) throw fail(4901, "wallet is on another chain");
              const tx = { ...(params[0] as Record<string, unknown>), from: account };
              return forward(method, [tx]);
            }
            default:
              return forward(method, params);
          }
        },
        on(event: string, listener: Listener) {
          if (!listeners.has(event)) listeners.set(event, new Set());
          listeners.get(event)?.add(listener);
          return provider;
        },
        removeListener(event: string, listener: Listener) {
          listeners.get(event)?.delete(listener);
          return provider;
        },
      };

      const icon =
        "data:image/svg+xml;base64," +
        btoa(
          '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="14" fill="#5eb1ff"/></svg>',
        );
      const announce = () =>
        window.dispatchEvent(
          new CustomEvent("eip6963:announceProvider", {
            detail: Object.freeze({
              info: {
                uuid: "5f0c7a4e-1d1b-4c8e-9d57-0a5e11c0ffee",
                name: "Sovra Test Wallet",
                icon,
                rdns: "dev.sovra.testwallet",
              },
              provider,
            }),
          }),
        );
      window.addEventListener("eip6963:requestProvider", announce);
      announce();
    },
    { account: options.account, startChainId: options.startChainId },
  );
}
