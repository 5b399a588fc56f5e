"use client";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { isAddress, type Address, type Hex } from "viem";
import { useBlockNumber, usePublicClient, useReadContract, useReadContracts, useWriteContract } from "wagmi";
import { TxStatus } from "@/components/TxStatus";
import { Card, Empty, Field, Loading, WithDeployment } from "@/components/ui";
import { ConnectHint, useWriteAccount } from "@/components/Wallet";
import {
  attestationRegistryAbi,
  governanceTokenAbi,
  governorAbi,
  marketAbi,
  registryAbi,
  timelockAbi,
} from "@/lib/abis";
import { countdown, formatAmount, formatBps, formatDuration, shortAddress, shortHex } from "@/lib/format";
import {
  KNOWN_CLAIMS,
  claimName,
  descriptionHash,
  marketFeeAction,
  proposalStateName,
  trustAttesterAction,
  unbondingDelayAction,
  type ProposalAction,
} from "@/lib/governance";
import { useChainNow, useTokenInfo, useTx, type TokenInfo } from "@/lib/hooks";
import type { Deployment } from "@/lib/runtime-config";

export default function GovernancePage() {
  return (
    <>
      <h1>Governance</h1>
      <WithDeployment>{(deployment) => <Governance deployment={deployment} />}</WithDeployment>
    </>
  );
}

function Governance({ deployment }: { deployment: Deployment }) {
  const sov = useTokenInfo(deployment.contracts.sovraToken);
  if (!sov) return <Loading what="governance" />;
  return (
    <>
      <div className="grid2">
        <Parameters deployment={deployment} />
        <Votes deployment={deployment} sov={sov} />
      </div>
      <div className="grid2">
        <Propose deployment={deployment} />
        <Attesters deployment={deployment} />
      </div>
      <Proposals deployment={deployment} sov={sov} />
    </>
  );
}

const blocks = (count: bigint | undefined) =>
  count === undefined ? "…" : `${count.toString()} block${count === 1n ? "" : "s"}`;

function Parameters({ deployment }: { deployment: Deployment }) {
  const { governor, timelock, providerRegistry, spotMarket } = deployment.contracts;
  const reads = useReadContracts({
    contracts: [
      { address: governor, abi: governorAbi, functionName: "votingDelay" },
      { address: governor, abi: governorAbi, functionName: "votingPeriod" },
      { address: governor, abi: governorAbi, functionName: "proposalThreshold" },
      { address: timelock, abi: timelockAbi, functionName: "getMinDelay" },
      { address: providerRegistry, abi: registryAbi, functionName: "unbondingDelay" },
    ],
  });
  const markets = useReadContracts({
    contracts: deployment.markets.map((m) => ({
      address: spotMarket,
      abi: marketAbi,
      functionName: "marketOf" as const,
      args: [m.marketId] as const,
    })),
  });
  const value = (i: number) => reads.data?.[i]?.result;
  const n = (v: unknown) => (typeof v === "bigint" ? v : undefined);
  return (
    <Card title="Parameters">
      {reads.isLoading ? (
        <Loading what="parameters" />
      ) : (
        <dl className="kv" data-testid="parameters">
          <dt>Voting delay</dt>
          <dd>{blocks(n(value(0)))}</dd>
          <dt>Voting period</dt>
          <dd>{blocks(n(value(1)))}</dd>
          <dt>Proposal threshold</dt>
          <dd>{n(value(2)) !== undefined ? formatAmount(n(value(2)) ?? 0n, 18) : "…"} SOV</dd>
          <dt>Timelock delay</dt>
          <dd>{n(value(3)) !== undefined ? formatDuration(Number(n(value(3)))) : "…"}</dd>
          <dt>Unbonding delay</dt>
          <dd data-testid="param-unbonding-delay">
            {n(value(4)) !== undefined ? formatDuration(Number(n(value(4)))) : "…"}
          </dd>
          {deployment.markets.map((market, index) => {
            const info = markets.data?.[index]?.result;
            return (
              <div key={market.marketId} style={{ display: "contents" }}>
                <dt>
                  Market {market.marketId} ({market.model})
                </dt>
                <dd data-testid={`param-market-${market.marketId}`}>
                  {info
                    ? `fee ${formatBps(info.params.feeBps)}, collateral ${formatAmount(info.params.collateralPerJob, 18)} SOV/job (slashed to the treasury), callback premium ${formatAmount(info.params.callbackPremium, 6)} tUSD, window ${formatDuration(info.params.minJobWindow)} to ${formatDuration(info.params.maxJobWindow)}`
                    : "…"}
                </dd>
              </div>
            );
          })}
        </dl>
      )}
    </Card>
  );
}

function Votes({ deployment, sov }: { deployment: Deployment; sov: TokenInfo }) {
  const account = useWriteAccount();
  const token = deployment.contracts.sovraToken;
  const zero = "0x0000000000000000000000000000000000000000" as Address;
  const reads = useReadContracts({
    contracts: [
      { address: token, abi: governanceTokenAbi, functionName: "balanceOf", args: [account ?? zero] },
      { address: token, abi: governanceTokenAbi, functionName: "getVotes", args: [account ?? zero] },
      { address: token, abi: governanceTokenAbi, functionName: "delegates", args: [account ?? zero] },
    ],
    query: { enabled: account !== undefined },
  });
  const [to, setTo] = useState("");
  const { writeContractAsync } = useWriteContract();
  const tx = useTx();
  if (!account)
    return (
      <Card title="Your votes">
        <ConnectHint what="delegate and vote" />
      </Card>
    );
  const [balance, votes, delegatee] = [reads.data?.[0]?.result, reads.data?.[1]?.result, reads.data?.[2]?.result];
  const target = to === "" ? account : to;
  return (
    <Card title="Your votes">
      <dl className="kv">
        <dt>Balance</dt>
        <dd>{balance !== undefined ? `${formatAmount(balance, sov.decimals)} ${sov.symbol}` : "…"}</dd>
        <dt>Voting power</dt>
        <dd data-testid="voting-power">{votes !== undefined ? `${formatAmount(votes, sov.decimals)} votes` : "…"}</dd>
        <dt>Delegated to</dt>
        <dd className="mono">
          {delegatee === undefined
            ? "…"
            : delegatee === zero
              ? "nobody (your tokens do not vote)"
              : delegatee === account
                ? "yourself"
                : delegatee}
        </dd>
      </dl>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!isAddress(target)) return;
          void tx.run("Delegate", () =>
            writeContractAsync({ address: token, abi: governanceTokenAbi, functionName: "delegate", args: [target] }),
          );
        }}
      >
        <Field label="Delegate to (empty: yourself)" hint={to && !isAddress(to) ? "Not an address" : undefined}>
          <input
            name="delegatee"
            className="mono"
            value={to}
            onChange={(e) => setTo(e.target.value)}
            placeholder={account}
          />
        </Field>
        <button type="submit" disabled={tx.busy || !isAddress(target)}>
          Delegate
        </button>
      </form>
      <TxStatus state={tx.state} />
    </Card>
  );
}

type Template = "unbonding" | "fee" | "attester";

function Propose({ deployment }: { deployment: Deployment }) {
  const account = useWriteAccount();
  const [template, setTemplate] = useState<Template>("unbonding");
  const [hours, setHours] = useState("2");
  const [marketId, setMarketId] = useState<number | undefined>(deployment.markets[0]?.marketId);
  const [feeBps, setFeeBps] = useState("300");
  const [claim, setClaim] = useState<string>(KNOWN_CLAIMS[0]);
  const [attester, setAttester] = useState("");
  const [description, setDescription] = useState("");
  const market = useReadContract({
    address: deployment.contracts.spotMarket,
    abi: marketAbi,
    functionName: "marketOf",
    args: [marketId ?? 0],
    query: { enabled: marketId !== undefined && template === "fee" },
  });
  const { writeContractAsync } = useWriteContract();
  const tx = useTx();

  let action: ProposalAction | undefined;
  if (template === "unbonding" && Number(hours) > 0) {
    action = unbondingDelayAction(deployment.contracts.providerRegistry, BigInt(Math.round(Number(hours) * 3600)));
  } else if (template === "fee" && marketId !== undefined && market.data && Number.isInteger(Number(feeBps))) {
    action = marketFeeAction(deployment.contracts.spotMarket, marketId, market.data.params, Number(feeBps));
  } else if (template === "attester" && isAddress(attester)) {
    action = trustAttesterAction(deployment.contracts.attestationRegistry, claim, attester, true);
  }
  const text = description.trim() || action?.summary || "";

  return (
    <Card title="Propose a parameter change">
      {!account && <ConnectHint what="propose" />}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!action) return;
          const chosen = action;
          void tx.run("Propose", () =>
            writeContractAsync({
              address: deployment.contracts.governor,
              abi: governorAbi,
              functionName: "propose",
              args: [[chosen.target], [chosen.value], [chosen.calldata], text],
            }),
          );
        }}
      >
        <Field label="Change">
          <select name="template" value={template} onChange={(e) => setTemplate(e.target.value as Template)}>
            <option value="unbonding">Provider unbonding delay</option>
            <option value="fee" disabled={!deployment.markets.length}>
              Market protocol fee
            </option>
            <option value="attester">Trust an attester</option>
          </select>
        </Field>
        {template === "unbonding" && (
          <Field label="New unbonding delay (hours)">
            <input name="unbondingHours" inputMode="decimal" value={hours} onChange={(e) => setHours(e.target.value)} />
          </Field>
        )}
        {template === "fee" && (
          <>
            <Field label="Market">
              <select value={marketId ?? ""} onChange={(e) => setMarketId(Number(e.target.value))}>
                {deployment.markets.map((m) => (
                  <option key={m.marketId} value={m.marketId}>
                    {m.marketId}: {m.model} · class {m.policyClass}
                  </option>
                ))}
              </select>
            </Field>
            <Field
              label="New fee (basis points)"
              hint={market.data ? `Now ${market.data.params.feeBps} bps` : undefined}
            >
              <input name="feeBps" inputMode="numeric" value={feeBps} onChange={(e) => setFeeBps(e.target.value)} />
            </Field>
          </>
        )}
        {template === "attester" && (
          <>
            <Field label="Claim">
              <select value={claim} onChange={(e) => setClaim(e.target.value)}>
                {KNOWN_CLAIMS.map((name) => (
                  <option key={name}>{name}</option>
                ))}
              </select>
            </Field>
            <Field label="Attester address">
              <input
                className="mono"
                value={attester}
                onChange={(e) => setAttester(e.target.value)}
                placeholder="0x…"
              />
            </Field>
          </>
        )}
        <Field label="Description" hint="Shown to voters; defaults to a summary of the change">
          <textarea
            name="description"
            rows={2}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            placeholder={action?.summary}
          />
        </Field>
        <button type="submit" disabled={!account || !action || tx.busy}>
          Propose
        </button>
      </form>
      <TxStatus state={tx.state} />
    </Card>
  );
}

function Attesters({ deployment }: { deployment: Deployment }) {
  const client = usePublicClient();
  const registry = deployment.contracts.attestationRegistry;
  const data = useQuery({
    queryKey: ["sovra-attesters", registry],
    enabled: client !== undefined,
    queryFn: async () => {
      if (!client) return { trusted: [], classes: [] };
      const common = {
        address: registry,
        abi: attestationRegistryAbi,
        fromBlock: BigInt(deployment.startBlock),
      } as const;
      const [trust, classes] = await Promise.all([
        client.getContractEvents({ ...common, eventName: "AttesterTrustSet" }),
        client.getContractEvents({ ...common, eventName: "PolicyClassSet" }),
      ]);
      const latest = new Map<string, { claim: Hex; attester: Address; trusted: boolean }>();
      for (const log of trust) {
        const { claim, attester, trusted } = log.args;
        if (claim && attester && trusted !== undefined)
          latest.set(`${claim}:${attester}`, { claim, attester, trusted });
      }
      const classMap = new Map<number, readonly Hex[]>();
      for (const log of classes) {
        if (log.args.classId !== undefined) classMap.set(log.args.classId, log.args.claims ?? []);
      }
      return {
        trusted: [...latest.values()].filter((entry) => entry.trusted),
        classes: [...classMap.entries()].sort((a, b) => a[0] - b[0]),
      };
    },
  });
  return (
    <Card title="Attesters and policy classes">
      {data.isLoading || !data.data ? (
        <Loading what="attesters" />
      ) : (
        <>
          <h3 className="field-label">Trusted attesters</h3>
          {data.data.trusted.length === 0 ? (
            <Empty>No trusted attesters yet.</Empty>
          ) : (
            <ul>
              {data.data.trusted.map((entry) => (
                <li key={`${entry.claim}${entry.attester}`}>
                  {claimName(entry.claim)}: <span className="mono">{shortAddress(entry.attester)}</span>
                </li>
              ))}
            </ul>
          )}
          <h3 className="field-label">Policy classes</h3>
          <ul>
            {!data.data.classes.some(([classId]) => classId === 0) && <li>Class 0: no claims required</li>}
            {data.data.classes.map(([classId, claims]) => (
              <li key={classId}>
                Class {classId}: {claims.length ? claims.map(claimName).join(", ") : "no claims"}
              </li>
            ))}
          </ul>
        </>
      )}
    </Card>
  );
}

type Proposal = {
  id: bigint;
  proposer: Address;
  targets: readonly Address[];
  values: readonly bigint[];
  calldatas: readonly Hex[];
  description: string;
  voteStart: bigint;
  voteEnd: bigint;
};

function Proposals({ deployment, sov }: { deployment: Deployment; sov: TokenInfo }) {
  const client = usePublicClient();
  const list = useQuery({
    queryKey: ["sovra-proposals", deployment.contracts.governor],
    enabled: client !== undefined,
    queryFn: async (): Promise<Proposal[]> => {
      if (!client) return [];
      const logs = await client.getContractEvents({
        address: deployment.contracts.governor,
        abi: governorAbi,
        eventName: "ProposalCreated",
        fromBlock: BigInt(deployment.startBlock),
      });
      return logs
        .map((log) => ({
          id: log.args.proposalId ?? 0n,
          proposer: log.args.proposer ?? ("0x" as Address),
          targets: log.args.targets ?? [],
          values: log.args.values ?? [],
          calldatas: log.args.calldatas ?? [],
          description: log.args.description ?? "",
          voteStart: log.args.voteStart ?? 0n,
          voteEnd: log.args.voteEnd ?? 0n,
        }))
        .reverse();
    },
  });
  return (
    <Card title="Proposals">
      {list.isLoading ? (
        <Loading what="proposals" />
      ) : !list.data?.length ? (
        <Empty>No proposals yet.</Empty>
      ) : (
        <div style={{ display: "grid", gap: 12 }}>
          {list.data.map((proposal) => (
            <ProposalRow key={proposal.id.toString()} deployment={deployment} proposal={proposal} sov={sov} />
          ))}
        </div>
      )}
    </Card>
  );
}

function ProposalRow({ deployment, proposal, sov }: { deployment: Deployment; proposal: Proposal; sov: TokenInfo }) {
  const account = useWriteAccount();
  const governor = deployment.contracts.governor;
  const now = useChainNow();
  const { data: block } = useBlockNumber({ watch: true });
  const zero = "0x0000000000000000000000000000000000000000" as Address;
  const reads = useReadContracts({
    contracts: [
      { address: governor, abi: governorAbi, functionName: "state", args: [proposal.id] },
      { address: governor, abi: governorAbi, functionName: "proposalVotes", args: [proposal.id] },
      { address: governor, abi: governorAbi, functionName: "proposalEta", args: [proposal.id] },
      { address: governor, abi: governorAbi, functionName: "hasVoted", args: [proposal.id, account ?? zero] },
    ],
  });
  const { writeContractAsync } = useWriteContract();
  const tx = useTx();
  const state = reads.data?.[0]?.result;
  const votes = reads.data?.[1]?.result;
  const eta = reads.data?.[2]?.result;
  const voted = reads.data?.[3]?.result;
  const name = state === undefined ? "…" : proposalStateName(state);
  const fmt = (value: bigint) => formatAmount(value, sov.decimals, 2);
  const args = [proposal.targets, proposal.values, proposal.calldatas, descriptionHash(proposal.description)] as const;
  const etaReady = eta !== undefined && eta > 0n && now !== undefined && Number(eta) <= now;

  const vote = (support: number, label: string) =>
    tx.run(`Vote ${label}`, () =>
      writeContractAsync({
        address: governor,
        abi: governorAbi,
        functionName: "castVote",
        args: [proposal.id, support],
      }),
    );

  return (
    <article className="card" aria-label={`Proposal ${proposal.description}`} data-testid="proposal" data-state={name}>
      <p>
        <strong>{proposal.description || "(no description)"}</strong> <span className="pill">{name}</span>
      </p>
      <p className="muted mono">
        id {shortHex(proposal.id.toString(16).padStart(64, "0"), 12)} · by {shortAddress(proposal.proposer)}
      </p>
      {votes && (
        <p>
          For {fmt(votes[1])} · Against {fmt(votes[0])} · Abstain {fmt(votes[2])}
        </p>
      )}
      {name === "Pending" && block !== undefined && (
        <p className="muted">
          Voting starts after block {proposal.voteStart.toString()} (now {block.toString()}).
        </p>
      )}
      {name === "Active" && block !== undefined && (
        <p className="muted">
          Voting ends at block {proposal.voteEnd.toString()} ({(proposal.voteEnd - block).toString()} blocks left).
        </p>
      )}
      {name === "Queued" && eta !== undefined && now !== undefined && (
        <p className="muted" data-testid="eta">
          Executable {countdown(Number(eta), now).text}
        </p>
      )}
      {account && (
        <div className="row">
          {name === "Active" && !voted && (
            <>
              <button type="button" disabled={tx.busy} onClick={() => void vote(1, "for")}>
                Vote for
              </button>
              <button type="button" className="secondary" disabled={tx.busy} onClick={() => void vote(0, "against")}>
                Vote against
              </button>
              <button type="button" className="secondary" disabled={tx.busy} onClick={() => void vote(2, "abstain")}>
                Abstain
              </button>
            </>
          )}
          {name === "Active" && voted && <span className="muted">You voted.</span>}
          {name === "Succeeded" && (
            <button
              type="button"
              disabled={tx.busy}
              onClick={() =>
                tx.run("Queue", () =>
                  writeContractAsync({ address: governor, abi: governorAbi, functionName: "queue", args }),
                )
              }
            >
              Queue
            </button>
          )}
          {name === "Queued" && (
            <button
              type="button"
              disabled={tx.busy || !etaReady}
              onClick={() =>
                tx.run("Execute", () =>
                  writeContractAsync({ address: governor, abi: governorAbi, functionName: "execute", args }),
                )
              }
            >
              Execute
            </button>
          )}
        </div>
      )}
      <TxStatus state={tx.state} />
    </article>
  );
}
