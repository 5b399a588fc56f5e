export { localAccount, localMnemonic, localRoles } from "./accounts.ts";
export { attestLocalProvider, type AttestOptions } from "./attest.ts";
export { freePort, startLocalChain, waitForRpc, type LocalChain } from "./chain.ts";
export { buildContracts, deploySystem } from "./deploy.ts";
export { fundLocalAccounts } from "./fund.ts";
export { startProcess, runToCompletion, type ManagedProcess } from "./processes.ts";
export { ensureProvingKeys, type ProvingKeys } from "./proving-keys.ts";
export { startLocalRedis, type LocalRedis } from "./redis.ts";
export {
  buyerBin,
  onboardProvider,
  privateKeyOf,
  providerBin,
  providerCli,
  startProviderNode,
  writeNodeConfig,
} from "./provider.ts";
export { buildWeb, startWeb, webIsBuilt } from "./web.ts";
