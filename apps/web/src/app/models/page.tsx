"use client";
import { useReadContracts } from "wagmi";
import { Incentives } from "@/components/Incentives";
import { PolicyNote } from "@/components/MarketAbout";
import { ProposeModel } from "@/components/ProposeModel";
import { Card, Empty, Loading, WithDeployment } from "@/components/ui";
import { modelRegistryAbi } from "@/lib/abis";
import { formatAmount, shortAddress, tickToPrice } from "@/lib/format";
import { useTokenInfo } from "@/lib/hooks";
import { usePolicyClasses } from "@/lib/ledger-data";
import { useMarketsOverview } from "@/lib/market-data";
import { describeOptimisticSpec, optimisticInputOf } from "@/lib/optimistic";
import { useOptimisticModels } from "@/lib/optimistic-data";
import { describeIoSpec, formatMinVram, modelArchitecture, modelPurpose } from "@/lib/models";
import type { Deployment } from "@/lib/runtime-config";
import { cidOfMultihash } from "@sovra/contracts";

export default function ModelsPage() {
  return (
    <>
      <h1>Models</h1>
      <WithDeployment>
        {(deployment) => (
          <>
            <Models deployment={deployment} />
            <ProposeModel deployment={deployment} />
          </>
        )}
      </WithDeployment>
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
  const markets = useMarketsOverview(deployment);
  const classes = usePolicyClasses(deployment);
  const token = useTokenInfo(deployment.contracts.paymentToken);
  const optimistic = useOptimisticModels(deployment).models;
  if (!deployment.models.length) return <Empty>No models are registered in this deployment yet.</Empty>;
  if (reads.isLoading) return <Loading what="models" />;
  const tickPrice = (tick: number | null, tickSize: bigint) =>
    tick === null
      ? "none"
      : token
        ? `${formatAmount(tickToPrice(tick, tickSize), token.decimals)} ${token.symbol}`
        : `tick ${tick}`;
  return (
    <div className="grid2">
      {deployment.models.map((model, index) => {
        const onChain = reads.data?.[index]?.result;
        const spec = onChain ? describeIoSpec(onChain.ioSpec) : undefined;
        const purpose = onChain ? modelPurpose(onChain.ioSpec) : undefined;
        const modelMarkets = deployment.markets.filter((market) => market.modelId === model.modelId);
        const settlement = optimistic.find((entry) => entry.modelId === model.modelId)?.settlement;
        const optimisticInput = onChain && settlement ? optimisticInputOf(model.name, onChain.ioSpec) : undefined;
        const optimisticSpec = onChain && settlement ? describeOptimisticSpec(onChain.ioSpec) : undefined;
        return (
          <Card key={model.modelId} title={`${model.name} (${modelArchitecture(model.name)})`} id={`model-${index}`}>
            {!onChain || !purpose ? (
              <Empty>Not found in the registry.</Empty>
            ) : (
              <>
                <p data-testid="model-task">
                  {optimisticInput
                    ? optimisticInput.output === "text"
                      ? "Reads the text in an image (optimistic tier)."
                      : "Finds the speech in a recording (optimistic tier)."
                    : purpose.task}
                </p>
                <dl className="kv" data-testid="model">
                  <dt>Tier</dt>
                  <dd data-testid="model-tier">
                    {settlement ? "optimistic (audits and disputes)" : "zk (every result proven)"}
                  </dd>
                  <dt>Input</dt>
                  <dd>{optimisticSpec?.input ?? purpose.input}</dd>
                  <dt>Output</dt>
                  <dd>{optimisticSpec?.output ?? purpose.output}</dd>
                  {optimisticSpec?.rule && (
                    <>
                      <dt>Results agree when</dt>
                      <dd data-testid="model-rule">{optimisticSpec.rule}</dd>
                    </>
                  )}
                  {optimisticSpec?.runtime && (
                    <>
                      <dt>Runtime</dt>
                      <dd>{optimisticSpec.runtime}</dd>
                    </>
                  )}
                  <dt>Status</dt>
                  <dd>{onChain.approved ? "approved" : "not approved"}</dd>
                  {spec?.meanAbsError ? (
                    <>
                      <dt>Mean abs. error</dt>
                      <dd>{spec.meanAbsError} on held-out test data</dd>
                    </>
                  ) : (
                    <>
                      <dt>Accuracy</dt>
                      <dd>{spec?.accuracy ? `${spec.accuracy} on held-out test data` : "not published"}</dd>
                    </>
                  )}
                  <dt>Min. VRAM</dt>
                  <dd data-testid="min-vram">{formatMinVram(onChain.minVramMb)}</dd>
                  <dt>I/O spec</dt>
                  <dd>{spec?.summary ?? "—"}</dd>
                  <dt>Model id</dt>
                  <dd className="mono">{model.modelId}</dd>
                  <dt>Weights CID</dt>
                  <dd className="mono" data-testid="weights-cid">
                    {weightsCidOf(onChain.weightsMultihash)}
                  </dd>
                  <dt>Verifying key hash</dt>
                  <dd className="mono" data-testid="vkey-hash" title={onChain.vkeyHash}>
                    {onChain.vkeyHash}
                  </dd>
                  <dt>Verifier</dt>
                  <dd className="mono" title={onChain.verifier}>
                    {shortAddress(onChain.verifier)}
                  </dd>
                </dl>
                <h3 className="field-label">Markets</h3>
                {modelMarkets.length === 0 ? (
                  <Empty>No market yet.</Empty>
                ) : (
                  <div className="table-wrap">
                    <table data-testid="model-markets" aria-label={`Markets of ${model.name}`}>
                      <thead>
                        <tr>
                          <th scope="col">Policy class</th>
                          <th scope="col">Best ask</th>
                          <th scope="col">Best bid</th>
                        </tr>
                      </thead>
                      <tbody>
                        {modelMarkets.map((market) => {
                          const overview = markets.overview.get(market.marketId);
                          const status = classes.data?.get(market.policyClass);
                          return (
                            <tr key={market.marketId} data-testid={`market-row-${market.marketId}`}>
                              <td>
                                {market.policyClass}
                                {status?.open ? " (open)" : ""}
                                {status && !status.listable && (
                                  <>
                                    <br />
                                    <span className="warn" data-testid="no-attester">
                                      no trusted attester yet: no provider can list
                                    </span>
                                  </>
                                )}
                              </td>
                              <td data-testid="market-best-ask">
                                {overview ? tickPrice(overview.bestAsk, overview.tickSize) : "…"}
                              </td>
                              <td data-testid="market-best-bid">
                                {overview ? tickPrice(overview.bestBid, overview.tickSize) : "…"}
                              </td>
                            </tr>
                          );
                        })}
                      </tbody>
                    </table>
                  </div>
                )}
                {settlement && (
                  <Incentives deployment={deployment} settlement={settlement} marketId={modelMarkets[0]?.marketId} />
                )}
                <div className="muted">
                  {[...new Set(modelMarkets.map((market) => market.policyClass))].map((policyClass) => (
                    <PolicyNote
                      key={policyClass}
                      status={classes.data?.get(policyClass)}
                      policyClass={policyClass}
                      warn={false}
                    />
                  ))}
                </div>
              </>
            )}
          </Card>
        );
      })}
    </div>
  );
}

/** The registry stores the weights' multihash; people compare CIDs. */
function weightsCidOf(multihash: `0x${string}`): string {
  try {
    return cidOfMultihash(multihash);
  } catch {
    return multihash;
  }
}
