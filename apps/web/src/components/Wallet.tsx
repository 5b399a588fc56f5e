"use client";
// Connect through any browser wallet (EIP-6963 discovery, by name), prompt to switch to the Sovra chain.
import { useState } from "react";
import { useConnect, useConnection, useConnectors, useDisconnect, useSwitchChain } from "wagmi";
import { describeError } from "@/lib/errors";
import { shortAddress } from "@/lib/format";
import { allAbis } from "@/lib/abis";
import { useSovraConfig } from "./Providers";

export function WalletButton() {
  const connection = useConnection();
  const connectors = useConnectors();
  const connect = useConnect();
  const disconnect = useDisconnect();
  const [open, setOpen] = useState(false);

  if (connection.status === "connected" && connection.address) {
    return (
      <div className="wallet">
        <span className="mono" data-testid="connected-address" title={connection.address}>
          {shortAddress(connection.address)}
        </span>
        <button type="button" className="secondary" onClick={() => disconnect.mutate()}>
          Disconnect
        </button>
      </div>
    );
  }

  // Announced wallets (EIP-6963) carry their own names; the generic one stays only if nothing announced itself.
  const announced = connectors.filter((connector) => connector.id !== "injected");
  const shown = announced.length > 0 ? announced : connectors;
  const hasWallet = typeof window !== "undefined" && (announced.length > 0 || "ethereum" in window);

  return (
    <div className="wallet">
      <button
        type="button"
        onClick={() => setOpen((value) => !value)}
        aria-expanded={open}
        aria-controls="wallet-list"
        disabled={connection.status === "connecting" || connection.status === "reconnecting"}
      >
        {connection.status === "connecting" ? "Connecting…" : "Connect wallet"}
      </button>
      {open && (
        <div id="wallet-list" className="wallet-list" role="menu" aria-label="Browser wallets">
          {!hasWallet && (
            <p className="muted">
              No browser wallet found. Every page still works read-only; install a wallet to trade.
            </p>
          )}
          {hasWallet &&
            shown.map((connector) => (
              <button
                key={connector.uid}
                type="button"
                role="menuitem"
                onClick={() => {
                  connect.mutate({ connector }, { onSuccess: () => setOpen(false) });
                }}
              >
                {/* biome-ignore lint/performance/noImgElement: EIP-6963 icons are data: URIs that next/image cannot optimise. */}
                {connector.icon && <img src={connector.icon} alt="" width={20} height={20} />}
                {connector.name}
              </button>
            ))}
          {connect.error && (
            <p className="tx-error" role="alert">
              {describeError(connect.error, allAbis).message}
            </p>
          )}
        </div>
      )}
    </div>
  );
}

/** Shown while the connected wallet is on another chain. */
export function NetworkBanner() {
  const { chainId } = useSovraConfig();
  const connection = useConnection();
  const switchChain = useSwitchChain();
  if (connection.status !== "connected" || connection.chainId === chainId) return null;
  return (
    <div className="banner" role="alert">
      Your wallet is on chain {connection.chainId}; Sovra runs on chain {chainId}.{" "}
      <button type="button" onClick={() => switchChain.mutate({ chainId })} disabled={switchChain.isPending}>
        {switchChain.isPending ? "Switching…" : "Switch network"}
      </button>
      {switchChain.error && <span className="tx-error"> {describeError(switchChain.error, allAbis).message}</span>}
    </div>
  );
}

/** The connected account when it is on the right chain; pages use it to enable writes. */
export function useWriteAccount(): `0x${string}` | undefined {
  const { chainId } = useSovraConfig();
  const connection = useConnection();
  return connection.status === "connected" && connection.chainId === chainId ? connection.address : undefined;
}

export function ConnectHint({ what }: { what: string }) {
  const { chainId } = useSovraConfig();
  const connection = useConnection();
  if (connection.status === "connected" && connection.chainId !== chainId) {
    return (
      <p className="muted">
        Switch your wallet to chain {chainId} to {what}.
      </p>
    );
  }
  return <p className="muted">Connect a wallet to {what}.</p>;
}
