import { createPublicClient, createWalletClient, http, type Address } from "viem";
import { hardhat } from "viem/chains";
import { sovraTokenAbi, testStablecoinAbi, type Deployment } from "@sovra/contracts";
import { localAccount } from "./accounts.ts";

export type FundOptions = {
  rpcUrl: string;
  deployment: Deployment;
  /** Account indexes to fund (index 0, the deployer, holds the SOV supply). */
  accounts: readonly number[];
  sovEach: bigint;
};

/**
 * Gives local accounts test dollars (each calls the faucet) and governance tokens (from the deployer), and has
 * each delegate its votes to itself so that it can vote at once.
 */
export async function fundLocalAccounts(options: FundOptions): Promise<Address[]> {
  const transport = http(options.rpcUrl);
  const publicClient = createPublicClient({ chain: hardhat, transport });
  const { paymentToken, sovraToken } = options.deployment.contracts;
  const deployer = createWalletClient({ chain: hardhat, transport, account: localAccount(0) });
  const funded: Address[] = [];
  for (const index of [0, ...options.accounts.filter((index) => index !== 0)]) {
    const account = localAccount(index);
    const wallet = createWalletClient({ chain: hardhat, transport, account });
    const hashes = [
      await wallet.writeContract({ address: paymentToken, abi: testStablecoinAbi, functionName: "faucet" }),
    ];
    if (index !== 0) {
      hashes.push(
        await deployer.writeContract({
          address: sovraToken,
          abi: sovraTokenAbi,
          functionName: "transfer",
          args: [account.address, options.sovEach],
        }),
      );
    }
    hashes.push(
      await wallet.writeContract({
        address: sovraToken,
        abi: sovraTokenAbi,
        functionName: "delegate",
        args: [account.address],
      }),
    );
    for (const hash of hashes) {
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`funding account ${index} failed in ${hash}`);
    }
    funded.push(account.address);
  }
  return funded;
}
