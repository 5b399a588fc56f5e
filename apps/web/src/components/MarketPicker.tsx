"use client";
import { usePolicyClasses } from "@/lib/ledger-data";
import type { Deployment } from "@/lib/runtime-config";
import { Field } from "./ui";

export function marketLabel(market: Deployment["markets"][number]): string {
  return `${market.model} · policy class ${market.policyClass}`;
}

/** Chooses one market (model x policy class) of the deployment; markets nobody can list on say so. */
export function MarketPicker({
  deployment,
  value,
  onChange,
  label = "Market",
}: {
  deployment: Deployment;
  value: number | undefined;
  onChange: (marketId: number) => void;
  label?: string;
}) {
  const classes = usePolicyClasses(deployment);
  if (!deployment.markets.length) return <p className="empty">This deployment has no markets yet.</p>;
  return (
    <Field label={label}>
      <select value={value ?? ""} onChange={(event) => onChange(Number(event.target.value))}>
        {deployment.markets.map((market) => {
          const status = classes.data?.get(market.policyClass);
          const note =
            status === undefined ? "" : status.open ? " (open)" : status.listable ? "" : " (no trusted attester yet)";
          return (
            <option key={market.marketId} value={market.marketId}>
              {`${marketLabel(market)}${note}`}
            </option>
          );
        })}
      </select>
    </Field>
  );
}
