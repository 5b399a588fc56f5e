"use client";
import { useState } from "react";
import { DepthChart, PriceChart } from "@/components/charts";
import { MarketAbout } from "@/components/MarketAbout";
import { MarketPicker } from "@/components/MarketPicker";
import { Card, Empty, Loading, WithDeployment } from "@/components/ui";
import { useSovraConfig } from "@/components/Providers";
import {
  formatAmount,
  formatBps,
  formatDuration,
  formatTimestamp,
  shortAddress,
  shortHex,
  tickToPrice,
  txHref,
} from "@/lib/format";
import { useChainNow, useTokenInfo } from "@/lib/hooks";
import { jobState, jobStateWords, jobsOfMarket } from "@/lib/ledger";
import { useBlockTimes, useLedger } from "@/lib/ledger-data";
import { useDepth, useMarketInfo } from "@/lib/market-data";
import type { Deployment } from "@/lib/runtime-config";

export default function MarketPage() {
  return (
    <>
      <h1>Market</h1>
      <WithDeployment>{(deployment) => <Market deployment={deployment} />}</WithDeployment>
    </>
  );
}

function Market({ deployment }: { deployment: Deployment }) {
  const { explorerUrl } = useSovraConfig();
  const [marketId, setMarketId] = useState<number | undefined>(deployment.markets[0]?.marketId);
  const token = useTokenInfo(deployment.contracts.paymentToken);
  const { info, isLoading, bestAsk, bestBid } = useMarketInfo(deployment, marketId);
  const depth = useDepth(deployment, marketId);
  const ledger = useLedger(deployment);
  const now = useChainNow();
  const jobs = ledger.data && marketId !== undefined ? jobsOfMarket(ledger.data, marketId) : [];
  const times = useBlockTimes(jobs.map((job) => job.matchedBlock));

  const market = deployment.markets.find((entry) => entry.marketId === marketId);
  if (marketId === undefined || !market) return <Empty>This deployment has no markets yet.</Empty>;
  const unit = token?.symbol ?? "tokens";
  const tickSize = info?.params.tickSize;
  const plain = (value: bigint) => (token ? formatAmount(value, token.decimals) : value.toString());
  const price = (value: bigint) => (token ? `${plain(value)} ${token.symbol}` : value.toString());
  const tickPrice = (tick: number) => (tickSize !== undefined ? price(tickToPrice(tick, tickSize)) : `tick ${tick}`);
  const tickPlain = (tick: number) => (tickSize !== undefined ? plain(tickToPrice(tick, tickSize)) : `tick ${tick}`);
  const recent = jobs.slice(0, 20);
  const timeOf = (block: bigint) => times.data?.get(block);

  return (
    <>
      <MarketPicker deployment={deployment} value={marketId} onChange={setMarketId} />
      <Card title="What this market sells">
        <MarketAbout deployment={deployment} market={market} />
      </Card>
      <div className="grid2">
        <Card title="Summary">
          {isLoading || !info ? (
            <Loading what="market" />
          ) : (
            <dl className="kv">
              <dt>Best ask</dt>
              <dd data-testid="best-ask">
                {bestAsk === undefined ? "…" : bestAsk === null ? "none" : tickPrice(bestAsk)}
              </dd>
              <dt>Best bid</dt>
              <dd data-testid="best-bid">
                {bestBid === undefined ? "…" : bestBid === null ? "none" : tickPrice(bestBid)}
              </dd>
              <dt>Tick size</dt>
              <dd>{price(info.params.tickSize)}</dd>
              <dt>Protocol fee</dt>
              <dd>{formatBps(info.params.feeBps)} of each settled job, taken from the provider&apos;s payment</dd>
              <dt>Min. job window</dt>
              <dd>{formatDuration(info.params.minJobWindow)}</dd>
              <dt>Orders</dt>
              <dd>{info.params.active ? "accepted" : "paused by governance"}</dd>
            </dl>
          )}
        </Card>
        <Card title="Order book depth">
          {depth.error ? (
            <p className="tx-error" role="alert">
              Could not read the order book: {depth.error.message.split("\n")[0]}
            </p>
          ) : depth.isLoading || !depth.book ? (
            <Loading what="order book" />
          ) : (
            <>
              <DepthChart bids={depth.book.bids} asks={depth.book.asks} formatTick={tickPlain} unit={unit} />
              {depth.book.asks.length + depth.book.bids.length > 0 && (
                <div className="table-wrap">
                  <table aria-label="Order book levels">
                    <thead>
                      <tr>
                        <th scope="col">Side</th>
                        <th scope="col">Price</th>
                        <th scope="col">Jobs</th>
                      </tr>
                    </thead>
                    <tbody>
                      {depth.book.asks
                        .slice(0, 5)
                        .reverse()
                        .map((level) => (
                          <tr key={`a${level.tick}`}>
                            <td style={{ color: "var(--ask)" }}>ask</td>
                            <td>{tickPrice(level.tick)}</td>
                            <td>{level.quantity}</td>
                          </tr>
                        ))}
                      {depth.book.bids.slice(0, 5).map((level) => (
                        <tr key={`b${level.tick}`}>
                          <td style={{ color: "var(--bid)" }}>bid</td>
                          <td>{tickPrice(level.tick)}</td>
                          <td>{level.quantity}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </>
          )}
        </Card>
      </div>
      <Card title="Price history">
        {ledger.isLoading || (jobs.length > 0 && !times.data) ? (
          <Loading what="trades" />
        ) : (
          <PriceChart
            points={jobs.flatMap((job) => {
              const time = timeOf(job.matchedBlock);
              return time === undefined ? [] : [{ time, price: Number(job.terms.price) }];
            })}
            formatPrice={(value) => plain(BigInt(Math.round(value)))}
            unit={unit}
            minStep={tickSize !== undefined ? Number(tickSize) : 1}
          />
        )}
      </Card>
      <Card title="Recent matches">
        {ledger.isLoading ? (
          <Loading what="matches" />
        ) : recent.length === 0 ? (
          <Empty>No matches yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table data-testid="recent-matches">
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Price</th>
                  <th scope="col">Provider</th>
                  <th scope="col">Buyer</th>
                  <th scope="col">Matched</th>
                  <th scope="col">Status</th>
                  <th scope="col">Settlement tx</th>
                  <th scope="col">Bid tx</th>
                </tr>
              </thead>
              <tbody>
                {recent.map((job) => {
                  const time = timeOf(job.matchedBlock);
                  const state = now === undefined ? undefined : jobState(job, now);
                  return (
                    <tr key={job.jobId.toString()} data-testid={`match-${job.jobId.toString()}`}>
                      <td>#{job.jobId.toString()}</td>
                      <td>{price(job.terms.price)}</td>
                      <td className="mono" title={job.terms.provider}>
                        {shortAddress(job.terms.provider)}
                      </td>
                      <td className="mono" title={job.terms.buyer}>
                        {shortAddress(job.terms.buyer)}
                      </td>
                      <td>{time === undefined ? "…" : formatTimestamp(time)}</td>
                      <td data-testid="match-status">{state === undefined ? "…" : jobStateWords[state]}</td>
                      <td>
                        {job.outcome ? (
                          <a
                            href={txHref(job.outcome.txHash, explorerUrl)}
                            className="mono"
                            data-testid="settlement-link"
                          >
                            {shortHex(job.outcome.txHash)}
                          </a>
                        ) : (
                          <span className="muted">not yet</span>
                        )}
                      </td>
                      <td>
                        <a href={txHref(job.bidTx, explorerUrl)} className="mono" data-testid="bid-link">
                          {shortHex(job.bidTx)}
                        </a>
                      </td>
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
