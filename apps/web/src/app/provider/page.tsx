"use client";
import { useState } from "react";
import { bytesToHex, type Address } from "viem";
import { usePublicClient, useReadContract, useReadContracts, useWriteContract } from "wagmi";
import { useQuery } from "@tanstack/react-query";
import { AuditDuty } from "@/components/AuditDuty";
import { MarketPicker, marketLabel } from "@/components/MarketPicker";
import { ProviderDirectory } from "@/components/ProviderDirectory";
import { TxStatus } from "@/components/TxStatus";
import { Card, Empty, Field, Loading, WithDeployment } from "@/components/ui";
import { ConnectHint, useWriteAccount } from "@/components/Wallet";
import { governanceTokenAbi, marketAbi, registryAbi } from "@/lib/abis";
import {
  countdown,
  formatAmount,
  formatDuration,
  formatOpsPerSecond,
  formatTimestamp,
  parseAmount,
  priceToTick,
  tickToPrice,
} from "@/lib/format";
import { useChainNow, useTokenInfo, useTx, type TokenInfo } from "@/lib/hooks";
import { jobState, jobStateWords, openAsksOf, providerStats } from "@/lib/ledger";
import { useAskEligibility, useLedger } from "@/lib/ledger-data";
import { useMarketInfo } from "@/lib/market-data";
import { askEligibilityMessage } from "@/lib/policy";
import type { Deployment } from "@/lib/runtime-config";

export default function ProviderPage() {
  return (
    <>
      <h1>Provider</h1>
      <WithDeployment>{(deployment) => <Provider deployment={deployment} />}</WithDeployment>
    </>
  );
}

function Provider({ deployment }: { deployment: Deployment }) {
  const account = useWriteAccount();
  const sov = useTokenInfo(deployment.contracts.sovraToken);
  const usd = useTokenInfo(deployment.contracts.paymentToken);
  if (!account) {
    return (
      <>
        <Card title="Your provider">
          <ConnectHint what="manage your provider: profile, stake, asks and earnings" />
        </Card>
        <ProviderDirectory deployment={deployment} />
      </>
    );
  }
  if (!sov || !usd) return <Loading what="tokens" />;
  return (
    <>
      <div className="grid2">
        <Profile deployment={deployment} account={account} />
        <Stake deployment={deployment} account={account} sov={sov} />
      </div>
      <div className="grid2">
        <Asks deployment={deployment} account={account} usd={usd} sov={sov} />
        <Earnings deployment={deployment} account={account} usd={usd} />
      </div>
      <Jobs deployment={deployment} account={account} usd={usd} />
      <AuditDuty deployment={deployment} account={account} usd={usd} sov={sov} />
      <ProviderDirectory deployment={deployment} you={account} />
    </>
  );
}

async function sha256Hex(file: File): Promise<`0x${string}`> {
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return bytesToHex(new Uint8Array(digest));
}

function Profile({ deployment, account }: { deployment: Deployment; account: Address }) {
  const registry = deployment.contracts.providerRegistry;
  const reads = useReadContracts({
    contracts: [
      { address: registry, abi: registryAbi, functionName: "isRegistered", args: [account] },
      { address: registry, abi: registryAbi, functionName: "profileOf", args: [account] },
    ],
  });
  const registered = reads.data?.[0]?.result;
  const profile = reads.data?.[1]?.result;
  const [form, setForm] = useState({ gpuModel: "", vramMb: "", throughput: "", region: "", report: "" });
  const [editing, setEditing] = useState(false);
  const { writeContractAsync } = useWriteContract();
  const tx = useTx();
  const set = (key: keyof typeof form) => (event: { target: { value: string } }) =>
    setForm({ ...form, [key]: event.target.value });
  const reportOk = /^0x[0-9a-fA-F]{64}$/.test(form.report);

  if (registered === undefined)
    return (
      <Card title="Hardware profile">
        <Loading what="profile" />
      </Card>
    );
  const showForm = !registered || editing;
  return (
    <Card title="Hardware profile">
      {registered && profile && (
        <dl className="kv" data-testid="profile">
          <dt>GPU</dt>
          <dd>{profile.gpuModel}</dd>
          <dt>VRAM</dt>
          <dd>{profile.vramMb.toLocaleString("en-US")} MB</dd>
          <dt>Throughput</dt>
          <dd>{formatOpsPerSecond(profile.throughputMilliOpsPerSec)}</dd>
          <dt>Region</dt>
          <dd>{profile.region || "—"}</dd>
          <dt>Benchmark report</dt>
          <dd className="mono">{profile.benchmarkReport}</dd>
        </dl>
      )}
      {!registered && <Empty>Not registered yet: declare your hardware to place asks.</Empty>}
      {registered && !editing && (
        <button type="button" className="secondary" onClick={() => setEditing(true)}>
          Update profile
        </button>
      )}
      {showForm && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const vram = Number(form.vramMb);
            // Thousandths of an operation per second, exactly (a float would round large rates).
            const throughput = parseAmount(form.throughput, 3) ?? 0n;
            void tx
              .run(registered ? "Update profile" : "Register", () =>
                writeContractAsync({
                  address: registry,
                  abi: registryAbi,
                  functionName: "register",
                  args: [
                    {
                      gpuModel: form.gpuModel,
                      vramMb: Number.isFinite(vram) ? vram : 0,
                      throughputMilliOpsPerSec: throughput,
                      region: form.region,
                      benchmarkReport: reportOk ? (form.report as `0x${string}`) : `0x${"0".repeat(64)}`,
                    },
                  ],
                }),
              )
              .then((receipt) => receipt && setEditing(false));
          }}
        >
          <Field label="GPU model">
            <input name="gpuModel" value={form.gpuModel} onChange={set("gpuModel")} placeholder="NVIDIA H100 80GB" />
          </Field>
          <Field label="VRAM (MB)">
            <input name="vramMb" inputMode="numeric" value={form.vramMb} onChange={set("vramMb")} placeholder="81920" />
          </Field>
          <Field
            label="Measured throughput (operations per second)"
            hint="The matrix-multiply rate `sovra-provider benchmark` reports"
          >
            <input
              name="throughput"
              inputMode="decimal"
              value={form.throughput}
              onChange={set("throughput")}
              placeholder="989000000000000"
            />
          </Field>
          <Field label="Region">
            <input name="region" value={form.region} onChange={set("region")} placeholder="eu-west" />
          </Field>
          <Field
            label="Benchmark report hash (sha2-256)"
            hint={
              form.report && !reportOk
                ? "32 bytes as 0x + 64 hex digits"
                : "From `sovra-provider benchmark`, or pick the report file below"
            }
          >
            <input
              name="benchmarkReport"
              className="mono"
              value={form.report}
              onChange={set("report")}
              placeholder="0x…"
            />
          </Field>
          <Field label="Benchmark report file (hashed in your browser)">
            <input
              type="file"
              onChange={async (event) => {
                const file = event.target.files?.[0];
                if (file) setForm({ ...form, report: await sha256Hex(file) });
              }}
            />
          </Field>
          <button type="submit" disabled={tx.busy}>
            {registered ? "Save profile" : "Register"}
          </button>
        </form>
      )}
      <TxStatus state={tx.state} />
    </Card>
  );
}

function Stake({ deployment, account, sov }: { deployment: Deployment; account: Address; sov: TokenInfo }) {
  const registry = deployment.contracts.providerRegistry;
  const token = deployment.contracts.sovraToken;
  const now = useChainNow();
  const reads = useReadContracts({
    contracts: [
      { address: registry, abi: registryAbi, functionName: "stakeInfoOf", args: [account] },
      { address: registry, abi: registryAbi, functionName: "freeStakeOf", args: [account] },
      { address: registry, abi: registryAbi, functionName: "unbondingDelay" },
      { address: token, abi: governanceTokenAbi, functionName: "balanceOf", args: [account] },
      { address: token, abi: governanceTokenAbi, functionName: "allowance", args: [account, registry] },
    ],
  });
  const [info, free, delay, balance, allowance] = [0, 1, 2, 3, 4].map((i) => reads.data?.[i]?.result) as [
    { staked: bigint; locked: bigint; unbonding: bigint; unbondingReadyAt: bigint } | undefined,
    bigint | undefined,
    bigint | undefined,
    bigint | undefined,
    bigint | undefined,
  ];
  const [stakeText, setStakeText] = useState("");
  const [unbondText, setUnbondText] = useState("");
  const { writeContractAsync } = useWriteContract();
  const tx = useTx();
  const fmt = (value: bigint | undefined) =>
    value === undefined ? "…" : `${formatAmount(value, sov.decimals, 4)} ${sov.symbol}`;
  const stakeAmount = parseAmount(stakeText, sov.decimals);
  const unbondAmount = parseAmount(unbondText, sov.decimals);
  const ready = info && info.unbonding > 0n && now !== undefined && Number(info.unbondingReadyAt) <= now;

  return (
    <Card title="Stake">
      {!info ? (
        <Loading what="stake" />
      ) : (
        <dl className="kv" data-testid="stake-info">
          <dt>Wallet</dt>
          <dd>{fmt(balance)}</dd>
          <dt>Staked</dt>
          <dd data-testid="staked">{fmt(info.staked)}</dd>
          <dt>Locked as collateral</dt>
          <dd>{fmt(info.locked)}</dd>
          <dt>Free</dt>
          <dd>{fmt(free)}</dd>
          <dt>Unbonding</dt>
          <dd>
            {fmt(info.unbonding)}
            {info.unbonding > 0n && now !== undefined && (
              <> · withdrawable {countdown(Number(info.unbondingReadyAt), now).text}</>
            )}
          </dd>
          <dt>Unbonding delay</dt>
          <dd>{delay === undefined ? "…" : formatDuration(Number(delay))}</dd>
        </dl>
      )}
      <form
        className="row"
        onSubmit={async (event) => {
          event.preventDefault();
          if (!stakeAmount) return;
          if (allowance === undefined || allowance < stakeAmount) {
            const ok = await tx.run("Approve SOV", () =>
              writeContractAsync({
                address: token,
                abi: governanceTokenAbi,
                functionName: "approve",
                args: [registry, stakeAmount],
              }),
            );
            if (!ok) return;
          }
          const done = await tx.run("Stake", () =>
            writeContractAsync({ address: registry, abi: registryAbi, functionName: "stake", args: [stakeAmount] }),
          );
          if (done) setStakeText("");
        }}
      >
        <Field label={`Amount to stake (${sov.symbol})`}>
          <input
            name="stakeAmount"
            inputMode="decimal"
            value={stakeText}
            onChange={(e) => setStakeText(e.target.value)}
          />
        </Field>
        <button type="submit" disabled={!stakeAmount || tx.busy}>
          Stake
        </button>
      </form>
      <form
        className="row"
        onSubmit={async (event) => {
          event.preventDefault();
          if (!unbondAmount) return;
          const done = await tx.run("Request unbond", () =>
            writeContractAsync({
              address: registry,
              abi: registryAbi,
              functionName: "requestUnbond",
              args: [unbondAmount],
            }),
          );
          if (done) setUnbondText("");
        }}
      >
        <Field label={`Amount to unbond (${sov.symbol})`}>
          <input
            name="unbondAmount"
            inputMode="decimal"
            value={unbondText}
            onChange={(e) => setUnbondText(e.target.value)}
          />
        </Field>
        <button type="submit" className="secondary" disabled={!unbondAmount || tx.busy}>
          Unbond
        </button>
      </form>
      <button
        type="button"
        disabled={!ready || tx.busy}
        onClick={() =>
          tx.run("Withdraw unbonded", () =>
            writeContractAsync({ address: registry, abi: registryAbi, functionName: "withdrawUnbonded" }),
          )
        }
      >
        Withdraw unbonded stake
      </button>
      <TxStatus state={tx.state} />
    </Card>
  );
}

/** The account's asks still in the book: listed from the ledger, what is left read from the book. */
function useMyAsks(deployment: Deployment, account: Address) {
  const client = usePublicClient();
  const ledger = useLedger(deployment);
  const candidates = ledger.data ? openAsksOf(ledger.data, account) : [];
  return useQuery({
    queryKey: [
      "sovra-my-asks",
      deployment.contracts.spotMarket,
      account,
      candidates.map((ask) => `${ask.orderId}:${ask.filled}`).join(","),
    ],
    enabled: client !== undefined && ledger.data !== undefined,
    queryFn: async () => {
      if (!client) return [];
      const orders = await Promise.all(
        candidates.map(async (ask) => {
          const order = await client.readContract({
            address: deployment.contracts.spotMarket,
            abi: marketAbi,
            functionName: "orderOf",
            args: [ask.orderId],
          });
          return { orderId: ask.orderId, capacity: ask.capacity, order };
        }),
      );
      return orders.filter(
        (item) => item.order.owner.toLowerCase() === account.toLowerCase() && item.order.remaining > 0,
      );
    },
  });
}

function Asks({
  deployment,
  account,
  usd,
  sov,
}: {
  deployment: Deployment;
  account: Address;
  usd: TokenInfo;
  sov: TokenInfo;
}) {
  const [marketId, setMarketId] = useState<number | undefined>(deployment.markets[0]?.marketId);
  const { info, bestAsk } = useMarketInfo(deployment, marketId);
  const now = useChainNow();
  const asks = useMyAsks(deployment, account);
  const [priceText, setPriceText] = useState("");
  const [capacityText, setCapacityText] = useState("1");
  const [hoursText, setHoursText] = useState("24");
  const { writeContractAsync } = useWriteContract();
  const tx = useTx();
  const tickSize = info?.params.tickSize;
  const price = parseAmount(priceText, usd.decimals);
  const tick = price !== undefined && tickSize ? priceToTick(price, tickSize) : undefined;
  const capacity = Number(capacityText);
  const hours = Number(hoursText);
  const collateral =
    info && Number.isInteger(capacity) ? info.params.collateralPerJob * BigInt(Math.max(0, capacity)) : undefined;
  // The market refuses an ask from a provider not eligible for its class: say why here instead of sending it.
  const eligibility = useAskEligibility(deployment, account, marketId);
  const ineligible = askEligibilityMessage(eligibility);
  const valid =
    marketId !== undefined &&
    eligibility.kind === "eligible" &&
    tick !== undefined &&
    tick > 0 &&
    Number.isInteger(capacity) &&
    capacity > 0 &&
    hours > 0 &&
    now !== undefined;
  const usdFmt = (value: bigint) => `${formatAmount(value, usd.decimals)} ${usd.symbol}`;

  return (
    <Card title="Asks">
      {marketId === undefined ? (
        <Empty>No markets yet.</Empty>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (!valid || marketId === undefined || tick === undefined || now === undefined) return;
            void tx.run("Place ask", () =>
              writeContractAsync({
                address: deployment.contracts.spotMarket,
                abi: marketAbi,
                functionName: "placeAsk",
                args: [marketId, tick, capacity, BigInt(now + Math.round(hours * 3600))],
              }),
            );
          }}
        >
          <MarketPicker deployment={deployment} value={marketId} onChange={setMarketId} />
          {ineligible !== undefined && (
            <p className="warn" role="note" data-testid={eligibility.kind}>
              {ineligible}
            </p>
          )}
          <Field
            label={`Price per job (${usd.symbol})`}
            hint={
              tick !== undefined && tickSize !== undefined
                ? `Tick ${tick} = ${usdFmt(tickToPrice(tick, tickSize))}${bestAsk ? `; best ask now tick ${bestAsk}` : ""}`
                : "Prices are multiples of the tick size"
            }
          >
            <input
              name="askPrice"
              inputMode="decimal"
              value={priceText}
              onChange={(e) => setPriceText(e.target.value)}
            />
          </Field>
          <Field
            label="Capacity (jobs)"
            hint={
              collateral !== undefined
                ? `Reserves ${formatAmount(collateral, sov.decimals)} ${sov.symbol} of free stake`
                : undefined
            }
          >
            <input
              name="capacity"
              inputMode="numeric"
              value={capacityText}
              onChange={(e) => setCapacityText(e.target.value)}
            />
          </Field>
          <Field label="Expires in (hours)">
            <input
              name="expiryHours"
              inputMode="decimal"
              value={hoursText}
              onChange={(e) => setHoursText(e.target.value)}
            />
          </Field>
          <button type="submit" disabled={!valid || tx.busy}>
            Place ask
          </button>
        </form>
      )}
      <TxStatus state={tx.state} />
      <h3 className="field-label">Your open asks</h3>
      {asks.isLoading ? (
        <Loading what="asks" />
      ) : !asks.data?.length ? (
        <Empty>No open asks.</Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="my-asks">
            <thead>
              <tr>
                <th scope="col">Ask</th>
                <th scope="col">Market</th>
                <th scope="col">Tick</th>
                <th scope="col">Left</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {asks.data.map(({ orderId, order, capacity: placed }) => {
                const market = deployment.markets.find((m) => m.marketId === order.marketId);
                return (
                  <tr key={orderId.toString()}>
                    <td>#{orderId.toString()}</td>
                    <td>{market ? marketLabel(market) : order.marketId}</td>
                    <td>{order.tick}</td>
                    <td>
                      {order.remaining}/{placed}
                    </td>
                    <td>
                      {now !== undefined
                        ? countdown(Number(order.expiry), now).text
                        : formatTimestamp(Number(order.expiry))}
                    </td>
                    <td>
                      <button
                        type="button"
                        className="secondary"
                        aria-label={`Cancel ask ${orderId.toString()}`}
                        disabled={tx.busy}
                        onClick={() =>
                          tx.run("Cancel ask", () =>
                            writeContractAsync({
                              address: deployment.contracts.spotMarket,
                              abi: marketAbi,
                              functionName: "cancelOrder",
                              args: [orderId],
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
    </Card>
  );
}

function Earnings({ deployment, account, usd }: { deployment: Deployment; account: Address; usd: TokenInfo }) {
  const market = deployment.contracts.spotMarket;
  const owed = useReadContract({ address: market, abi: marketAbi, functionName: "owed", args: [account] });
  const releasable = useReadContract({
    address: market,
    abi: marketAbi,
    functionName: "releasableOf",
    args: [account],
  });
  const sov = useTokenInfo(deployment.contracts.sovraToken);
  const ledger = useLedger(deployment);
  const stats = ledger.data ? providerStats(ledger.data, account) : undefined;
  const { writeContractAsync } = useWriteContract();
  const tx = useTx();
  const fmt = (value: bigint | undefined) =>
    value === undefined ? "…" : `${formatAmount(value, usd.decimals)} ${usd.symbol}`;
  return (
    <Card title="Earnings">
      <dl className="kv">
        <dt>Settled jobs</dt>
        <dd>{stats?.settled ?? "…"}</dd>
        <dt>Expired (slashed)</dt>
        <dd>{stats?.expired ?? "…"}</dd>
        <dt>Earned (after fees)</dt>
        <dd>{fmt(stats?.earned)}</dd>
        <dt>Protocol fees paid</dt>
        <dd>{fmt(stats?.fees)}</dd>
        <dt>Withdrawable</dt>
        <dd data-testid="owed">{fmt(owed.data)}</dd>
        <dt>Collateral to release</dt>
        <dd>
          {releasable.data !== undefined && sov ? `${formatAmount(releasable.data, sov.decimals)} ${sov.symbol}` : "…"}
        </dd>
      </dl>
      <button
        type="button"
        disabled={!owed.data || tx.busy}
        onClick={() =>
          tx.run("Withdraw", () =>
            writeContractAsync({ address: market, abi: marketAbi, functionName: "withdraw", args: [account] }),
          )
        }
      >
        Withdraw
      </button>{" "}
      <button
        type="button"
        className="secondary"
        disabled={!releasable.data || tx.busy}
        onClick={() =>
          tx.run("Release collateral", () =>
            writeContractAsync({ address: market, abi: marketAbi, functionName: "releaseCollateral" }),
          )
        }
      >
        Release collateral to free stake
      </button>
      <TxStatus state={tx.state} />
    </Card>
  );
}

function Jobs({ deployment, account, usd }: { deployment: Deployment; account: Address; usd: TokenInfo }) {
  const ledger = useLedger(deployment);
  const now = useChainNow();
  const jobs = [...(ledger.data?.jobs.values() ?? [])]
    .filter((job) => job.terms.provider.toLowerCase() === account.toLowerCase())
    .reverse();
  return (
    <Card title="Jobs">
      {ledger.isLoading ? (
        <Loading what="jobs" />
      ) : !jobs.length ? (
        <Empty>No jobs matched yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="provider-jobs-table">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Market</th>
                <th scope="col">Price</th>
                <th scope="col">Deadline</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((job) => {
                const market = deployment.markets.find((entry) => entry.marketId === job.terms.marketId);
                return (
                  <tr key={job.jobId.toString()}>
                    <td>#{job.jobId.toString()}</td>
                    <td>{market ? marketLabel(market) : job.terms.marketId}</td>
                    <td>
                      {formatAmount(job.terms.price, usd.decimals)} {usd.symbol}
                    </td>
                    <td>{formatTimestamp(Number(job.terms.deadline))}</td>
                    <td>{now === undefined ? "…" : jobStateWords[jobState(job, now)]}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
