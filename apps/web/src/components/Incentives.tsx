"use client";
// What an optimistic model's settlement parameters mean, read from the chain (the version in force and the
// market's collateral per job): audit probability p, collateral S, the deterrent p·S against the compute cost C a
// cheat saves, the windows and the bonds.
import type { Address } from "viem";
import { useReadContract } from "wagmi";
import { settlementAbi } from "@/lib/abis";
import { formatAmount } from "@/lib/format";
import { useTokenInfo } from "@/lib/hooks";
import { useMarketInfo } from "@/lib/market-data";
import { describeIncentives } from "@/lib/optimistic";
import type { Deployment } from "@/lib/runtime-config";
import { Loading } from "./ui";

export function Incentives({
  deployment,
  settlement,
  marketId,
}: {
  deployment: Deployment;
  settlement: Address;
  marketId: number | undefined;
}) {
  const usd = useTokenInfo(deployment.contracts.paymentToken);
  const sov = useTokenInfo(deployment.contracts.sovraToken);
  const epoch = useReadContract({ address: settlement, abi: settlementAbi, functionName: "currentEpoch" });
  const params = useReadContract({
    address: settlement,
    abi: settlementAbi,
    functionName: "paramsAt",
    args: [epoch.data ?? 0],
    query: { enabled: epoch.data !== undefined },
  });
  const { info } = useMarketInfo(deployment, marketId);
  if (!params.data || !info || !usd || !sov) return <Loading what="incentive parameters" />;
  const described = describeIncentives(params.data, info.params.collateralPerJob, {
    payment: (value) => `${formatAmount(value, usd.decimals)} ${usd.symbol}`,
    stake: (value) => `${formatAmount(value, sov.decimals)} ${sov.symbol}`,
  });
  return (
    <section data-testid="incentives" aria-label="What the optimistic tier's parameters mean">
      <h3 className="field-label">Optimistic tier: how a result becomes final</h3>
      <p className="muted">
        The provider commits its answer; it is final after the challenge window unless a random audit or a challenge
        overturns it. Anyone finalizes a final result; an overturned one is never paid: the buyer is refunded and the
        provider&apos;s collateral slashed.
      </p>
      <dl className="kv">
        {described.rows.map((row) => (
          <div key={row.label} style={{ display: "contents" }}>
            <dt>{row.label}</dt>
            <dd
              data-testid={`incentive-${row.label
                .toLowerCase()
                .replace(/[^a-z]+/g, "-")
                .replace(/-+$/, "")}`}
            >
              {row.value}
            </dd>
          </div>
        ))}
      </dl>
      <p className="muted" data-testid="incentive-rule">
        {described.rule}
      </p>
    </section>
  );
}
