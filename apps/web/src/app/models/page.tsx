"use client";
import { useReadContracts } from "wagmi";
import { Card, Empty, Loading, WithDeployment } from "@/components/ui";
import { modelRegistryAbi } from "@/lib/abis";
import { shortAddress } from "@/lib/format";
import { describeIoSpec } from "@/lib/models";
import type { Deployment } from "@/lib/runtime-config";

export default function ModelsPage() {
  return (
    <>
      <h1>Models</h1>
      <WithDeployment>{(deployment) => <Models deployment={deployment} />}</WithDeployment>
    </>
  );
}

function Models({ deployment }: { deployment: Deployment }) {
  const reads = useReadContracts({
    contracts: deployment.models.map((model) => ({
      address: deployment.contracts.modelRegistry,
      abi: modelRegistryAbi,
      functionName: "modelOf" as const,
      args: [model.modelId] as const,
    })),
  });
  if (!deployment.models.length) return <Empty>No models are registered in this deployment yet.</Empty>;
  if (reads.isLoading) return <Loading what="models" />;
  return (
    <div className="grid2">
      {deployment.models.map((model, index) => {
        const onChain = reads.data?.[index]?.result;
        const spec = onChain ? describeIoSpec(onChain.ioSpec) : undefined;
        return (
          <Card key={model.modelId} title={model.name} id={`model-${index}`}>
            {!onChain ? (
              <Empty>Not found in the registry.</Empty>
            ) : (
              <dl className="kv" data-testid="model">
                <dt>Status</dt>
                <dd>{onChain.approved ? "approved" : "not approved"}</dd>
                <dt>Model id</dt>
                <dd className="mono">{model.modelId}</dd>
                <dt>Weights CID</dt>
                <dd className="mono">{onChain.weightsCid}</dd>
                <dt>Verifier</dt>
                <dd className="mono" title={onChain.verifier}>
                  {shortAddress(onChain.verifier)}
                </dd>
                <dt>Min. VRAM</dt>
                <dd>{onChain.minVramMb.toLocaleString("en-US")} MB</dd>
                <dt>Accuracy</dt>
                <dd>{spec?.accuracy ?? "not published"}</dd>
                <dt>Input / output</dt>
                <dd>{spec?.summary ?? "—"}</dd>
                <dt>Markets</dt>
                <dd>
                  {deployment.markets
                    .filter((market) => market.modelId === model.modelId)
                    .map((market) => `#${market.marketId} (class ${market.policyClass})`)
                    .join(", ") || "none"}
                </dd>
              </dl>
            )}
          </Card>
        );
      })}
    </div>
  );
}
