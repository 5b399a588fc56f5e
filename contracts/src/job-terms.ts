// A Sovra job's terms, rebuilt from the two events that carry them, and the hash the market commits to.
// The market stores only `keccak256(abi.encode(terms))` per open job; `submitResult` and `expire` take the terms
// back as calldata. `BidPlaced` carries what the buyer chose, `JobMatched` what the match added.
import { type Address, type Hex, encodeAbiParameters, keccak256 } from "viem";

/** `ISpotMarket.JobTerms`, field for field. */
export interface JobTerms {
  buyer: Address;
  provider: Address;
  marketId: number;
  price: bigint;
  collateral: bigint;
  deadline: bigint;
  inputHash: bigint;
  callback: boolean;
  /** The market's protocol fee when the job was made, in basis points. */
  feeBps: number;
  /** The market's consumer-callback gas cap when the job was made. */
  callbackGasLimit: number;
}

/** The decoded `BidPlaced` arguments the terms need (viem's decoded args fit as they are). */
export interface BidPlacedTermsArgs {
  orderId: bigint;
  marketId: number;
  buyer: Address;
  inputHash: bigint;
  deadline: bigint;
  callback: boolean;
}

/** The decoded `JobMatched` arguments the terms need (viem's decoded args fit as they are). */
export interface JobMatchedTermsArgs {
  jobId: bigint;
  provider: Address;
  price: bigint;
  collateral: bigint;
  feeBps: number;
  callbackGasLimit: number;
}

/** ABI of `JobTerms` as one tuple, the layout `hashJob` hashes. */
export const jobTermsAbiParameters = [
  {
    type: "tuple",
    components: [
      { name: "buyer", type: "address" },
      { name: "provider", type: "address" },
      { name: "marketId", type: "uint32" },
      { name: "price", type: "uint96" },
      { name: "collateral", type: "uint96" },
      { name: "deadline", type: "uint64" },
      { name: "inputHash", type: "uint256" },
      { name: "callback", type: "bool" },
      { name: "feeBps", type: "uint16" },
      { name: "callbackGasLimit", type: "uint32" },
    ],
  },
] as const;

/**
 * Joins a job's `JobMatched` with its bid's `BidPlaced` (the job id is the bid's order id). For a bid that
 * matched on arrival both come from one transaction; a resting bid's `BidPlaced` was emitted when it was placed.
 */
export function jobTermsFromEvents(bidPlaced: BidPlacedTermsArgs, jobMatched: JobMatchedTermsArgs): JobTerms {
  if (bidPlaced.orderId !== jobMatched.jobId) {
    throw new Error(`BidPlaced is for order ${bidPlaced.orderId}, JobMatched for job ${jobMatched.jobId}`);
  }
  return {
    buyer: bidPlaced.buyer,
    provider: jobMatched.provider,
    marketId: bidPlaced.marketId,
    price: jobMatched.price,
    collateral: jobMatched.collateral,
    deadline: bidPlaced.deadline,
    inputHash: bidPlaced.inputHash,
    callback: bidPlaced.callback,
    feeBps: jobMatched.feeBps,
    callbackGasLimit: jobMatched.callbackGasLimit,
  };
}

/** `keccak256(abi.encode(terms))`: the commitment an open job stores (the market's `hashJob`). */
export function hashJobTerms(terms: JobTerms): Hex {
  return keccak256(encodeAbiParameters(jobTermsAbiParameters, [terms]));
}

/** On-chain `ISpotMarket.JobStatus`: a job leaves `Matched` exactly once, to one of the final states. */
export const JobStatus = { None: 0, Matched: 1, Settled: 2, Expired: 3, Declined: 4, Voided: 5 } as const;
/** `JobStatus` names by value (what `jobStatus(jobId)` returns, as a number). */
export const jobStatusName = ["None", "Matched", "Settled", "Expired", "Declined", "Voided"] as const;
export type JobStatusName = (typeof jobStatusName)[number];
