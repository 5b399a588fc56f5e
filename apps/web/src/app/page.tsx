"use client";
import { useState } from "react";
import { DepthChart, PriceChart } from "@/components/charts";
import { MarketPicker } from "@/components/MarketPicker";
import { Card, Empty, Loading, WithDeployment } from "@/components/ui";
import { useSovraConfig } from "@/components/Providers";
import { formatAmount, formatBps, formatDuration, formatTimestamp, shortAddress, shortHex, tickToPrice, txHref } from "@/lib/format";
import { useTokenInfo } from "@/lib/hooks";
import { useDepth, useMarketInfo, useTrades } from "@/lib/market-data";
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
  const trades = useTrades(deployment, marketId === undefined ? {} : { marketId });

  if (marketId === undefined) return <Empty>This deployment has no markets yet.</Empty>;
  const tickSize = info?.params.tickSize;
  const price = (value: bigint) => (token ? `${formatAmount(value, token.decimals)} ${token.symbol}` : value.toString());
  const tickPrice = (tick: number) => (tickSize !== undefined ? price(tickToPrice(tick, tickSize)) : `tick ${tick}`);
  const recent = [...(trades.data ?? [])].reverse().slice(0, 20);

  return (
    <>
      <MarketPicker deployment={deployment} value={marketId} onChange={setMarketId} />
      <div className="grid2">
        <Card title="Summary">
          {isLoading || !info ? (
            <Loading what="market" />
          ) : (
            <dl className="kv">
              <dt>Best ask</dt>
              <dd data-testid="best-ask">{bestAsk === undefined ? "…" : bestAsk === null ? "none" : tickPrice(bestAsk)}</dd>
              <dt>Best bid</dt>
              <dd data-testid="best-bid">{bestBid === undefined ? "…" : bestBid === null ? "none" : tickPrice(bestBid)}</dd>
              <dt>Tick size</dt>
              <dd>{price(info.params.tickSize)}</dd>
              <dt>Protocol fee</dt>
              <dd>{formatBps(info.params.feeBps)}</dd>
              <dt>Min. job window</dt>
              <dd>{formatDuration(info.params.minJobWindow)}</dd>
              <dt>Status</dt>
              <dd>{info.params.active ? "open" : "paused"}</dd>
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
              <DepthChart bids={depth.book.bids} asks={depth.book.asks} formatTick={tickPrice} />
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
            </>
          )}
        </Card>
      </div>
      <Card title="Price history">
        {trades.isLoading ? (
          <Loading what="trades" />
        ) : (
          <PriceChart
            points={(trades.data ?? []).map((trade) => ({ time: trade.time, price: Number(trade.terms.price) }))}
            formatPrice={(value) => price(BigInt(Math.round(value)))}
          />
        )}
      </Card>
      <Card title="Recent matches">
        {trades.isLoading ? (
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
                  <th scope="col">Time</th>
                  <th scope="col">Tx</th>
                </tr>
              </thead>
              <tbody>
                {recent.map((trade) => (
                  <tr key={trade.jobId.toString()}>
                    <td>#{trade.jobId.toString()}</td>
                    <td>{price(trade.terms.price)}</td>
                    <td className="mono">{shortAddress(trade.terms.provider)}</td>
                    <td className="mono">{shortAddress(trade.terms.buyer)}</td>
                    <td>{formatTimestamp(trade.time)}</td>
                    <td>
                      <a href={txHref(trade.txHash, explorerUrl)} className="mono">
                        {shortHex(trade.txHash)}
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  );
}
