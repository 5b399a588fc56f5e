// Hardhat's development accounts (from its public mnemonic "test test ... junk"), as `npm start` funds and prints
// them. Only meaningful on the local chain (31337); their keys are public, so they hold nothing of value anywhere.
// Kept as plain addresses: deriving them in the browser would ship a BIP-39 word list for ten constants. The
// unit test checks them, and the roles, against the deploy package.
import type { Address } from "viem";

export const LOCAL_CHAIN_ID = 31337;

export type DevAccount = { index: number; address: Address; role?: string; note?: string };

export const devAccounts: readonly DevAccount[] = [
  {
    index: 0,
    address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    role: "deployer",
    note: "holds most SOV; votes in governance",
  },
  {
    index: 1,
    address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    role: "provider",
    note: "the provider node signs with it: do not use it in a wallet",
  },
  {
    index: 2,
    address: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    role: "buyer",
    note: "a good first choice to buy",
  },
  { index: 3, address: "0x90F79bf6EB2c4f870365E785982E1f101E93b906", role: "attester" },
  { index: 4, address: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65" },
  { index: 5, address: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc" },
  { index: 6, address: "0x976EA74026E726554dB657fA54763abd0C3a0aa9" },
  { index: 7, address: "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955" },
  { index: 8, address: "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f" },
  { index: 9, address: "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720" },
];
