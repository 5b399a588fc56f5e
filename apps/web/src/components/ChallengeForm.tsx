"use client";
// Challenge a committed result inside its window: pick the job, type one's own result (the text, or the segments
// as JSON), and deposit the challenge bond. The bond comes back with a reward when the committee overturns the
// result, and is lost to the voters who upheld it otherwise.
import { useState } from "react";
import { useReadContract, useWriteContract } from "wagmi";
import { paymentTokenAbi, settlementAbi } from "@/lib/abis";
import { formatAmount } from "@/lib/format";
import { useChainNow, useTokenInfo, useTx } from "@/lib/hooks";
import {
  canonicalResultBytes,
  decodeOptimisticOutput,
  describeOptimisticOutput,
  formatDurationLeft,
  optimisticInputOf,
  wordsOfBytes,
} from "@/lib/optimistic";
import { type OptimisticModel, useOpenCommitments } from "@/lib/optimistic-data";
import type { Deployment } from "@/lib/runtime-config";
import { outputHashOf } from "@sovra/contracts";
import { TxStatus } from "./TxStatus";
import { Card, Empty, Field } from "./ui";
import { ConnectHint, useWriteAccount } from "./Wallet";

export function ChallengeForm({
  deployment,
  models,
  disputed,
}: {
  deployment: Deployment;
  models: readonly OptimisticModel[];
  /** `settlement:jobId` of the jobs already disputed: a job has one dispute at most. */
  disputed: ReadonlySet<string>;
}) {
  const account = useWriteAccount();
  const now = useChainNow();
  const token = useTokenInfo(deployment.contracts.paymentToken);
  const commitments = useOpenCommitments(deployment, models);
  const [picked, setPicked] = useState<string>("");
  const [typed, setTyped] = useState("");
  const { writeContractAsync } = useWriteContract();
  const tx = useTx();
  const open = (commitments.data ?? []).filter(
    (entry) =>
      now !== undefined &&
      entry.commitment.finalAt > now &&
      !disputed.has(`${entry.model.settlement}:${entry.jobId}`) &&
      entry.commitment.provider.toLowerCase() !== account?.toLowerCase(),
  );
  const chosen = open.find((entry) => `${entry.model.settlement}:${entry.jobId}` === picked) ?? open[0];
  const params = useReadContract({
    address: chosen?.model.settlement,
    abi: settlementAbi,
    functionName: "paramsAt",
    args: [chosen?.commitment.epoch ?? 0],
    query: { enabled: chosen !== undefined },
  });
  const kind = chosen ? (optimisticInputOf(chosen.model.name, chosen.model.ioSpec)?.output ?? "text") : "text";
  let ownHash: `0x${string}` | undefined;
  let problem: string | undefined;
  if (chosen && typed.trim() !== "") {
    try {
      ownHash = outputHashOf(wordsOfBytes(canonicalResultBytes(kind, typed)));
      if (ownHash === chosen.commitment.outputHash) {
        problem = "This is the committed result itself: there is nothing to challenge.";
        ownHash = undefined;
      }
    } catch (error) {
      problem = error instanceof Error ? error.message : "not a result";
    }
  }
  const bond = params.data?.challengeBond;
  const amount = (value: bigint) =>
    token ? `${formatAmount(value, token.decimals)} ${token.symbol}` : value.toString();

  async function challenge() {
    if (!chosen || !ownHash || bond === undefined) return;
    const approved = await tx.run(`Approve the ${amount(bond)} bond`, () =>
      writeContractAsync({
        address: deployment.contracts.paymentToken,
        abi: paymentTokenAbi,
        functionName: "approve",
        args: [chosen.model.settlement, bond],
      }),
    );
    if (!approved) return;
    const hash = ownHash;
    await tx.run("Challenge", () =>
      writeContractAsync({
        address: chosen.model.settlement,
        abi: settlementAbi,
        functionName: "challenge",
        args: [chosen.jobId, chosen.commitment, hash],
      }),
    );
  }

  return (
    <Card title="Challenge a result">
      {open.length === 0 || !chosen || now === undefined ? (
        <Empty>No committed result is inside its challenge window.</Empty>
      ) : (
        <div data-testid="challenge-form">
          <Field label="Committed result" hint={`Window closes ${formatDurationLeft(chosen.commitment.finalAt - now)}`}>
            <select
              value={`${chosen.model.settlement}:${chosen.jobId}`}
              onChange={(event) => setPicked(event.target.value)}
            >
              {open.map((entry) => (
                <option
                  key={`${entry.model.settlement}:${entry.jobId}`}
                  value={`${entry.model.settlement}:${entry.jobId}`}
                >
                  #{entry.jobId.toString()} ({entry.model.name})
                </option>
              ))}
            </select>
          </Field>
          <p data-testid="challenge-committed">
            Committed: <strong>{describeOptimisticOutput(decodeOptimisticOutput(kind, chosen.output))}</strong>
          </p>
          <Field
            label="Your result"
            hint={
              kind === "text"
                ? "The text you read in the input, line by line."
                : "Segments as JSON: [[startMs,endMs],...]"
            }
          >
            <textarea rows={3} value={typed} onChange={(event) => setTyped(event.target.value)} name="ownResult" />
          </Field>
          {problem && (
            <p className="warn" role="note" data-testid="challenge-problem">
              {problem}
            </p>
          )}
          <p className="muted" data-testid="challenge-bond">
            Bond: {bond === undefined ? "…" : amount(bond)}. A committee re-executes the job: if it overturns the result
            your bond comes back with a reward and the buyer is refunded; if it upholds it, your bond goes to the
            voters.
          </p>
          {account === undefined ? (
            <ConnectHint what="challenge" />
          ) : (
            <button type="button" disabled={!ownHash || bond === undefined || tx.busy} onClick={() => void challenge()}>
              Challenge with {bond === undefined ? "the bond" : amount(bond)}
            </button>
          )}
        </div>
      )}
      {/* Outside the form: a challenged job leaves the list, its transaction's status stays. */}
      <TxStatus state={tx.state} />
    </Card>
  );
}
