"use client";
// Chain reads behind the ledger and the policy view: one scan of the market's events (every page folds the same
// logs), block times for charts, and the attestation registry's trust and policy classes. Refreshed on new blocks.
import { useQuery } from "@tanstack/react-query";
import type { Address, Hex } from "viem";
import { usePublicClient, useReadContracts } from "wagmi";
import { attestationRegistryAbi, marketAbi } from "./abis";
import { buildLedger, type Ledger, type LedgerLog } from "./ledger";
import {
  askEligibility,
  classStatus,
  trustedAttesters,
  type AskEligibility,
  type ClassStatus,
  type TrustEvent,
} from "./policy";
import type { Deployment } from "./runtime-config";

/** Query keys whose data never changes once read: the block refresh leaves them alone. */
export const IMMUTABLE_QUERY = "sovra-immutable";

/** Every market event since the deployment, folded into orders and jobs. */
export function useLedger(deployment: Deployment | null) {
  const client = usePublicClient();
  return useQuery({
    queryKey: ["sovra-ledger", deployment?.contracts.spotMarket, deployment?.startBlock],
    enabled: client !== undefined && deployment !== null,
    queryFn: async (): Promise<Ledger> => {
      if (!client || !deployment) return buildLedger([]);
      const logs = await client.getContractEvents({
        address: deployment.contracts.spotMarket,
        abi: marketAbi,
        fromBlock: BigInt(deployment.startBlock),
        toBlock: "latest",
        strict: true,
      });
      const plain: LedgerLog[] = logs.map((log) => ({
        eventName: log.eventName,
        args: log.args as Readonly<Record<string, unknown>>,
        transactionHash: log.transactionHash,
        blockNumber: log.blockNumber,
        logIndex: log.logIndex,
      }));
      return buildLedger(plain);
    },
  });
}

/** Timestamps (unix seconds) of the given blocks. */
export function useBlockTimes(blockNumbers: readonly bigint[]) {
  const client = usePublicClient();
  const wanted = [...new Set(blockNumbers)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return useQuery({
    queryKey: [IMMUTABLE_QUERY, "block-times", wanted.map(String).join(",")],
    enabled: client !== undefined && wanted.length > 0,
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: async (): Promise<Map<bigint, number>> => {
      const times = new Map<bigint, number>();
      if (!client) return times;
      for (const blockNumber of wanted) {
        const block = await client.getBlock({ blockNumber });
        times.set(blockNumber, Number(block.timestamp));
      }
      return times;
    },
  });
}

/** Status of every policy class the deployment has markets in: what it requires, whether anyone can list. */
export function usePolicyClasses(deployment: Deployment) {
  const client = usePublicClient();
  const registry = deployment.contracts.attestationRegistry;
  const classIds = [...new Set(deployment.markets.map((market) => market.policyClass))].sort((a, b) => a - b);
  return useQuery({
    queryKey: ["sovra-policy-classes", registry, classIds.join(",")],
    enabled: client !== undefined,
    queryFn: async (): Promise<Map<number, ClassStatus>> => {
      const statuses = new Map<number, ClassStatus>();
      if (!client) return statuses;
      const [logs, claims] = await Promise.all([
        client.getContractEvents({
          address: registry,
          abi: attestationRegistryAbi,
          eventName: "AttesterTrustSet",
          fromBlock: BigInt(deployment.startBlock),
          toBlock: "latest",
          strict: true,
        }),
        Promise.all(
          classIds.map((classId) =>
            client.readContract({
              address: registry,
              abi: attestationRegistryAbi,
              functionName: "claimsOf",
              args: [classId],
            }),
          ),
        ),
      ]);
      const events: TrustEvent[] = logs.map((log) => ({
        claim: log.args.claim,
        attester: log.args.attester,
        trusted: log.args.trusted,
      }));
      const trust = trustedAttesters(events);
      classIds.forEach((classId, index) => {
        statuses.set(classId, classStatus(classId, (claims[index] ?? []) as readonly Hex[], trust));
      });
      return statuses;
    },
  });
}

/**
 * Whether `account` may place an ask on `marketId`: the class's requirements (above) and, for each claim, the
 * registry's `hasValidAttestation(account, claim)`, the same check the market makes when the ask is placed.
 */
export function useAskEligibility(
  deployment: Deployment,
  account: Address,
  marketId: number | undefined,
): AskEligibility {
  const classes = usePolicyClasses(deployment);
  const policyClass = deployment.markets.find((market) => market.marketId === marketId)?.policyClass;
  const status = policyClass === undefined ? undefined : classes.data?.get(policyClass);
  const claims = status?.claims ?? [];
  const held = useReadContracts({
    contracts: claims.map((row) => ({
      address: deployment.contracts.attestationRegistry,
      abi: attestationRegistryAbi,
      functionName: "hasValidAttestation" as const,
      args: [account, row.claim] as const,
    })),
    query: { enabled: claims.length > 0 },
  });
  if (policyClass === undefined) return { kind: "checking" };
  const answers = held.data?.map((entry) => (entry.status === "success" ? entry.result : undefined));
  return askEligibility(policyClass, status, answers);
}
