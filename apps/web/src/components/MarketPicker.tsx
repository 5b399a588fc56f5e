"use client";
import type { Deployment } from "@/lib/runtime-config";
import { Field } from "./ui";

export function marketLabel(market: Deployment["markets"][number]): string {
  return `${market.model} · policy class ${market.policyClass}`;
}

/** Chooses one market (model x policy class) of the deployment. */
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
  if (!deployment.markets.length) return <p className="empty">This deployment has no markets yet.</p>;
  return (
    <Field label={label}>
      <select value={value ?? ""} onChange={(event) => onChange(Number(event.target.value))}>
        {deployment.markets.map((market) => (
          <option key={market.marketId} value={market.marketId}>
            {marketLabel(market)}
          </option>
        ))}
      </select>
    </Field>
  );
}
