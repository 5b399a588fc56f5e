// The optimistic tier's types and hashes for clients (provider node, auditors, the buyer CLI, the dApp): the
// governed parameters, the commitment every call passes back, the output hash a commit binds and the
// commit-reveal hash of an audit or committee vote. contracts/README.md ("Optimistic tier") explains the flow.
import { type Address, type Hex, encodeAbiParameters, encodePacked, keccak256 } from "viem";

/** `IOptimisticSettlement.Params`, field for field (times in seconds). A type, not an interface: Ignition takes it. */
export type OptimisticParams = {
  challengeWindow: number;
  auditWindow: number;
  revealWindow: number;
  /** A dispute's whole time: more than auditWindow + revealWindow (the rest covers the committee draw and finalize). */
  disputeTime: number;
  /** Probability that a commit is audited, in basis points. */
  auditBps: number;
  /** Voters drawn for a dispute (odd). */
  committeeSize: number;
  /** Payment-token units a challenger deposits. */
  challengeBond: bigint;
  /** Payment-token units paid from the reward pool per useful answer. */
  auditorReward: bigint;
  /** Governance-token units an auditor bonds per model, at least. */
  minAuditorBond: bigint;
  /** Governance-token units an auditor loses for a missed or wrong answer. */
  auditorPenalty: bigint;
};

/**
 * Launch defaults (6-decimal payment token, 18-decimal SOV); contracts/README.md gives the incentive analysis. With the
 * local market's collateral of 10 SOV per job, p * S = 1 SOV per job.
 */
export const DEFAULT_OPTIMISTIC_PARAMS: OptimisticParams = {
  challengeWindow: 300,
  auditWindow: 60,
  revealWindow: 60,
  disputeTime: 300,
  auditBps: 1_000,
  committeeSize: 3,
  challengeBond: 1_000_000n, // 1 tUSD
  auditorReward: 10_000n, // 0.01 tUSD
  minAuditorBond: 100n * 10n ** 18n,
  auditorPenalty: 10n * 10n ** 18n,
};

/** `IOptimisticSettlement.Commitment`, field for field: what `ResultCommitted` carries and every later call takes. */
export type Commitment = {
  outputHash: Hex;
  termsHash: Hex;
  provider: Address;
  marketId: number;
  commitBlock: bigint;
  committedAt: number;
  finalAt: number;
  auditBps: number;
  epoch: number;
};

/** `keccak256(abi.encodePacked(output))`: the hash a commit binds (an output of uint256 words). */
export function outputHashOf(output: readonly bigint[]): Hex {
  return keccak256(encodePacked(["uint256[]"], [[...output]]));
}

/** The hash an auditor or committee member commits: `agrees` means the provider's result is right. */
export function voteHash(jobId: bigint, agrees: boolean, outputHash: Hex, salt: Hex, voter: Address): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "uint256" }, { type: "bool" }, { type: "bytes32" }, { type: "bytes32" }, { type: "address" }],
      [jobId, agrees, outputHash, salt, voter],
    ),
  );
}

/** Latest commit time that leaves the challenge window and a whole dispute before `deadline` (seconds). */
export function latestCommitTime(deadline: bigint, params: Pick<OptimisticParams, "challengeWindow" | "disputeTime">) {
  return deadline - BigInt(params.challengeWindow + params.disputeTime);
}
