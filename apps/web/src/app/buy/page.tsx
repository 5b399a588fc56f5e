"use client";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { parseEventLogs, parseSignature, type Address, type Hash } from "viem";
import { useReadContract, useReadContracts, useSignTypedData, useWriteContract } from "wagmi";
import { JobTracker } from "@/components/JobTracker";
import { MarketPicker } from "@/components/MarketPicker";
import { ModelInput } from "@/components/ModelInput";
import { OptimisticInput, type PreparedInput } from "@/components/OptimisticInput";
import { TxStatus } from "@/components/TxStatus";
import { WithdrawOwed } from "@/components/WithdrawOwed";
import { Card, Empty, Field, Loading, WithDeployment } from "@/components/ui";
import { ConnectHint, useWriteAccount } from "@/components/Wallet";
import { useSovraConfig } from "@/components/Providers";
import { marketAbi, modelRegistryAbi, paymentTokenAbi } from "@/lib/abis";
import { formatAmount, formatBps, formatDuration, parseAmount, priceToTick, tickToPrice } from "@/lib/format";
import { useChainNow, useTokenInfo, useTx } from "@/lib/hooks";
import { bidCost } from "@/lib/cost";
import { fetchInputHash, inputRefOf, type QuantizedInput } from "@/lib/input-encoding";
import { isDigitModel, parseModelIo } from "@/lib/io-spec";
import { useLedger, usePolicyClasses } from "@/lib/ledger-data";
import { useMarketInfo } from "@/lib/market-data";
import { optimisticInputOf, TIER } from "@/lib/optimistic";
import { NO_ATTESTER_WARNING } from "@/lib/policy";
import type { Deployment } from "@/lib/runtime-config";

export default function BuyPage() {
  return (
    <>
      <h1>Buy inference</h1>
      <WithDeployment>
        {(deployment) => (
          <Suspense fallback={<Loading what="page" />}>
            <Buy deployment={deployment} />
          </Suspense>
        )}
      </WithDeployment>
    </>
  );
}

const ZERO = "0x0000000000000000000000000000000000000000" as Address;

function Buy({ deployment }: { deployment: Deployment }) {
  const params = useSearchParams();
  const router = useRouter();
  const jobParam = params.get("job");
  const orderParam = params.get("order");
  const [marketId, setMarketId] = useState<number | undefined>(
    Number(params.get("market") ?? deployment.markets[0]?.marketId ?? NaN) || deployment.markets[0]?.marketId,
  );
  const follow = (key: "job" | "order", id: bigint) =>
    router.replace(`/buy?market=${marketId ?? ""}&${key}=${id.toString()}`);

  return (
    <>
      {marketId === undefined ? (
        <Empty>This deployment has no markets yet: governance must register a model and open its market.</Empty>
      ) : (
        <div className="grid2">
          <BidForm deployment={deployment} marketId={marketId} setMarketId={setMarketId} onPlaced={follow} />
          <Card title="Your job">
            {jobParam ? (
              <JobTracker deployment={deployment} jobId={BigInt(jobParam)} />
            ) : orderParam ? (
              <OrderTracker
                deployment={deployment}
                orderId={BigInt(orderParam)}
                onMatched={(id) => follow("job", id)}
              />
            ) : (
              <Empty>Place a bid to follow its job here.</Empty>
            )}
          </Card>
        </div>
      )}
    </>
  );
}

function BidForm({
  deployment,
  marketId,
  setMarketId,
  onPlaced,
}: {
  deployment: Deployment;
  marketId: number;
  setMarketId: (id: number) => void;
  onPlaced: (key: "job" | "order", id: bigint) => void;
}) {
  const { chainId } = useSovraConfig();
  const account = useWriteAccount();
  const now = useChainNow();
  const token = useTokenInfo(deployment.contracts.paymentToken);
  const { info, bestAsk } = useMarketInfo(deployment, marketId);
  const [entered, setEntered] = useState<{ key: string; input: QuantizedInput | undefined }>();
  const [maxPriceText, setMaxPriceText] = useState("");
  const [minutesText, setMinutes] = useState<string>();
  const [prepared, setPrepared] = useState<{ key: string; input: PreparedInput | undefined }>();
  const [usePermit, setUsePermit] = useState(true);
  const { writeContractAsync } = useWriteContract();
  const { signTypedDataAsync } = useSignTypedData();
  const tx = useTx();
  const market = deployment.contracts.spotMarket;
  const tokenAddress = deployment.contracts.paymentToken;
  const balances = useReadContracts({
    contracts: [
      { address: tokenAddress, abi: paymentTokenAbi, functionName: "balanceOf", args: [account ?? ZERO] },
      { address: tokenAddress, abi: paymentTokenAbi, functionName: "allowance", args: [account ?? ZERO, market] },
      { address: tokenAddress, abi: paymentTokenAbi, functionName: "nonces", args: [account ?? ZERO] },
      { address: tokenAddress, abi: paymentTokenAbi, functionName: "name" },
    ],
    query: { enabled: account !== undefined },
  });
  const balance = balances.data?.[0]?.result;
  const allowance = balances.data?.[1]?.result;
  const nonce = balances.data?.[2]?.result;
  const tokenName = balances.data?.[3]?.result;

  const tickSize = info?.params.tickSize;
  const decimals = token?.decimals ?? 6;
  const amount = (value: bigint) =>
    token ? `${formatAmount(value, token.decimals)} ${token.symbol}` : value.toString();
  const quote =
    bestAsk !== undefined && bestAsk !== null && tickSize !== undefined ? tickToPrice(bestAsk, tickSize) : undefined;
  const typedMax = maxPriceText ? parseAmount(maxPriceText, decimals) : quote;
  const maxTick = typedMax !== undefined && tickSize ? priceToTick(typedMax, tickSize) : undefined;
  const escrow = maxTick !== undefined && tickSize !== undefined ? tickToPrice(maxTick, tickSize) : undefined;
  const minWindow = info?.params.minJobWindow ?? 0;
  // Ten minutes, or five more than the market's minimum when that is longer (optimistic markets: the challenge
  // window and a whole dispute must fit before the deadline).
  const minutes = minutesText ?? String(Math.max(10, Math.ceil(minWindow / 60) + 5));
  const windowSeconds = Math.round(Number(minutes) * 60);
  const deadlineOk = Number.isFinite(windowSeconds) && windowSeconds > minWindow;
  const needsApproval = escrow !== undefined && allowance !== undefined && allowance < escrow;
  const cost =
    maxTick !== undefined && maxTick > 0 && tickSize !== undefined && info && bestAsk !== undefined
      ? bidCost({ maxTick, bestAsk, tickSize, feeBps: info.params.feeBps })
      : undefined;
  const classes = usePolicyClasses(deployment);
  const marketEntry = deployment.markets.find((entry) => entry.marketId === marketId);
  const policyClass = marketEntry?.policyClass;
  // The model's io spec decides the input field, the bytes and the hash.
  const model = useReadContract({
    address: deployment.contracts.modelRegistry,
    abi: modelRegistryAbi,
    functionName: "modelOf",
    args: [marketEntry?.modelId ?? `0x${"0".repeat(64)}`],
    query: { enabled: marketEntry !== undefined },
  });
  const tier = useReadContract({
    address: deployment.contracts.modelRegistry,
    abi: modelRegistryAbi,
    functionName: "tierOf",
    args: [marketEntry?.modelId ?? `0x${"0".repeat(64)}`],
    query: { enabled: marketEntry !== undefined },
  });
  const optimistic = tier.data === TIER.optimistic;
  const modelName = deployment.models.find((entry) => entry.modelId === marketEntry?.modelId)?.name ?? "";
  const optimisticKind = optimistic && model.data ? optimisticInputOf(modelName, model.data.ioSpec) : undefined;
  const spec = model.data && tier.data === TIER.zk ? parseModelIo(model.data.ioSpec) : undefined;
  const io = spec?.ok ? spec.io : undefined;
  const digit = io !== undefined && isDigitModel(io);
  // An input belongs to the model it was entered for: switching markets starts afresh.
  const inputKey = `${marketId}:${model.data?.ioSpec ?? ""}`;
  const modelInput = entered?.key === inputKey ? entered.input : undefined;
  const preparedInput = prepared?.key === inputKey ? prepared.input : undefined;
  const hasInput = optimistic ? preparedInput !== undefined : io !== undefined && modelInput !== undefined;
  const unlistable = policyClass !== undefined && classes.data?.get(policyClass)?.listable === false;
  const ready =
    account !== undefined && hasInput && maxTick !== undefined && maxTick > 0 && deadlineOk && now !== undefined;

  async function placeBid() {
    if (!ready || maxTick === undefined || escrow === undefined || now === undefined || !account) return;
    let inputHash: bigint;
    let inputRef: `0x${string}`;
    if (preparedInput) {
      // An optimistic model's input: stored on the gateway, committed to by its sha2-256.
      ({ inputHash, inputRef } = preparedInput);
    } else {
      if (!io || !modelInput) return;
      try {
        // The hash is over exactly the bytes the bid carries.
        inputRef = inputRefOf(modelInput.values, io.input);
        inputHash = await fetchInputHash(inputRef);
      } catch (error) {
        tx.fail("Bid", error instanceof Error ? error.message : "could not hash the input");
        return;
      }
    }
    const deadline = BigInt(now + windowSeconds);
    let send: () => Promise<Hash>;
    if (needsApproval && usePermit && nonce !== undefined && typeof tokenName === "string") {
      // One transaction: sign an EIP-2612 permit, the market redeems it before escrowing.
      const permitDeadline = BigInt(now + 3_600);
      let signature: Hash;
      try {
        signature = await signTypedDataAsync({
          domain: { name: tokenName, version: "1", chainId, verifyingContract: tokenAddress },
          types: {
            Permit: [
              { name: "owner", type: "address" },
              { name: "spender", type: "address" },
              { name: "value", type: "uint256" },
              { name: "nonce", type: "uint256" },
              { name: "deadline", type: "uint256" },
            ],
          },
          primaryType: "Permit",
          message: { owner: account, spender: market, value: escrow, nonce, deadline: permitDeadline },
        });
      } catch {
        // Wallets without typed-data signing fall back to approve + bid.
        await approve();
        return placeBidPlain(inputHash, inputRef, deadline);
      }
      const { r, s, v, yParity } = parseSignature(signature);
      const permit = { value: escrow, deadline: permitDeadline, v: Number(v ?? BigInt(yParity + 27)), r, s };
      send = () =>
        writeContractAsync({
          address: market,
          abi: marketAbi,
          functionName: "placeBidWithPermit",
          args: [marketId, maxTick, inputHash, inputRef, deadline, false, permit],
        });
      return finish(await tx.run("Bid (with permit)", send));
    }
    if (needsApproval) {
      const approved = await approve();
      if (!approved) return;
    }
    return placeBidPlain(inputHash, inputRef, deadline);
  }

  async function approve() {
    if (escrow === undefined) return undefined;
    return tx.run(`Approve ${amount(escrow)}`, () =>
      writeContractAsync({
        address: tokenAddress,
        abi: paymentTokenAbi,
        functionName: "approve",
        args: [market, escrow],
      }),
    );
  }

  async function placeBidPlain(inputHash: bigint, inputRef: `0x${string}`, deadline: bigint) {
    if (maxTick === undefined) return;
    const receipt = await tx.run("Bid", () =>
      writeContractAsync({
        address: market,
        abi: marketAbi,
        functionName: "placeBid",
        args: [marketId, maxTick, inputHash, inputRef, deadline, false],
      }),
    );
    finish(receipt);
  }

  function finish(receipt: Awaited<ReturnType<typeof tx.run>>) {
    if (!receipt) return;
    const events = parseEventLogs({ abi: marketAbi, logs: receipt.logs });
    const matched = events.find((event) => event.eventName === "JobMatched");
    if (matched && matched.eventName === "JobMatched") return onPlaced("job", matched.args.jobId);
    const placed = events.find((event) => event.eventName === "BidPlaced");
    if (placed && placed.eventName === "BidPlaced") onPlaced("order", placed.args.orderId);
  }

  return (
    <Card title="New job">
      <MarketPicker deployment={deployment} value={marketId} onChange={setMarketId} label="Model and policy class" />
      {optimisticKind ? (
        <OptimisticInput
          key={inputKey}
          kind={optimisticKind}
          onChange={(input) => setPrepared({ key: inputKey, input })}
        />
      ) : optimistic && model.data ? (
        <p className="tx-error" role="alert" data-testid="io-spec-error">
          This market&apos;s model cannot be bought here: its io spec names no input this page can upload.
        </p>
      ) : io ? (
        <ModelInput key={inputKey} io={io} digit={digit} onChange={(input) => setEntered({ key: inputKey, input })} />
      ) : spec && !spec.ok ? (
        <p className="tx-error" role="alert" data-testid="io-spec-error">
          This market&apos;s model cannot be bought here: {spec.error}.
        </p>
      ) : (
        <Loading what="the model's input" />
      )}
      <p className="muted" data-testid="quote">
        {quote === undefined
          ? bestAsk === null
            ? "No asks in the book: your bid will rest until a provider fills it."
            : "Reading the best price…"
          : `Best ask: ${amount(quote)} per job.`}
      </p>
      <Field
        label={`Maximum price (${token?.symbol ?? "tokens"})`}
        hint={escrow !== undefined ? `Escrow up to ${amount(escrow)} (tick ${maxTick})` : "Enter a price"}
      >
        <input
          inputMode="decimal"
          value={maxPriceText}
          placeholder={quote !== undefined ? formatAmount(quote, decimals) : "0.1"}
          onChange={(event) => setMaxPriceText(event.target.value)}
          name="maxPrice"
        />
      </Field>
      <Field
        label="Deadline (minutes from now)"
        hint={
          deadlineOk
            ? `Providers need at least ${formatDuration(minWindow)}.`
            : `Must be more than ${formatDuration(minWindow)}.`
        }
      >
        <input
          inputMode="numeric"
          value={minutes}
          onChange={(event) => setMinutes(event.target.value)}
          name="deadline"
        />
      </Field>
      <label className="row">
        <input
          type="checkbox"
          checked={usePermit}
          onChange={(event) => setUsePermit(event.target.checked)}
          style={{ width: "auto" }}
        />
        Approve with a signed permit (one transaction)
      </label>
      {unlistable && (
        <p className="warn" role="note" data-testid="no-attester">
          {NO_ATTESTER_WARNING} A bid here would rest until its deadline.
        </p>
      )}
      {cost && info && (
        <section className="cost" data-testid="cost-summary" aria-label="What this bid costs">
          <h3 className="field-label">What this bid costs</h3>
          <dl className="kv">
            <dt>Price of the job</dt>
            <dd data-testid="cost-price">{amount(cost.charged)}</dd>
            <dt>Protocol fee ({formatBps(info.params.feeBps)})</dt>
            <dd data-testid="cost-fee">{amount(cost.fee)}</dd>
            <dt>Provider receives</dt>
            <dd data-testid="cost-provider">{amount(cost.providerGets)}</dd>
            <dt className="total">You pay</dt>
            <dd className="total" data-testid="cost-charged">
              {amount(cost.charged)}
            </dd>
          </dl>
          <p className="muted" data-testid="cost-explained">
            {cost.matchesNow
              ? `Your bid matches the best ask now: ${amount(cost.charged)} is taken from your balance when the bid is placed.`
              : `Your bid rests in the book: ${amount(cost.charged)} is held in escrow until a provider fills it at that price; if none does, cancel it in My orders to get it back.`}{" "}
            The fee is not added to your price: it comes out of the provider&apos;s payment. The network fee (gas, in
            ETH) is shown by your wallet.
          </p>
          {balance !== undefined && balance < cost.charged && (
            <p className="warn" role="note">
              Your balance ({amount(balance)}) is below {amount(cost.charged)}: get tokens first.
            </p>
          )}
        </section>
      )}
      {account === undefined ? (
        <ConnectHint what="bid" />
      ) : (
        <p className="muted">
          Balance: {balance !== undefined ? amount(balance) : "…"} · allowance:{" "}
          {allowance !== undefined ? amount(allowance) : "…"}
        </p>
      )}
      <button type="button" onClick={() => void placeBid()} disabled={!ready || tx.busy}>
        {!hasInput
          ? optimistic
            ? "Upload the input first"
            : digit
              ? "Draw a digit first"
              : "Enter the input first"
          : needsApproval && !usePermit
            ? "Approve and bid"
            : "Place bid"}
      </button>
      <TxStatus state={tx.state} />
    </Card>
  );
}

/** A resting bid: waits for a provider's ask to fill it (the job then takes the bid's id); can be cancelled. */
function OrderTracker({
  deployment,
  orderId,
  onMatched,
}: {
  deployment: Deployment;
  orderId: bigint;
  onMatched: (jobId: bigint) => void;
}) {
  const account = useWriteAccount();
  const { writeContractAsync } = useWriteContract();
  const tx = useTx();
  const market = deployment.contracts.spotMarket;
  const order = useReadContract({ address: market, abi: marketAbi, functionName: "orderOf", args: [orderId] });
  // A filled bid becomes the job with the same id.
  const ledger = useLedger(deployment);
  if (ledger.data?.jobs.has(orderId)) {
    return (
      <>
        <p>Your bid was filled.</p>
        <button type="button" onClick={() => onMatched(orderId)}>
          Follow job #{orderId.toString()}
        </button>
      </>
    );
  }
  if (!order.data) return <Loading what="order" />;
  if (order.data.owner === ZERO) {
    return (
      <>
        <Empty>
          Bid #{orderId.toString()} is no longer in the book (cancelled or removed); its escrow is refundable.
        </Empty>
        {account && <WithdrawOwed deployment={deployment} account={account} />}
      </>
    );
  }
  return (
    <div data-testid="order-tracker">
      <p>
        Bid #{orderId.toString()} rests in the book at tick {order.data.tick}, waiting for a provider.
      </p>
      <button
        type="button"
        className="secondary"
        disabled={tx.busy || !account}
        onClick={() =>
          tx.run("Cancel bid", () =>
            writeContractAsync({ address: market, abi: marketAbi, functionName: "cancelOrder", args: [orderId] }),
          )
        }
      >
        Cancel bid
      </button>
      <TxStatus state={tx.state} />
    </div>
  );
}
