import { mnemonicToAccount, type HDAccount } from "viem/accounts";

/** Hardhat node's well-known development mnemonic: its accounts are public, never use them off the local chain. */
export const localMnemonic = "test test test test test test test test test test test junk";

/** The local network's cast, by account index. */
export const localRoles = {
  deployer: 0,
  provider: 1,
  buyer: 2,
  attester: 3,
} as const;

export function localAccount(index: number): HDAccount {
  return mnemonicToAccount(localMnemonic, { addressIndex: index });
}
