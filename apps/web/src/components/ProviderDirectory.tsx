"use client";
// Every registered provider, readable without a wallet: hardware profile, stake, asks in the book and track
// record (jobs settled, expired and slashed, declined), from the registry's reads and the market's events.
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { usePublicClient, useReadContracts } from "wagmi";
import { marketAbi, registryAbi } from "@/lib/abis";
import { countdown, formatAmount, formatOpsPerSecond, shortAddress, shortHex, tickToPrice } from "@/lib/format";
import { useChainNow, useTokenInfo, type TokenInfo } from "@/lib/hooks";
import { openAsksOf, providerStats, type AskRecord, type Ledger } from "@/lib/ledger";
import { useLedger } from "@/lib/ledger-data";
import { useMarketsOverview } from "@/lib/market-data";
import type { Deployment } from "@/lib/runtime-config";
import { marketLabel } from "./MarketPicker";
import { Card, Empty, Loading } from "./ui";

/** Registered providers, in registration order (ProviderRegistered events). */
function useRegisteredProviders(deployment: Deployment | null) {
  const client = usePublicClient();
  return useQuery({
    queryKey: ["sovra-providers", deployment?.contracts.providerRegistry ?? null],
    enabled: client !== undefined && deployment !== null,
    queryFn: async (): Promise<Address[]> => {
      if (!client || !deployment) return [];
      const logs = await client.getContractEvents({
        address: deployment.contracts.providerRegistry,
        abi: registryAbi,
        eventName: "ProviderRegistered",
        fromBlock: BigInt(deployment.startBlock),
        toBlock: "latest",
        strict: true,
      });
      return [...new Set(logs.map((log) => log.args.provider))];
    },
  });
}

export { useRegisteredProviders };

export function ProviderDirectory({ deployment, you }: { deployment: Deployment; you?: Address | undefined }) {
  const providers = useRegisteredProviders(deployment);
  const ledger = useLedger(deployment);
  const usd = useTokenInfo(deployment.contracts.paymentToken);
  const sov = useTokenInfo(deployment.contracts.sovraToken);
  const list = providers.data ?? [];
  const registry = deployment.contracts.providerRegistry;
  const reads = useReadContracts({
    contracts: list.flatMap((provider) => [
      { address: registry, abi: registryAbi, functionName: "profileOf" as const, args: [provider] as const },
      { address: registry, abi: registryAbi, functionName: "stakeInfoOf" as const, args: [provider] as const },
    ]),
    query: { enabled: list.length > 0 },
  });

  return (
    <Card title="Provider directory" id="directory">
      <p className="muted">
        Every registered provider: the hardware it declared, the stake that backs its jobs, its asks in the book and how
        its jobs ended. A provider that misses a deadline is slashed.
      </p>
      {providers.isLoading || ledger.isLoading || !usd || !sov ? (
        <Loading what="providers" />
      ) : list.length === 0 ? (
        <Empty>No provider has registered yet.</Empty>
      ) : (
        <div className="grid2">
          {list.map((provider, index) => {
            const profile = reads.data?.[index * 2]?.result;
            const stake = reads.data?.[index * 2 + 1]?.result;
            return (
              <ProviderEntry
                key={provider}
                deployment={deployment}
                provider={provider}
                isYou={you !== undefined && you.toLowerCase() === provider.toLowerCase()}
                profile={profile && typeof profile === "object" && "gpuModel" in profile ? profile : undefined}
                stake={stake && typeof stake === "object" && "staked" in stake ? stake : undefined}
                ledger={ledger.data}
                usd={usd}
                sov={sov}
              />
            );
          })}
        </div>
      )}
    </Card>
  );
}

type Profile = {
  gpuModel: string;
  vramMb: number;
  throughputMilliOpsPerSec: bigint;
  region: string;
  benchmarkReport: `0x${string}`;
};
type Stake = { staked: bigint; locked: bigint; unbonding: bigint; unbondingReadyAt: bigint };

function ProviderEntry({
  deployment,
  provider,
  isYou,
  profile,
  stake,
  ledger,
  usd,
  sov,
}: {
  deployment: Deployment;
  provider: Address;
  isYou: boolean;
  profile: Profile | undefined;
  stake: Stake | undefined;
  ledger: Ledger | undefined;
  usd: TokenInfo;
  sov: TokenInfo;
}) {
  const stats = ledger ? providerStats(ledger, provider) : undefined;
  const asks = ledger ? openAsksOf(ledger, provider) : [];
  const sovFmt = (value: bigint) => `${formatAmount(value, sov.decimals, 4)} ${sov.symbol}`;
  const usdFmt = (value: bigint) => `${formatAmount(value, usd.decimals)} ${usd.symbol}`;
  return (
    <article className="card" aria-label={`Provider ${provider}`} data-testid="provider-entry" data-address={provider}>
      <h3 className="mono" title={provider}>
        {shortAddress(provider)} {isYou && <span className="pill">you</span>}
      </h3>
      <dl className="kv">
        <dt>GPU</dt>
        <dd data-testid="provider-gpu">{profile ? profile.gpuModel : "…"}</dd>
        <dt>VRAM</dt>
        <dd>{profile ? `${profile.vramMb.toLocaleString("en-US")} MB` : "…"}</dd>
        <dt>Throughput</dt>
        <dd>{profile ? formatOpsPerSecond(profile.throughputMilliOpsPerSec) : "…"}</dd>
        <dt>Region</dt>
        <dd>{profile ? profile.region || "—" : "…"}</dd>
        <dt>Benchmark</dt>
        <dd className="mono" title={profile?.benchmarkReport}>
          {profile ? shortHex(profile.benchmarkReport, 14) : "…"}
        </dd>
        <dt>Stake</dt>
        <dd data-testid="provider-stake">
          {stake ? `${sovFmt(stake.staked)} (${sovFmt(stake.locked)} locked as collateral)` : "…"}
        </dd>
        <dt>Jobs</dt>
        <dd data-testid="provider-jobs">
          {stats
            ? `${stats.settled} settled, ${stats.expired} expired (slashed), ${stats.declined} declined, ${stats.voided} voided, ${stats.open} open`
            : "…"}
        </dd>
        <dt>Earned</dt>
        <dd>{stats ? `${usdFmt(stats.earned)} after ${usdFmt(stats.fees)} of fees` : "…"}</dd>
        {stats && stats.slashed > 0n && (
          <>
            <dt>Slashed</dt>
            <dd data-testid="provider-slashed">{sovFmt(stats.slashed)}</dd>
          </>
        )}
      </dl>
      <h4 className="field-label">Asks in the book</h4>
      <ProviderAsks deployment={deployment} asks={asks} usd={usd} />
    </article>
  );
}

function ProviderAsks({
  deployment,
  asks,
  usd,
}: {
  deployment: Deployment;
  asks: readonly AskRecord[];
  usd: TokenInfo;
}) {
  const now = useChainNow();
  const markets = useMarketsOverview(deployment);
  // The events say how many jobs an ask took; the book says what is left (an ask can also stop resting early).
  const orders = useReadContracts({
    contracts: asks.map((ask) => ({
      address: deployment.contracts.spotMarket,
      abi: marketAbi,
      functionName: "orderOf" as const,
      args: [ask.orderId] as const,
    })),
    query: { enabled: asks.length > 0 },
  });
  const resting = asks.flatMap((ask, index) => {
    const order = orders.data?.[index]?.result;
    return order && order.owner.toLowerCase() === ask.provider.toLowerCase() && order.remaining > 0
      ? [{ ask, remaining: order.remaining }]
      : [];
  });
  if (asks.length > 0 && orders.isLoading) return <Loading what="asks" />;
  if (!resting.length) return <Empty>No asks in the book.</Empty>;
  return (
    <ul className="plain" data-testid="provider-asks">
      {resting.map(({ ask, remaining }) => {
        const market = deployment.markets.find((entry) => entry.marketId === ask.marketId);
        const tickSize = markets.overview.get(ask.marketId)?.tickSize;
        const price =
          tickSize === undefined
            ? `tick ${ask.tick}`
            : `${formatAmount(tickToPrice(ask.tick, tickSize), usd.decimals)} ${usd.symbol}`;
        const expiry = now === undefined ? "" : countdown(Number(ask.expiresAt), now);
        return (
          <li key={ask.orderId.toString()}>
            {market ? marketLabel(market) : `market ${ask.marketId}`}: <strong>{price}</strong> per job, {remaining} of{" "}
            {ask.capacity} jobs left
            {expiry && (expiry.done ? " (expired: no longer matches)" : `, expires ${expiry.text}`)}
          </li>
        );
      })}
    </ul>
  );
}
