"use client";
// A buyer's orders and jobs: bids resting in the book (cancel), open jobs, ended jobs, and what the market owes
// (refunds of cancelled bids and expired or declined jobs) with the Withdraw button. All from the market's events.
import Link from "next/link";
import type { ReactNode } from "react";
import type { Address } from "viem";
import { useReadContract, useWriteContract } from "wagmi";
import { marketAbi, modelRegistryAbi } from "@/lib/abis";
import { marketLabel } from "@/components/MarketPicker";
import { useSovraConfig } from "@/components/Providers";
import { TxStatus } from "@/components/TxStatus";
import { Card, Empty, Loading, WithDeployment } from "@/components/ui";
import { ConnectHint, useWriteAccount } from "@/components/Wallet";
import { countdown, formatAmount, formatTimestamp, shortAddress, shortHex, tickToPrice, txHref } from "@/lib/format";
import { useChainNow, useTokenInfo, useTx, type TokenInfo } from "@/lib/hooks";
import { bidState, jobStateWords, ordersOf, type JobRecord, type JobState } from "@/lib/ledger";
import { useLedger } from "@/lib/ledger-data";
import { useMarketsOverview } from "@/lib/market-data";
import { describeOutput } from "@/lib/models";
import type { Deployment } from "@/lib/runtime-config";

export default function OrdersPage() {
  return (
    <>
      <h1>My orders</h1>
      <WithDeployment>{(deployment) => <Orders deployment={deployment} />}</WithDeployment>
    </>
  );
}

function Orders({ deployment }: { deployment: Deployment }) {
  const account = useWriteAccount();
  const usd = useTokenInfo(deployment.contracts.paymentToken);
  if (!account) {
    return (
      <Card title="Your bids and jobs">
        <ConnectHint what="see your bids, jobs and refunds" />
      </Card>
    );
  }
  if (!usd) return <Loading what="token" />;
  return <BuyerOrders deployment={deployment} account={account} usd={usd} />;
}

function BuyerOrders({ deployment, account, usd }: { deployment: Deployment; account: Address; usd: TokenInfo }) {
  const { explorerUrl } = useSovraConfig();
  const ledger = useLedger(deployment);
  const now = useChainNow();
  const markets = useMarketsOverview(deployment);
  const { writeContractAsync } = useWriteContract();
  const cancelTx = useTx();
  const amount = (value: bigint) => `${formatAmount(value, usd.decimals)} ${usd.symbol}`;
  const marketName = (marketId: number) => {
    const market = deployment.markets.find((entry) => entry.marketId === marketId);
    return market ? marketLabel(market) : `market ${marketId}`;
  };
  if (ledger.isLoading || !ledger.data || now === undefined) return <Loading what="your orders" />;
  const { resting, openJobs, endedJobs, unfilled } = ordersOf(ledger.data, account, now);
  const link = (hash: `0x${string}`) => (
    <a href={txHref(hash, explorerUrl)} className="mono">
      {shortHex(hash)}
    </a>
  );

  return (
    <>
      <Refunds deployment={deployment} account={account} usd={usd} />
      <Card title="Bids in the book">
        {resting.length === 0 ? (
          <Empty>No bids waiting for a provider.</Empty>
        ) : (
          <div className="table-wrap">
            <table data-testid="resting-bids">
              <thead>
                <tr>
                  <th scope="col">Bid</th>
                  <th scope="col">Market</th>
                  <th scope="col">Price (escrowed)</th>
                  <th scope="col">Deadline</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {resting.map((bid) => {
                  const tickSize = markets.overview.get(bid.marketId)?.tickSize;
                  const stale = bidState(ledger.data, bid, now) === "stale";
                  return (
                    <tr key={bid.orderId.toString()} data-testid={`bid-${bid.orderId.toString()}`}>
                      <td>#{bid.orderId.toString()}</td>
                      <td>{marketName(bid.marketId)}</td>
                      <td>
                        {tickSize === undefined ? `tick ${bid.maxTick}` : amount(tickToPrice(bid.maxTick, tickSize))}
                      </td>
                      <td>
                        {stale ? "passed: it can no longer be filled" : countdown(Number(bid.deadline), now).text}
                      </td>
                      <td>
                        <button
                          type="button"
                          className="secondary"
                          aria-label={`Cancel bid ${bid.orderId.toString()}`}
                          disabled={cancelTx.busy}
                          onClick={() =>
                            cancelTx.run("Cancel bid", () =>
                              writeContractAsync({
                                address: deployment.contracts.spotMarket,
                                abi: marketAbi,
                                functionName: "cancelOrder",
                                args: [bid.orderId],
                              }),
                            )
                          }
                        >
                          Cancel
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        <p className="muted">A cancelled bid&apos;s escrow is owed back to you: withdraw it above.</p>
        <TxStatus state={cancelTx.state} />
      </Card>
      <Card title="Open jobs">
        {openJobs.length === 0 ? (
          <Empty>No job is waiting for its proof.</Empty>
        ) : (
          <div className="table-wrap">
            <table data-testid="open-jobs">
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Market</th>
                  <th scope="col">Price</th>
                  <th scope="col">Provider</th>
                  <th scope="col">Deadline</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {openJobs.map(({ job, state }) => (
                  <tr key={job.jobId.toString()} data-testid={`job-${job.jobId.toString()}`} data-job-state={state}>
                    <td>
                      <Link href={`/buy?market=${job.terms.marketId}&job=${job.jobId.toString()}`}>
                        #{job.jobId.toString()}
                      </Link>
                    </td>
                    <td>{marketName(job.terms.marketId)}</td>
                    <td>{amount(job.terms.price)}</td>
                    <td className="mono" title={job.terms.provider}>
                      {shortAddress(job.terms.provider)}
                    </td>
                    <td>{formatTimestamp(Number(job.terms.deadline))}</td>
                    <td>
                      {state === "late" ? (
                        <Link href={`/buy?market=${job.terms.marketId}&job=${job.jobId.toString()}`}>
                          {jobStateWords[state]}
                        </Link>
                      ) : (
                        `${jobStateWords[state]} (${countdown(Number(job.terms.deadline), now).text})`
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <Card title="Ended">
        {endedJobs.length === 0 && unfilled.length === 0 ? (
          <Empty>Nothing has ended yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table data-testid="ended">
              <thead>
                <tr>
                  <th scope="col">Order</th>
                  <th scope="col">Market</th>
                  <th scope="col">Price</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Tx</th>
                </tr>
              </thead>
              <tbody>
                {endedJobs.map(({ job, state }) => (
                  <EndedJob
                    key={job.jobId.toString()}
                    deployment={deployment}
                    job={job}
                    state={state}
                    amount={amount}
                    marketName={marketName}
                    link={link}
                  />
                ))}
                {unfilled.map((bid) => {
                  const tickSize = markets.overview.get(bid.marketId)?.tickSize;
                  return (
                    <tr key={bid.orderId.toString()} data-testid={`ended-${bid.orderId.toString()}`}>
                      <td>bid #{bid.orderId.toString()}</td>
                      <td>{marketName(bid.marketId)}</td>
                      <td>
                        {tickSize === undefined ? `tick ${bid.maxTick}` : amount(tickToPrice(bid.maxTick, tickSize))}
                      </td>
                      <td>
                        {bid.ended?.kind === "cancelled"
                          ? "cancelled: escrow refunded"
                          : "removed unfilled (deadline too close): escrow refunded"}
                      </td>
                      <td>{bid.ended ? link(bid.ended.txHash) : null}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  );
}

function EndedJob({
  deployment,
  job,
  state,
  amount,
  marketName,
  link,
}: {
  deployment: Deployment;
  job: JobRecord;
  state: JobState;
  amount: (value: bigint) => string;
  marketName: (marketId: number) => string;
  link: (hash: `0x${string}`) => ReactNode;
}) {
  const modelId = deployment.markets.find((market) => market.marketId === job.terms.marketId)?.modelId;
  const model = useReadContract({
    address: deployment.contracts.modelRegistry,
    abi: modelRegistryAbi,
    functionName: "modelOf",
    args: [modelId ?? `0x${"0".repeat(64)}`],
    query: { enabled: modelId !== undefined && job.outcome?.kind === "settled" },
  });
  const outcome = job.outcome;
  return (
    <tr data-testid={`ended-${job.jobId.toString()}`} data-job-state={state}>
      <td>
        <Link href={`/buy?market=${job.terms.marketId}&job=${job.jobId.toString()}`}>job #{job.jobId.toString()}</Link>
      </td>
      <td>{marketName(job.terms.marketId)}</td>
      <td>{amount(job.terms.price)}</td>
      <td>
        {jobStateWords[state]}
        {outcome?.kind === "settled" && model.data && (
          <>
            {": "}
            <strong>{describeOutput(outcome.output, model.data.ioSpec)}</strong>
          </>
        )}
      </td>
      <td>{outcome ? link(outcome.txHash) : null}</td>
    </tr>
  );
}

function Refunds({ deployment, account, usd }: { deployment: Deployment; account: Address; usd: TokenInfo }) {
  const market = deployment.contracts.spotMarket;
  const owed = useReadContract({ address: market, abi: marketAbi, functionName: "owed", args: [account] });
  const { writeContractAsync } = useWriteContract();
  const tx = useTx();
  return (
    <Card title="Refunds">
      <p data-testid="owed">
        The market owes you:{" "}
        <strong>{owed.data === undefined ? "…" : `${formatAmount(owed.data, usd.decimals)} ${usd.symbol}`}</strong>
      </p>
      <p className="muted">
        Escrow of cancelled bids and of expired or declined jobs comes back here; withdraw it to your wallet.
      </p>
      <button
        type="button"
        disabled={!owed.data || tx.busy}
        onClick={() =>
          tx.run("Withdraw", () =>
            writeContractAsync({ address: market, abi: marketAbi, functionName: "withdraw", args: [account] }),
          )
        }
      >
        Withdraw{owed.data ? ` ${formatAmount(owed.data, usd.decimals)} ${usd.symbol}` : ""}
      </button>
      <TxStatus state={tx.state} />
    </Card>
  );
}
