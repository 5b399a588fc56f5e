export * from "./abis.ts";
export { deploymentSchema, parseDeployment, type Deployment } from "./deployment.ts";
