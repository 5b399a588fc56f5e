"use client";
import { useParams } from "next/navigation";
import { parseEventLogs, type Hash } from "viem";
import { useTransactionReceipt } from "wagmi";
import { Card, Empty, Loading } from "@/components/ui";
import { allAbis } from "@/lib/abis";

/** The dApp's own receipt page, for chains without a block explorer (the local chain). */
export default function TxPage() {
  const params = useParams<{ hash: string }>();
  const hash = /^0x[0-9a-fA-F]{64}$/.test(params.hash) ? (params.hash as Hash) : undefined;
  const receipt = useTransactionReceipt({ hash, query: { enabled: hash !== undefined } });
  if (!hash) return <Empty>That is not a transaction hash.</Empty>;
  const events = receipt.data ? allAbis.flatMap((abi) => parseEventLogs({ abi, logs: receipt.data.logs, strict: false })) : [];
  return (
    <>
      <h1>Transaction</h1>
      <Card title="Receipt">
        {receipt.isLoading ? (
          <Loading what="receipt" />
        ) : !receipt.data ? (
          <Empty>Not found on this chain (yet).</Empty>
        ) : (
          <dl className="kv">
            <dt>Hash</dt>
            <dd className="mono">{hash}</dd>
            <dt>Status</dt>
            <dd data-testid="tx-receipt-status">{receipt.data.status === "success" ? "confirmed" : "failed (reverted)"}</dd>
            <dt>Block</dt>
            <dd>{receipt.data.blockNumber.toString()}</dd>
            <dt>From</dt>
            <dd className="mono">{receipt.data.from}</dd>
            <dt>To</dt>
            <dd className="mono">{receipt.data.to ?? "contract creation"}</dd>
            <dt>Gas used</dt>
            <dd>{receipt.data.gasUsed.toLocaleString("en-US")}</dd>
            <dt>Events</dt>
            <dd>{events.length ? [...new Set(events.map((event) => event.eventName))].join(", ") : "none decoded"}</dd>
          </dl>
        )}
      </Card>
    </>
  );
}
