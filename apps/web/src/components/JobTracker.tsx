"use client";
// Follows one job: matched -> proving -> verified -> output, or expired -> refund, with tx links. A job of an
// optimistic model is followed by OptimisticJob (commit, challenge window, audit, finality).
import type { Hash } from "viem";
import { useReadContract, useWriteContract } from "wagmi";
import { marketAbi, modelRegistryAbi } from "@/lib/abis";
import { formatAmount, formatTimestamp, countdown, shortHex, txHref } from "@/lib/format";
import { useChainNow, useTokenInfo, useTx } from "@/lib/hooks";
import { parseModelIo } from "@/lib/io-spec";
import { decodeOutput, describeOutput, describeScores } from "@/lib/models";
import { jobState } from "@/lib/ledger";
import { optimisticInputOf, TIER } from "@/lib/optimistic";
import { useLedger } from "@/lib/ledger-data";
import type { Deployment } from "@/lib/runtime-config";
import { OptimisticJob } from "./OptimisticJob";
import { useSovraConfig } from "./Providers";
import { TxStatus } from "./TxStatus";
import { WithdrawOwed } from "./WithdrawOwed";
import { Loading } from "./ui";
import { useWriteAccount } from "./Wallet";

function TxLink({ hash }: { hash: Hash | undefined }) {
  const { explorerUrl } = useSovraConfig();
  if (!hash) return null;
  return (
    <>
      {" "}
      (
      <a href={txHref(hash, explorerUrl)} className="mono">
        {shortHex(hash)}
      </a>
      )
    </>
  );
}

/** Every score (classifier) or value (regressor) of a verified output, in the model's real units. */
function Scores({ output, ioSpec }: { output: readonly bigint[]; ioSpec: string }) {
  const spec = parseModelIo(ioSpec);
  const decoded = spec.ok ? decodeOutput(output, spec.io) : undefined;
  if (!spec.ok || !decoded || (decoded.task === "regress" && decoded.values.length === 1)) return null;
  return (
    <p className="muted" data-testid="job-scores">
      {decoded.task === "classify" ? "Scores" : "Values"}: {describeScores(decoded, spec.io.output.scale)}
    </p>
  );
}

export function JobTracker({ deployment, jobId }: { deployment: Deployment; jobId: bigint }) {
  const account = useWriteAccount();
  const now = useChainNow();
  const token = useTokenInfo(deployment.contracts.paymentToken);
  const { writeContractAsync } = useWriteContract();
  const tx = useTx();
  // The chain keeps only a hash of an open job's terms; the terms and how the job ended come from its events.
  const ledger = useLedger(deployment);
  const matched = ledger.data?.jobs.get(jobId);
  const modelId = deployment.markets.find((market) => market.marketId === matched?.terms.marketId)?.modelId;
  const model = useReadContract({
    address: deployment.contracts.modelRegistry,
    abi: modelRegistryAbi,
    functionName: "modelOf",
    args: [modelId ?? "0x0000000000000000000000000000000000000000000000000000000000000000"],
    query: { enabled: modelId !== undefined },
  });
  const tier = useReadContract({
    address: deployment.contracts.modelRegistry,
    abi: modelRegistryAbi,
    functionName: "tierOf",
    args: [modelId ?? "0x0000000000000000000000000000000000000000000000000000000000000000"],
    query: { enabled: modelId !== undefined },
  });

  if (now === undefined || ledger.isLoading) return <Loading what={`job #${jobId.toString()}`} />;
  if (!matched) return <p className="empty">Job #{jobId.toString()} is not matched (yet).</p>;
  if (tier.data === TIER.optimistic && model.data) {
    const name = deployment.models.find((entry) => entry.modelId === modelId)?.name ?? "";
    const kind = optimisticInputOf(name, model.data.ioSpec)?.output ?? "text";
    return <OptimisticJob deployment={deployment} job={matched} settlement={model.data.verifier} kind={kind} />;
  }
  if (modelId !== undefined && tier.isLoading) return <Loading what={`job #${jobId.toString()}`} />;
  const { terms, outcome } = matched;
  const { deadline, price, buyer, provider } = terms;
  const amount = (value: bigint) =>
    token ? `${formatAmount(value, token.decimals)} ${token.symbol}` : value.toString();
  const state = jobState(matched, now);
  const open = state === "open" || state === "late";
  const settled = outcome?.kind === "settled" ? outcome : undefined;
  const late = state === "late";
  const isBuyer = account !== undefined && account.toLowerCase() === buyer.toLowerCase();
  const step = (done: boolean, active: boolean) => (done ? "done" : active ? "active" : "todo");

  return (
    <div data-testid="job-tracker" data-job-state={open ? "matched" : state}>
      <p>
        Job <strong>#{jobId.toString()}</strong> at {amount(price)} with provider{" "}
        <span className="mono">{provider}</span>
      </p>
      <ol className="steps" aria-label="Job progress">
        <li data-state="done">
          Matched
          <TxLink hash={matched.matchedTx} />
        </li>
        <li data-state={(outcome && !settled) || late ? "failed" : step(settled !== undefined, open)}>
          Proving {open && !late && <>(deadline {countdown(Number(deadline), now).text})</>}
          {late && <> (deadline passed {formatTimestamp(Number(deadline))})</>}
        </li>
        <li data-state={step(settled !== undefined, false)}>
          Verified on-chain
          <TxLink hash={settled?.txHash} />
        </li>
        <li data-state={step(settled !== undefined, false)} data-testid="job-output">
          Output: {settled ? <strong>{describeOutput(settled.output, model.data?.ioSpec)}</strong> : "—"}
        </li>
        {outcome?.kind === "expired" && (
          <li data-state="failed">
            Expired: your payment was refunded and the provider slashed
            <TxLink hash={outcome.txHash} />
          </li>
        )}
        {outcome?.kind === "declined" && (
          <li data-state="failed">
            Declined by the provider (its input could not be proven): your payment was refunded, nobody was slashed
            <TxLink hash={outcome.txHash} />
          </li>
        )}
        {outcome?.kind === "voided" && (
          <li data-state="failed">
            Voided (the model's verifier was retired): your payment was refunded, nobody was slashed
            <TxLink hash={outcome.txHash} />
          </li>
        )}
      </ol>
      {settled && model.data && <Scores output={settled.output} ioSpec={model.data.ioSpec} />}
      <div className="row">
        {late && (
          <button
            type="button"
            disabled={tx.busy || account === undefined}
            onClick={() =>
              tx.run("Expire job", () =>
                writeContractAsync({
                  address: deployment.contracts.spotMarket,
                  abi: marketAbi,
                  functionName: "expire",
                  args: [jobId, terms],
                }),
              )
            }
          >
            Expire job and refund
          </button>
        )}
      </div>
      <TxStatus state={tx.state} />
      {isBuyer && account && <WithdrawOwed deployment={deployment} account={account} />}
    </div>
  );
}
