"use client";
// Follows one optimistic job: matched -> committed (the provisional answer, from ResultCommitted) -> challenge
// window countdown (chain time, to the commitment's finalAt) -> audited / unaudited -> final -> settled, or
// overturned -> expired and refunded. Anyone may finalize a final result (the provider is paid either way).
import type { Address, Hash } from "viem";
import { useWriteContract } from "wagmi";
import { marketAbi, settlementAbi } from "@/lib/abis";
import { formatAmount, formatTimestamp, shortHex, txHref } from "@/lib/format";
import { useChainNow, useTokenInfo, useTx } from "@/lib/hooks";
import type { JobRecord } from "@/lib/ledger";
import { describeAudit, formatDurationLeft, optimisticJobView, type OptimisticKind } from "@/lib/optimistic";
import { useOptimisticJob } from "@/lib/optimistic-data";
import type { Deployment } from "@/lib/runtime-config";
import { OptimisticOutput } from "./OptimisticOutput";
import { useSovraConfig } from "./Providers";
import { TxStatus } from "./TxStatus";
import { Loading } from "./ui";
import { useWriteAccount } from "./Wallet";
import { WithdrawOwed } from "./WithdrawOwed";

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

export function OptimisticJob({
  deployment,
  job,
  settlement,
  kind,
}: {
  deployment: Deployment;
  job: JobRecord;
  settlement: Address;
  kind: OptimisticKind;
}) {
  const account = useWriteAccount();
  const now = useChainNow();
  const token = useTokenInfo(deployment.contracts.paymentToken);
  const { writeContractAsync } = useWriteContract();
  const tx = useTx();
  const state = useOptimisticJob(deployment, settlement, job.jobId);
  if (now === undefined || state.isLoading || !state.data) return <Loading what={`job #${job.jobId.toString()}`} />;
  const { committed, caseView, draw, isFinal } = state.data;
  const { terms, outcome } = job;
  const amount = (value: bigint) =>
    token ? `${formatAmount(value, token.decimals)} ${token.symbol}` : value.toString();
  const view = optimisticJobView({
    finalAt: committed?.commitment.finalAt,
    draw,
    auditState: caseView?.auditState ?? 0,
    disputeState: caseView?.disputeState ?? 0,
    isFinal,
    outcome: outcome?.kind,
    now,
  });
  const late = outcome === undefined && now > Number(terms.deadline);
  const settled = outcome?.kind === "settled" ? outcome : undefined;
  const overturned = view.phase === "overturned" || view.phase === "refunded";
  const isBuyer = account !== undefined && account.toLowerCase() === terms.buyer.toLowerCase();
  const done = (yes: boolean, active = false) => (yes ? "done" : active ? "active" : "todo");
  const windowOver = committed !== undefined && view.windowLeft === 0;

  return (
    <div data-testid="job-tracker" data-job-state={view.phase} data-tier="optimistic">
      <p>
        Job <strong>#{job.jobId.toString()}</strong> at {amount(terms.price)} with provider{" "}
        <span className="mono">{terms.provider}</span>
      </p>
      <ol className="steps" aria-label="Job progress">
        <li data-state="done">
          Matched
          <TxLink hash={job.matchedTx} />
        </li>
        <li data-state={committed ? "done" : late || outcome ? "failed" : "active"} data-testid="step-committed">
          {committed ? (
            <>
              Committed {overturned ? "(overturned)" : settled ? "" : "(provisional)"}
              <TxLink hash={committed.txHash} />
            </>
          ) : (
            <>Running the model (deadline {formatTimestamp(Number(terms.deadline))})</>
          )}
        </li>
        <li data-state={done(windowOver, committed !== undefined && !windowOver)} data-testid="step-window">
          Challenge window{" "}
          {committed === undefined
            ? ""
            : view.windowLeft > 0
              ? `closes ${formatDurationLeft(view.windowLeft)} (${formatTimestamp(committed.commitment.finalAt)})`
              : `closed ${formatTimestamp(committed.commitment.finalAt)}`}
        </li>
        <li
          data-state={
            committed
              ? view.audit === "disagreed"
                ? "failed"
                : view.audit === "pending" || view.audit === "audited"
                  ? "active"
                  : "done"
              : "todo"
          }
          data-testid="step-audit"
          data-audit={view.audit}
        >
          {committed ? describeAudit(view.audit) : "Audit draw"}
        </li>
        {(caseView?.disputeState ?? 0) !== 0 && (
          <li
            data-state={overturned ? "failed" : view.phase === "disputed" ? "active" : "done"}
            data-testid="step-dispute"
          >
            Disputed by{" "}
            {caseView?.challenger === "0x0000000000000000000000000000000000000000" ? (
              "the auditor"
            ) : (
              <span className="mono">{caseView?.challenger}</span>
            )}
            :{" "}
            {overturned
              ? "the committee overturned the result"
              : view.phase === "disputed"
                ? "the committee is voting"
                : "the result was upheld"}{" "}
            ({caseView?.votesUpheld ?? 0} upheld, {caseView?.votesOverturned ?? 0} overturned)
          </li>
        )}
        <li
          data-state={settled ? "done" : overturned ? "failed" : view.phase === "final" ? "active" : "todo"}
          data-testid="step-final"
        >
          {settled ? (
            <>
              Final: settled, the provider was paid
              <TxLink hash={settled.txHash} />
            </>
          ) : overturned ? (
            view.phase === "refunded" ? (
              <>
                Overturned: the job expired, your payment was refunded and the provider slashed
                <TxLink hash={outcome?.txHash} />
              </>
            ) : (
              <>Overturned: the result can never settle; the job expires at its deadline and you are refunded</>
            )
          ) : view.phase === "final" ? (
            "Final: anyone may finalize it now"
          ) : view.phase === "auditing" ? (
            "Final once the audit is drawn (from the next block) or the drawn auditor has answered"
          ) : (
            "Final"
          )}
        </li>
        {outcome?.kind === "expired" && !overturned && (
          <li data-state="failed">
            Expired: your payment was refunded and the provider slashed
            <TxLink hash={outcome.txHash} />
          </li>
        )}
        {outcome?.kind === "declined" && (
          <li data-state="failed">
            Declined by the provider (its input could not be fetched): your payment was refunded, nobody was slashed
            <TxLink hash={outcome.txHash} />
          </li>
        )}
      </ol>
      <div data-testid="job-output">
        <h3 className="field-label">
          {settled ? "Output (final)" : overturned ? "Output (overturned: not the answer)" : "Output (provisional)"}
        </h3>
        {committed ? <OptimisticOutput kind={kind} output={committed.output} /> : <p className="muted">—</p>}
      </div>
      <div className="row">
        {view.canFinalize && committed && (
          <button
            type="button"
            disabled={tx.busy || account === undefined}
            onClick={() =>
              tx.run("Finalize", () =>
                writeContractAsync({
                  address: settlement,
                  abi: settlementAbi,
                  functionName: "finalize",
                  args: [job.jobId, terms, [...committed.output], committed.commitment],
                }),
              )
            }
          >
            Finalize
          </button>
        )}
        {late && !settled && (
          <button
            type="button"
            disabled={tx.busy || account === undefined}
            onClick={() =>
              tx.run("Expire job", () =>
                writeContractAsync({
                  address: deployment.contracts.spotMarket,
                  abi: marketAbi,
                  functionName: "expire",
                  args: [job.jobId, terms],
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
