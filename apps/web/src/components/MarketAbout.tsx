"use client";
// What a market sells and who may sell there: the model's task and input, and the policy class in words.
import { useReadContract } from "wagmi";
import { modelRegistryAbi } from "@/lib/abis";
import { usePolicyClasses } from "@/lib/ledger-data";
import { modelArchitecture, modelPurpose } from "@/lib/models";
import { claimsWithoutAttester, describeClass, noAttesterLine, type ClassStatus } from "@/lib/policy";
import type { Deployment } from "@/lib/runtime-config";

type Market = Deployment["markets"][number];

/** The policy class of a market in one line, with the warning when nobody can list. */
export function PolicyNote({
  status,
  policyClass,
  warn = true,
}: {
  status: ClassStatus | undefined;
  policyClass: number;
  /** Also say when no provider can list (off where the warning shows elsewhere). */
  warn?: boolean;
}) {
  if (!status) return <p className="muted">Policy class {policyClass}: reading its requirements…</p>;
  return (
    <>
      <p data-testid="policy-class">{describeClass(status)}</p>
      {warn && !status.listable && (
        <p className="warn" role="note" data-testid="no-attester">
          {noAttesterLine(claimsWithoutAttester(status))}
        </p>
      )}
    </>
  );
}

export function MarketAbout({ deployment, market }: { deployment: Deployment; market: Market }) {
  const model = useReadContract({
    address: deployment.contracts.modelRegistry,
    abi: modelRegistryAbi,
    functionName: "modelOf",
    args: [market.modelId],
  });
  const classes = usePolicyClasses(deployment);
  const purpose = model.data ? modelPurpose(model.data.ioSpec) : undefined;
  return (
    <div data-testid="market-about">
      <dl className="kv">
        <dt>Model</dt>
        <dd>
          <strong>{market.model}</strong> ({modelArchitecture(market.model)})
        </dd>
        <dt>Task</dt>
        <dd data-testid="model-task">{purpose?.task ?? "…"}</dd>
        <dt>Input</dt>
        <dd>{purpose?.input ?? "…"}</dd>
        <dt>Output</dt>
        <dd>{purpose?.output ?? "…"}</dd>
      </dl>
      <p>
        One job is one run of the model on your input. The provider is paid only when the market&apos;s on-chain
        verifier accepts a zero-knowledge proof that the output is this model&apos;s output for that input.
      </p>
      <PolicyNote status={classes.data?.get(market.policyClass)} policyClass={market.policyClass} />
      <p className="muted">
        A policy class is the set of compliance claims (e.g. GDPR, SOC2, TEE) a provider must hold an attestation for to
        sell in a market; class 0 requires none.
      </p>
    </div>
  );
}
