// The wagmi config for one runtime config: one chain, the injected connector, EIP-6963 discovery.
import { createConfig, http, type Config } from "wagmi";
import { injected } from "wagmi/connectors";
import { defineChain, type Chain } from "viem";
import type { RuntimeConfig } from "./runtime-config";

export function sovraChain(config: RuntimeConfig): Chain {
  return defineChain({
    id: config.chainId,
    name: config.chainId === 31337 ? "Sovra local (Hardhat)" : `Sovra chain ${config.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [config.walletRpcUrl] } },
    ...(config.explorerUrl ? { blockExplorers: { default: { name: "Explorer", url: config.explorerUrl } } } : {}),
  });
}

/** `rpcUrl` may be relative to the dApp (its own proxy); viem needs an absolute URL. */
function absolute(url: string): string {
  return typeof window === "undefined" ? url : new URL(url, window.location.origin).href;
}

export function makeWagmiConfig(config: RuntimeConfig): Config {
  const chain = sovraChain(config);
  return createConfig({
    chains: [chain],
    // One generic connector for wallets that only set window.ethereum; EIP-6963 adds one per announced wallet.
    connectors: [injected({ shimDisconnect: true })],
    multiInjectedProviderDiscovery: true,
    transports: { [chain.id]: http(absolute(config.rpcUrl), { batch: false }) },
    pollingInterval: config.chainId === 31337 ? 1_000 : 4_000,
    ssr: true,
  });
}
