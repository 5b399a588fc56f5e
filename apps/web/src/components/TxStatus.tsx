"use client";
import type { TxState } from "@/lib/hooks";
import { shortHex, txHref } from "@/lib/format";
import { useSovraConfig } from "./Providers";

/** Pending / confirmed / failed line for one transaction, announced to screen readers. */
export function TxStatus({ state }: { state: TxState }) {
  const { explorerUrl } = useSovraConfig();
  if (state.status === "idle") return <p className="tx-status" role="status" aria-live="polite" />;
  const link =
    "hash" in state && state.hash ? (
      <a href={txHref(state.hash, explorerUrl)} className="mono">
        {shortHex(state.hash)}
      </a>
    ) : null;
  return (
    <p className={`tx-status tx-${state.status}`} role="status" aria-live="polite" data-tx-status={state.status}>
      {state.status === "signing" && <>{state.label}: confirm in your wallet…</>}
      {state.status === "pending" && (
        <>
          {state.label}: pending {link}
        </>
      )}
      {state.status === "confirmed" && (
        <>
          {state.label}: confirmed {link}
        </>
      )}
      {state.status === "failed" && (
        <>
          {state.label} failed: <span className="tx-error">{state.message}</span> {link}
        </>
      )}
    </p>
  );
}
