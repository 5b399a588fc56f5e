import { mnemonicToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { localMnemonic, localRoles } from "../../../deploy/src/accounts.ts";
import { devAccounts } from "../src/lib/dev-accounts";

describe("devAccounts", () => {
  it("are the local network's accounts, in order", () => {
    expect(devAccounts.map((account) => account.address)).toEqual(
      devAccounts.map((_, index) => mnemonicToAccount(localMnemonic, { addressIndex: index }).address),
    );
    expect(devAccounts).toHaveLength(10);
  });
  it("name the roles the launcher gives them", () => {
    for (const [role, index] of Object.entries(localRoles)) expect(devAccounts[index]?.role).toBe(role);
  });
});
