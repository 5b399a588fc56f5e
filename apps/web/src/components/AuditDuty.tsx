"use client";
// A provider's audit duty on the optimistic tier: per optimistic model, the SOV bonded as auditor, the audits it
// was drawn for, answered and was penalised for, duties still open, and the rewards its settlement contract owes
// (paid from the reward pool in the payment token; Withdraw takes them).
import type { Address } from "viem";
import { useWriteContract } from "wagmi";
import { settlementAbi } from "@/lib/abis";
import { formatAmount } from "@/lib/format";
import { type TokenInfo, useTx } from "@/lib/hooks";
import { useAuditDuty, useOptimisticModels } from "@/lib/optimistic-data";
import type { Deployment } from "@/lib/runtime-config";
import { TxStatus } from "./TxStatus";
import { Card, Empty, Loading } from "./ui";

export function AuditDuty({
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
  const { models, isLoading } = useOptimisticModels(deployment);
  const duty = useAuditDuty(deployment, models, account);
  const { writeContractAsync } = useWriteContract();
  const tx = useTx();
  if (!isLoading && models.length === 0) return null;
  const rows = duty.data ?? [];
  return (
    <Card title="Audit duty">
      <p className="muted">
        Providers that bond SOV for an optimistic model are drawn (by bond) to audit its results and to sit on dispute
        committees; an answer earns a reward, a missed or wrong one costs part of the bond. Run the node with{" "}
        <code>sovra-provider run --audit</code> to take this duty.
      </p>
      {isLoading || duty.isLoading ? (
        <Loading what="audit duty" />
      ) : rows.length === 0 ? (
        <Empty>No optimistic model.</Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="audit-duty" aria-label="Audit duty">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Bond</th>
                <th scope="col">Audits drawn</th>
                <th scope="col">Answered</th>
                <th scope="col">Penalised</th>
                <th scope="col">Open duties</th>
                <th scope="col">Rewards owed</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.model.modelId} data-testid={`audit-duty-${row.model.name}`}>
                  <td>{row.model.name}</td>
                  <td>{row.bond === 0n ? "not bonded" : `${formatAmount(row.bond, sov.decimals)} ${sov.symbol}`}</td>
                  <td>{row.drawn}</td>
                  <td>{row.answered}</td>
                  <td>
                    {row.penalised}
                    {row.penalties > 0n ? ` (${formatAmount(row.penalties, sov.decimals)} ${sov.symbol})` : ""}
                  </td>
                  <td>{row.duties}</td>
                  <td>
                    {formatAmount(row.owed, usd.decimals)} {usd.symbol}{" "}
                    {row.owed > 0n && (
                      <button
                        type="button"
                        disabled={tx.busy}
                        onClick={() =>
                          tx.run(`Withdraw ${row.model.name} rewards`, () =>
                            writeContractAsync({
                              address: row.model.settlement,
                              abi: settlementAbi,
                              functionName: "withdraw",
                              args: [account],
                            }),
                          )
                        }
                      >
                        Withdraw
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <TxStatus state={tx.state} />
    </Card>
  );
}
