import { decodeFunctionData, keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import { marketAbi, registryAbi } from "../src/lib/abis";
import {
  claimId,
  claimName,
  descriptionHash,
  marketFeeAction,
  proposalStateName,
  unbondingDelayAction,
} from "../src/lib/governance";

const registry = "0x00000000000000000000000000000000000000aa";
const market = "0x00000000000000000000000000000000000000bb";

describe("governance helpers", () => {
  it("names proposal states as OpenZeppelin numbers them", () => {
    expect(proposalStateName(1)).toBe("Active");
    expect(proposalStateName(5)).toBe("Queued");
    expect(proposalStateName(7)).toBe("Executed");
    expect(proposalStateName(9)).toBe("Unknown");
  });
  it("maps claim ids back to names", () => {
    expect(claimId("GDPR")).toBe(keccak256(toHex("GDPR")));
    expect(claimName(claimId("TEE"))).toBe("TEE");
    expect(claimName("0x01")).toBe("0x01");
  });
  it("hashes descriptions the way the governor does", () => {
    expect(descriptionHash("Raise the fee")).toBe(keccak256(toHex("Raise the fee")));
  });
  it("encodes an unbonding-delay change for the registry", () => {
    const action = unbondingDelayAction(registry, 7_200n);
    expect(action.target).toBe(registry);
    const decoded = decodeFunctionData({ abi: registryAbi, data: action.calldata });
    expect(decoded.functionName).toBe("setUnbondingDelay");
    expect(decoded.args).toEqual([7_200n]);
  });
  it("changes only the fee of a market's parameters", () => {
    const current = {
      tickSize: 1_000n,
      collateralPerJob: 10n,
      callbackPremium: 2_000n,
      feeBps: 250,
      minJobWindow: 120,
      maxJobWindow: 86_400,
      callbackGasLimit: 200_000,
      maxAskCapacity: 1_000,
      active: true,
    };
    const decoded = decodeFunctionData({ abi: marketAbi, data: marketFeeAction(market, 1, current, 300).calldata });
    expect(decoded.functionName).toBe("setMarketParams");
    expect(decoded.args).toEqual([1, { ...current, feeBps: 300 }]);
  });
});
