"use client";
// Chain reads of the optimistic tier: which models are optimistic (`ModelRegistry.tierOf`), each one's settlement
// contract (the model's verifier), a job's commitment and case, and the disputes and audit duties folded from the
// settlement contracts' events. Refreshed on new blocks like every other read.
import { useQuery } from "@tanstack/react-query";
import type { Address, Hash, Hex } from "viem";
import { usePublicClient, useReadContracts } from "wagmi";
import { modelRegistryAbi, settlementAbi } from "./abis";
import { type DisputeRow, foldDisputes, TIER } from "./optimistic";
import type { Deployment } from "./runtime-config";
import type { Commitment } from "@sovra/contracts";

export type OptimisticModel = { name: string; modelId: Hex; settlement: Address; ioSpec: string };

/** The deployment's optimistic models (tier read from the registry), with their settlement contracts. */
export function useOptimisticModels(deployment: Deployment): {
  models: OptimisticModel[];
  isLoading: boolean;
} {
  const reads = useReadContracts({
    contracts: deployment.models.flatMap((model) => [
      {
        address: deployment.contracts.modelRegistry,
        abi: modelRegistryAbi,
        functionName: "tierOf" as const,
        args: [model.modelId] as const,
      },
      {
        address: deployment.contracts.modelRegistry,
        abi: modelRegistryAbi,
        functionName: "modelOf" as const,
        args: [model.modelId] as const,
      },
    ]),
  });
  const models = deployment.models.flatMap((model, index) => {
    const tier = reads.data?.[2 * index]?.result;
    const onChain = reads.data?.[2 * index + 1]?.result;
    if (tier !== TIER.optimistic || typeof onChain !== "object" || onChain === null || !("ioSpec" in onChain))
      return [];
    return [{ name: model.name, modelId: model.modelId, settlement: onChain.verifier, ioSpec: onChain.ioSpec }];
  });
  return { models, isLoading: reads.isLoading };
}

/** What `ResultCommitted` carries and every later call takes (one definition: the contracts package's). */
export type { Commitment };

export type CommittedResult = { output: readonly bigint[]; commitment: Commitment; txHash: Hash };

export type OptimisticJobState = {
  committed: CommittedResult | undefined;
  caseView:
    | {
        auditState: number;
        disputeState: number;
        auditor: Address;
        challenger: Address;
        votesUpheld: number;
        votesOverturned: number;
        bond: bigint;
        committee: readonly Address[];
      }
    | undefined;
  draw: { known: boolean; audited: boolean } | undefined;
  isFinal: boolean;
};

/** One job's commitment (from `ResultCommitted`) and its audit/dispute state and finality. */
export function useOptimisticJob(deployment: Deployment, settlement: Address | undefined, jobId: bigint) {
  const client = usePublicClient();
  return useQuery({
    queryKey: ["sovra-optimistic-job", settlement, jobId.toString()],
    enabled: client !== undefined && settlement !== undefined,
    queryFn: async (): Promise<OptimisticJobState> => {
      const empty = { committed: undefined, caseView: undefined, draw: undefined, isFinal: false };
      if (!client || !settlement) return empty;
      const logs = await client.getContractEvents({
        address: settlement,
        abi: settlementAbi,
        eventName: "ResultCommitted",
        args: { jobId },
        fromBlock: BigInt(deployment.startBlock),
        toBlock: "latest",
        strict: true,
      });
      const log = logs[0];
      if (!log) return empty;
      const commitment = log.args.commitment;
      const committed = { output: log.args.output, commitment, txHash: log.transactionHash };
      const [caseView, draw, isFinal] = await Promise.all([
        client.readContract({ address: settlement, abi: settlementAbi, functionName: "caseOf", args: [jobId] }),
        client
          .readContract({
            address: settlement,
            abi: settlementAbi,
            functionName: "auditDraw",
            args: [jobId, commitment],
          })
          .then(([known, audited]) => ({ known, audited }))
          // The commit's next block is not mined yet.
          .catch(() => ({ known: false, audited: false })),
        client.readContract({
          address: settlement,
          abi: settlementAbi,
          functionName: "isFinal",
          args: [jobId, commitment],
        }),
      ]);
      return { committed, caseView, draw, isFinal };
    },
  });
}

/** Every dispute on every optimistic model's settlement contract, newest first. */
export function useDisputes(deployment: Deployment, models: readonly OptimisticModel[]) {
  const client = usePublicClient();
  return useQuery({
    queryKey: ["sovra-disputes", models.map((model) => model.settlement).join(",")],
    enabled: client !== undefined && models.length > 0,
    queryFn: async (): Promise<DisputeRow[]> => {
      if (!client) return [];
      const rows: DisputeRow[] = [];
      for (const model of models) {
        const logs = await client.getContractEvents({
          address: model.settlement,
          abi: settlementAbi,
          fromBlock: BigInt(deployment.startBlock),
          toBlock: "latest",
          strict: true,
        });
        const events = logs.map((log) => ({
          eventName: log.eventName,
          args: log.args as Readonly<Record<string, unknown>>,
          transactionHash: log.transactionHash,
        }));
        rows.push(...foldDisputes(events, { name: model.name, settlement: model.settlement }));
      }
      return rows.sort((a, b) => (a.jobId < b.jobId ? 1 : a.jobId > b.jobId ? -1 : 0));
    },
  });
}

/** Results committed and not settled yet on `models` (what a challenger can pick), newest first. */
export function useOpenCommitments(deployment: Deployment, models: readonly OptimisticModel[]) {
  const client = usePublicClient();
  return useQuery({
    queryKey: ["sovra-open-commitments", models.map((model) => model.settlement).join(",")],
    enabled: client !== undefined && models.length > 0,
    queryFn: async () => {
      if (!client) return [];
      const out: (CommittedResult & { jobId: bigint; model: OptimisticModel })[] = [];
      for (const model of models) {
        const logs = await client.getContractEvents({
          address: model.settlement,
          abi: settlementAbi,
          eventName: "ResultCommitted",
          fromBlock: BigInt(deployment.startBlock),
          toBlock: "latest",
          strict: true,
        });
        for (const log of logs)
          out.push({
            jobId: log.args.jobId,
            model,
            output: log.args.output,
            commitment: log.args.commitment,
            txHash: log.transactionHash,
          });
      }
      return out.sort((a, b) => (a.jobId < b.jobId ? 1 : -1));
    },
  });
}

export type AuditDuty = {
  model: OptimisticModel;
  bond: bigint;
  duties: number;
  drawn: number;
  answered: number;
  penalised: number;
  penalties: bigint;
  owed: bigint;
};

/** `account`'s audit duty on each optimistic model: bond, audits drawn / answered / penalised, rewards owed. */
export function useAuditDuty(deployment: Deployment, models: readonly OptimisticModel[], account: Address) {
  const client = usePublicClient();
  return useQuery({
    queryKey: ["sovra-audit-duty", account, models.map((model) => model.settlement).join(",")],
    enabled: client !== undefined && models.length > 0,
    queryFn: async (): Promise<AuditDuty[]> => {
      if (!client) return [];
      const fromBlock = BigInt(deployment.startBlock);
      return Promise.all(
        models.map(async (model) => {
          const address = model.settlement;
          const [auditor, owed, drawn, answered, penalised] = await Promise.all([
            client.readContract({
              address,
              abi: settlementAbi,
              functionName: "auditorOf",
              args: [model.modelId, account],
            }),
            client.readContract({ address, abi: settlementAbi, functionName: "owed", args: [account] }),
            client.getContractEvents({
              address,
              abi: settlementAbi,
              eventName: "AuditDrawn",
              args: { auditor: account },
              fromBlock,
              strict: true,
            }),
            client.getContractEvents({
              address,
              abi: settlementAbi,
              eventName: "AuditRevealed",
              args: { auditor: account },
              fromBlock,
              strict: true,
            }),
            client.getContractEvents({
              address,
              abi: settlementAbi,
              eventName: "AuditorPenalized",
              args: { auditor: account },
              fromBlock,
              strict: true,
            }),
          ]);
          return {
            model,
            bond: auditor.bond,
            duties: auditor.duties,
            drawn: drawn.length,
            answered: answered.length,
            penalised: penalised.length,
            penalties: penalised.reduce((sum, log) => sum + log.args.amount, 0n),
            owed,
          };
        }),
      );
    },
  });
}
