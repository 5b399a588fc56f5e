export * from "./abis.ts";
export { deploymentSchema, parseDeployment, type Deployment } from "./deployment.ts";
export {
  type BidPlacedTermsArgs,
  type JobMatchedTermsArgs,
  type JobTerms,
  hashJobTerms,
  jobTermsAbiParameters,
  jobTermsFromEvents,
} from "./job-terms.ts";
export type { MarketParams } from "./market-params.ts";
