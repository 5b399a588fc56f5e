// The local network's development attester vouches for the local provider, so that markets whose policy class
// requires claims (class 1: GDPR + SOC2) can be used locally, as on a real network once an attester has audited
// a provider.
import { createPublicClient, createWalletClient, http, type Address } from "viem";
import { hardhat } from "viem/chains";
import { attestationRegistryAbi, type Deployment } from "@sovra/contracts";
import { claimId } from "../ignition/modules/Sovra.ts";
import { localAccount, localRoles } from "./accounts.ts";

export type AttestOptions = {
  rpcUrl: string;
  deployment: Deployment;
  provider: Address;
  /** Claim names, as the deploy config names them (`GDPR`, `SOC2`, `TEE`). */
  claims: readonly string[];
  /** Seconds the attestations last. */
  validFor: bigint;
};

/** Attests `claims` for `provider` from the development attester (trusted for every claim on chain 31337). */
export async function attestLocalProvider(options: AttestOptions): Promise<void> {
  const transport = http(options.rpcUrl);
  const publicClient = createPublicClient({ chain: hardhat, transport });
  const attester = createWalletClient({ chain: hardhat, transport, account: localAccount(localRoles.attester) });
  const now = (await publicClient.getBlock()).timestamp;
  for (const claim of options.claims) {
    const hash = await attester.writeContract({
      address: options.deployment.contracts.attestationRegistry,
      abi: attestationRegistryAbi,
      functionName: "attest",
      args: [options.provider, claimId(claim), now + options.validFor],
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`attesting ${claim} for ${options.provider} reverted (${hash})`);
  }
}
