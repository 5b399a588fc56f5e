"use client";
import { useParams } from "next/navigation";
import { getAddress, type Address, type Hash } from "viem";
import { useReadContract, useReadContracts, useTransactionReceipt } from "wagmi";
import { useSovraConfig } from "@/components/Providers";
import { marketLabel } from "@/components/MarketPicker";
import { useRegisteredProviders } from "@/components/ProviderDirectory";
import { Card, Empty, Loading } from "@/components/ui";
import { useWriteAccount } from "@/components/Wallet";
import { allAbis, marketAbi, modelRegistryAbi } from "@/lib/abis";
import { useLedger } from "@/lib/ledger-data";
import { outputInWords } from "@/lib/models";
import { addressHref } from "@/lib/format";
import { useTokenInfo } from "@/lib/hooks";
import { showLogs, type DecodeContext, type ShownArg } from "@/lib/tx-decode";
import type { Deployment } from "@/lib/runtime-config";

/** The deployment's contracts by name, for labels. */
const contractLabels: Record<keyof Deployment["contracts"], string> = {
  accessManager: "access manager",
  sovraToken: "SOV token",
  paymentToken: "payment token",
  providerRegistry: "provider registry",
  attestationRegistry: "attestation registry",
  modelRegistry: "model registry",
  spotMarket: "market",
  timelock: "timelock",
  governor: "governor",
  exampleConsumer: "example consumer",
};

function useAddressLabels(deployment: Deployment | null, account: Address | undefined): Map<string, string> {
  const payment = useTokenInfo(deployment?.contracts.paymentToken);
  const providers = useRegisteredProviders(deployment);
  const treasury = useReadContract({
    address: deployment?.contracts.spotMarket,
    abi: marketAbi,
    functionName: "treasury",
    query: { enabled: deployment !== null },
  }).data;
  const labels = new Map<string, string>();
  if (deployment) {
    for (const [key, address] of Object.entries(deployment.contracts)) {
      if (address) labels.set(address.toLowerCase(), contractLabels[key as keyof Deployment["contracts"]] ?? key);
    }
    for (const model of deployment.models) labels.set(model.verifier.toLowerCase(), `${model.name} verifier`);
    if (payment) labels.set(deployment.contracts.paymentToken.toLowerCase(), `${payment.symbol} token`);
  }
  for (const provider of providers.data ?? []) {
    const lower = provider.toLowerCase();
    if (!labels.has(lower)) labels.set(lower, "registered provider");
  }
  if (treasury) {
    const lower = treasury.toLowerCase();
    labels.set(lower, labels.has(lower) ? `${labels.get(lower)} (treasury)` : "treasury");
  }
  labels.set("0x0000000000000000000000000000000000000000", "zero address");
  if (account) {
    const lower = account.toLowerCase();
    labels.set(lower, labels.has(lower) ? `${labels.get(lower)}, you` : "you");
  }
  return labels;
}

/**
 * A settled job's output in words: the job's market from the ledger (JobSettled names only the job), its model's io
 * spec from the registry.
 */
function useSettledOutputs(deployment: Deployment | null): DecodeContext["outputOf"] {
  const ledger = useLedger(deployment);
  const modelIds = [...new Set((deployment?.markets ?? []).map((market) => market.modelId))];
  const registry = deployment?.contracts.modelRegistry ?? "0x0000000000000000000000000000000000000000";
  const specs = useReadContracts({
    contracts: modelIds.map((modelId) => ({
      address: registry,
      abi: modelRegistryAbi,
      functionName: "modelOf" as const,
      args: [modelId] as const,
    })),
    query: { enabled: deployment !== null },
  });
  return (jobId, output) => {
    const marketId = ledger.data?.jobs.get(jobId)?.terms.marketId;
    const modelId = deployment?.markets.find((market) => market.marketId === marketId)?.modelId;
    const spec = modelId === undefined ? undefined : specs.data?.[modelIds.indexOf(modelId)]?.result?.ioSpec;
    return spec === undefined ? undefined : outputInWords(output, spec);
  };
}

/** The dApp's own receipt page, for chains without a block explorer (the local chain): every log decoded. */
export default function TxPage() {
  const params = useParams<{ hash: string }>();
  const { deployment, explorerUrl } = useSovraConfig();
  const account = useWriteAccount();
  const hash = /^0x[0-9a-fA-F]{64}$/.test(params.hash) ? (params.hash as Hash) : undefined;
  const receipt = useTransactionReceipt({ hash, query: { enabled: hash !== undefined } });
  const labels = useAddressLabels(deployment, account);
  const payment = useTokenInfo(deployment?.contracts.paymentToken);
  const governance = useTokenInfo(deployment?.contracts.sovraToken);
  const marketAddress = deployment?.contracts.spotMarket ?? "0x0000000000000000000000000000000000000000";
  const markets = useReadContracts({
    contracts: (deployment?.markets ?? []).map((market) => ({
      address: marketAddress,
      abi: marketAbi,
      functionName: "marketOf" as const,
      args: [market.marketId] as const,
    })),
    query: { enabled: deployment !== null },
  });
  const outputOf = useSettledOutputs(deployment);
  if (!hash) return <Empty>That is not a transaction hash.</Empty>;

  const tickSizes = new Map<number, bigint>();
  (deployment?.markets ?? []).forEach((market, index) => {
    const info = markets.data?.[index]?.result;
    if (info) tickSizes.set(market.marketId, info.params.tickSize);
  });
  const ctx: DecodeContext | undefined = deployment
    ? {
        roles: {
          paymentToken: deployment.contracts.paymentToken,
          sovraToken: deployment.contracts.sovraToken,
          spotMarket: deployment.contracts.spotMarket,
          providerRegistry: deployment.contracts.providerRegistry,
          governor: deployment.contracts.governor,
        },
        labels,
        tokens: { ...(payment ? { payment } : {}), ...(governance ? { governance } : {}) },
        tickSizeOf: (marketId) => tickSizes.get(marketId),
        marketLabelOf: (marketId) => {
          const market = deployment.markets.find((entry) => entry.marketId === marketId);
          return market ? marketLabel(market) : undefined;
        },
        outputOf,
      }
    : undefined;
  const logs = receipt.data && ctx ? showLogs(receipt.data.logs, allAbis, ctx) : [];
  const party = (address: Address | null | undefined) => {
    if (!address) return "contract creation";
    const label = labels.get(address.toLowerCase());
    return label ? `${getAddress(address)} (${label})` : getAddress(address);
  };

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
            <dd data-testid="tx-receipt-status">
              {receipt.data.status === "success" ? "confirmed" : "failed (reverted)"}
            </dd>
            <dt>Block</dt>
            <dd>{receipt.data.blockNumber.toString()}</dd>
            <dt>From</dt>
            <dd className="mono" data-testid="tx-from">
              {party(receipt.data.from)}
            </dd>
            <dt>To</dt>
            <dd className="mono" data-testid="tx-to">
              {party(receipt.data.to)}
            </dd>
            <dt>Gas used</dt>
            <dd>{receipt.data.gasUsed.toLocaleString("en-US")}</dd>
          </dl>
        )}
      </Card>
      {receipt.data && (
        <Card title={`Events (${logs.length})`} id="events">
          {logs.length === 0 ? (
            <Empty>This transaction emitted no events.</Empty>
          ) : (
            <ol className="events">
              {logs.map((log) => (
                <li
                  key={log.logIndex}
                  data-testid="tx-event"
                  data-event={log.eventName ?? "unknown"}
                  aria-label={`Event ${log.eventName ?? "unknown"}`}
                >
                  <h3>
                    {log.eventName ?? "Unknown event"}{" "}
                    <span className="muted">
                      from {log.emitterLabel ?? <span className="mono">{log.emitter}</span>}
                    </span>
                  </h3>
                  {log.args.length > 0 && (
                    <dl className="kv">
                      {log.args.map((arg) => (
                        <Arg key={arg.name} arg={arg} explorerUrl={explorerUrl} />
                      ))}
                    </dl>
                  )}
                  {log.eventName === undefined && (
                    <p className="muted">Not a Sovra event: no ABI of the deployment describes it.</p>
                  )}
                </li>
              ))}
            </ol>
          )}
        </Card>
      )}
    </>
  );
}

function Arg({ arg, explorerUrl }: { arg: ShownArg; explorerUrl: string | undefined }) {
  const href = arg.address ? addressHref(arg.address, explorerUrl) : undefined;
  return (
    <>
      <dt>{arg.name}</dt>
      <dd data-testid={`arg-${arg.name}`} className={arg.address ? "mono" : undefined}>
        {href ? <a href={href}>{arg.text}</a> : arg.text}
        {arg.label && <span className="pill label">{arg.label}</span>}
        {arg.detail && <span className="muted detail">{arg.detail}</span>}
      </dd>
    </>
  );
}
