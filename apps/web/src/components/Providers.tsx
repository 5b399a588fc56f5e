"use client";
// Client-side roots: TanStack Query, wagmi (built from the runtime config the server passed) and the Sovra
// context every page reads the deployment from.
import { QueryClient, QueryClientProvider, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { WagmiProvider, useBlockNumber } from "wagmi";
import { IMMUTABLE_QUERY } from "@/lib/ledger-data";
import type { RuntimeConfig } from "@/lib/runtime-config";
import { makeWagmiConfig } from "@/lib/wagmi";

const SovraContext = createContext<RuntimeConfig | null>(null);

export function useSovraConfig(): RuntimeConfig {
  const value = useContext(SovraContext);
  if (!value) throw new Error("useSovraConfig outside <Providers>");
  return value;
}

/** Refetches chain reads when a new block arrives: chain state only changes with blocks. */
function RefreshOnBlock() {
  const queryClient = useQueryClient();
  const { data: blockNumber } = useBlockNumber({ watch: true });
  useEffect(() => {
    if (blockNumber === undefined) return;
    void queryClient.invalidateQueries({
      predicate: (query) => query.queryKey[0] !== "blockNumber" && query.queryKey[0] !== IMMUTABLE_QUERY,
    });
  }, [blockNumber, queryClient]);
  return null;
}

export function Providers({ config, children }: { config: RuntimeConfig; children: ReactNode }) {
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { staleTime: 2_000, retry: 1, refetchOnWindowFocus: false } } }),
  );
  const [wagmiConfig] = useState(() => makeWagmiConfig(config));
  return (
    <WagmiProvider config={wagmiConfig}>
      <QueryClientProvider client={queryClient}>
        <SovraContext.Provider value={config}>
          <RefreshOnBlock />
          {children}
        </SovraContext.Provider>
      </QueryClientProvider>
    </WagmiProvider>
  );
}
