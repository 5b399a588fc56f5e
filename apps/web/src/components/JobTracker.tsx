"use client";
// Follows one job: matched -> proving -> verified -> output, or expired -> refund, with tx links.
import { useQuery } from "@tanstack/react-query";
import type { Hash } from "viem";
import { usePublicClient, useReadContract, useWriteContract } from "wagmi";
import { marketAbi, modelRegistryAbi } from "@/lib/abis";
import { formatAmount, formatTimestamp, countdown, shortHex, txHref } from "@/lib/format";
import { useChainNow, useTokenInfo, useTx } from "@/lib/hooks";
import { describeOutput, parseIoSpec } from "@/lib/models";
import { useTrades } from "@/lib/market-data";
import type { Deployment } from "@/lib/runtime-config";
import { useSovraConfig } from "./Providers";
import { TxStatus } from "./TxStatus";
import { WithdrawOwed } from "./WithdrawOwed";
import { Loading } from "./ui";
import { useWriteAccount } from "./Wallet";

// ISpotMarket.JobStatus values (see @sovra/contracts JobStatus).
const JOB_MATCHED = 1;
const JOB_DECLINED = 4;
const JOB_VOIDED = 5;

type JobLogs = { settled?: { hash: Hash; output: readonly bigint[] }; expired?: Hash };

function useJobLogs(deployment: Deployment, jobId: bigint) {
  const client = usePublicClient();
  return useQuery({
    queryKey: ["sovra-job-logs", deployment.contracts.spotMarket, jobId.toString()],
    enabled: client !== undefined,
    queryFn: async (): Promise<JobLogs> => {
      if (!client) return {};
      const common = {
        address: deployment.contracts.spotMarket,
        abi: marketAbi,
        args: { jobId },
        fromBlock: BigInt(deployment.startBlock),
        toBlock: "latest",
      } as const;
      const [settled, expired] = await Promise.all([
        client.getContractEvents({ ...common, eventName: "JobSettled" }),
        client.getContractEvents({ ...common, eventName: "JobExpired" }),
      ]);
      const settledLog = settled[0];
      return {
        ...(settledLog ? { settled: { hash: settledLog.transactionHash, output: settledLog.args.output ?? [] } } : {}),
        ...(expired[0] ? { expired: expired[0].transactionHash } : {}),
      };
    },
  });
}

function TxLink({ hash }: { hash: Hash | undefined }) {
  const { explorerUrl } = useSovraConfig();
  if (!hash) return null;
  return (
    <>
      {" "}
      (<a href={txHref(hash, explorerUrl)} className="mono">{shortHex(hash)}</a>)
    </>
  );
}

export function JobTracker({ deployment, jobId }: { deployment: Deployment; jobId: bigint }) {
  const account = useWriteAccount();
  const now = useChainNow();
  const token = useTokenInfo(deployment.contracts.paymentToken);
  const { writeContractAsync } = useWriteContract();
  const tx = useTx();
  const status = useReadContract({
    address: deployment.contracts.spotMarket,
    abi: marketAbi,
    functionName: "jobStatus",
    args: [jobId],
  }).data;
  // The chain keeps only a hash of the job's terms; the terms themselves come from its JobMatched event.
  const trades = useTrades(deployment, { jobId });
  const matched = trades.data?.[0];
  const logs = useJobLogs(deployment, jobId);
  const modelId = deployment.markets.find((market) => market.marketId === matched?.terms.marketId)?.modelId;
  const model = useReadContract({
    address: deployment.contracts.modelRegistry,
    abi: modelRegistryAbi,
    functionName: "modelOf",
    args: [modelId ?? "0x0000000000000000000000000000000000000000000000000000000000000000"],
    query: { enabled: modelId !== undefined },
  });

  if (status === undefined || now === undefined || trades.isLoading) return <Loading what={`job #${jobId.toString()}`} />;
  if (!matched) return <p className="empty">Job #{jobId.toString()} is not matched (yet).</p>;
  const { terms } = matched;
  const { deadline, price, buyer, provider } = terms;
  const amount = (value: bigint) => (token ? `${formatAmount(value, token.decimals)} ${token.symbol}` : value.toString());
  const open = status === JOB_MATCHED;
  const settled = logs.data?.settled !== undefined;
  const expired = logs.data?.expired !== undefined;
  const declined = status === JOB_DECLINED;
  const voided = status === JOB_VOIDED;
  const late = open && now >= Number(deadline);
  const isBuyer = account !== undefined && account.toLowerCase() === buyer.toLowerCase();
  const step = (done: boolean, active: boolean) => (done ? "done" : active ? "active" : "todo");

  return (
    <div
      data-testid="job-tracker"
      data-job-state={open ? "matched" : settled ? "settled" : expired ? "expired" : declined ? "declined" : voided ? "voided" : "closed"}
    >
      <p>
        Job <strong>#{jobId.toString()}</strong> at {amount(price)} with provider <span className="mono">{provider}</span>
      </p>
      <ol className="steps" aria-label="Job progress">
        <li data-state="done">
          Matched
          <TxLink hash={matched.txHash} />
        </li>
        <li data-state={expired || declined || voided || late ? "failed" : step(settled, open)}>
          Proving {open && !late && <>(deadline {countdown(Number(deadline), now).text})</>}
          {late && <> (deadline passed {formatTimestamp(Number(deadline))})</>}
        </li>
        <li data-state={step(settled, false)}>
          Verified on-chain
          <TxLink hash={logs.data?.settled?.hash} />
        </li>
        <li data-state={step(settled, false)} data-testid="job-output">
          Output: {logs.data?.settled ? <strong>{describeOutput(logs.data.settled.output, model.data ? parseIoSpec(model.data.ioSpec) : undefined)}</strong> : "—"}
        </li>
        {expired && (
          <li data-state="failed">
            Expired: your payment was refunded and the provider slashed
            <TxLink hash={logs.data?.expired} />
          </li>
        )}
        {declined && <li data-state="failed">Declined by the provider (its input could not be proven): your payment was refunded, nobody was slashed</li>}
        {voided && <li data-state="failed">Voided: the model's verifier was retired; your payment was refunded, nobody was slashed</li>}
      </ol>
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
