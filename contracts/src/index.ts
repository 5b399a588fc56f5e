export * from "./abis.ts";
export { deploymentSchema, parseDeployment, type Deployment } from "./deployment.ts";
export {
  type BidPlacedTermsArgs,
  type JobMatchedTermsArgs,
  type JobStatusName,
  type JobTerms,
  JobStatus,
  hashJobTerms,
  jobStatusName,
  jobTermsAbiParameters,
  jobTermsFromEvents,
} from "./job-terms.ts";
export type { MarketParams } from "./market-params.ts";
export { type PaymentTokenCheck, checkPaymentToken } from "./payment-token.ts";
export { type ModelListing, type ModelProposal, modelIdOfName, modelProposal } from "./model-proposal.ts";
export { cidOfMultihash, multihashOfCid } from "./multihash.ts";
export { listedModelName, withListings } from "./listings.ts";
export {
  type Commitment,
  DEFAULT_OPTIMISTIC_PARAMS,
  type OptimisticParams,
  latestCommitTime,
  outputHashOf,
  voteHash,
} from "./optimistic.ts";
