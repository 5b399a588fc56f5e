"use client";
// Disputes of the optimistic tier: every dispute opened on a settlement contract (by an auditor that disagreed or by
// a challenger with a bond), its committee, the votes revealed and the outcome; and a form to challenge a result
// still inside its window with one's own result.
import { ChallengeForm } from "@/components/ChallengeForm";
import { useSovraConfig } from "@/components/Providers";
import { Card, Empty, Loading, WithDeployment } from "@/components/ui";
import { formatAmount, shortAddress, shortHex, txHref } from "@/lib/format";
import { useTokenInfo } from "@/lib/hooks";
import { useDisputes, useOptimisticModels } from "@/lib/optimistic-data";
import type { Deployment } from "@/lib/runtime-config";

export default function DisputesPage() {
  return (
    <>
      <h1>Disputes</h1>
      <WithDeployment>{(deployment) => <Disputes deployment={deployment} />}</WithDeployment>
    </>
  );
}

function Disputes({ deployment }: { deployment: Deployment }) {
  const { models, isLoading } = useOptimisticModels(deployment);
  const disputes = useDisputes(deployment, models);
  const token = useTokenInfo(deployment.contracts.paymentToken);
  const { explorerUrl } = useSovraConfig();
  if (isLoading) return <Loading what="optimistic models" />;
  if (models.length === 0)
    return <Empty>This deployment has no optimistic model: disputes exist only on the optimistic tier.</Empty>;
  const rows = disputes.data ?? [];
  return (
    <>
      <Card title="Open and resolved disputes">
        <p className="muted">
          A result stands unless a dispute overturns it: a drawn auditor that disagrees, or anyone with a bond inside
          the challenge window, opens one; a committee drawn by stake re-executes the job and votes (commit, then
          reveal); the majority decides, and the losing side is slashed.
        </p>
        {disputes.isLoading ? (
          <Loading what="disputes" />
        ) : rows.length === 0 ? (
          <Empty>No dispute yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table data-testid="disputes" aria-label="Disputes">
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Model</th>
                  <th scope="col">Challenger</th>
                  <th scope="col">Bond</th>
                  <th scope="col">Committee</th>
                  <th scope="col">Votes revealed</th>
                  <th scope="col">Outcome</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => {
                  const upheld = row.votes.filter((vote) => vote.agrees).length;
                  return (
                    <tr key={`${row.settlement}-${row.jobId}`} data-testid={`dispute-${row.jobId}`}>
                      <td>
                        <a href={`/buy?job=${row.jobId}`}>#{row.jobId.toString()}</a>
                      </td>
                      <td>{row.model}</td>
                      <td className="mono" title={row.challenger}>
                        {row.byAuditor ? "the drawn auditor" : shortAddress(row.challenger)}
                      </td>
                      <td>
                        {row.byAuditor
                          ? "none (its auditor bond)"
                          : token
                            ? `${formatAmount(row.bond, token.decimals)} ${token.symbol}`
                            : row.bond.toString()}
                      </td>
                      <td className="mono">
                        {row.committee.length === 0 ? "not drawn yet" : row.committee.map(shortAddress).join(", ")}
                      </td>
                      <td>
                        {row.committee.length === 0
                          ? "none yet"
                          : `${row.votes.length} of ${row.committee.length} (${upheld} upheld, ${row.votes.length - upheld} overturned)`}
                      </td>
                      <td data-testid="dispute-outcome">
                        {row.resolved ? (
                          <>
                            {row.resolved.overturned ? "overturned: the provider lied" : "upheld: the result stands"} (
                            <a href={txHref(row.resolved.txHash, explorerUrl)} className="mono">
                              {shortHex(row.resolved.txHash)}
                            </a>
                            )
                          </>
                        ) : (
                          <>
                            open (
                            <a href={txHref(row.openedTx, explorerUrl)} className="mono">
                              {shortHex(row.openedTx)}
                            </a>
                            )
                          </>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <ChallengeForm
        deployment={deployment}
        models={models}
        disputed={new Set(rows.map((row) => `${row.settlement}:${row.jobId}`))}
      />
    </>
  );
}
