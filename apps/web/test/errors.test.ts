import {
  BaseError,
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  encodeErrorResult,
  parseAbi,
  UserRejectedRequestError,
} from "viem";
import { describe, expect, it } from "vitest";
import { allAbis } from "../src/lib/abis";
import {
  assetOfTarget,
  callTarget,
  decodeRevertData,
  describeError,
  errorFragments,
  humanizeErrorName,
} from "../src/lib/errors";

const testAbi = parseAbi([
  "error InsufficientFreeStake(address provider, uint256 free, uint256 requested)",
  "error FaucetCooldown(address account, uint256 availableAt)",
  "error SomethingNewHappened(uint256 value)",
  "function placeAsk(uint32 marketId, uint16 tick, uint32 capacity, uint64 expiresAt)",
]);
const provider = "0x00000000000000000000000000000000000000aa";

describe("decodeRevertData", () => {
  it("decodes a custom error of a Sovra contract into its sentence", () => {
    const data = encodeErrorResult({
      abi: testAbi,
      errorName: "InsufficientFreeStake",
      args: [provider, 5n, 10n],
    });
    const decoded = decodeRevertData(data, allAbis);
    expect(decoded?.name).toBe("InsufficientFreeStake");
    expect(decoded?.message).toBe("Not enough free stake: 5 free, 10 needed. Stake more or cancel asks.");
  });
  it("formats time arguments", () => {
    const data = encodeErrorResult({ abi: testAbi, errorName: "FaucetCooldown", args: [provider, 3_600n] });
    expect(decodeRevertData(data, allAbis)?.message).toBe(
      "You used the faucet recently. Try again at 1970-01-01 01:00:00 UTC.",
    );
  });
  it("falls back to the error's name in words for errors without a sentence", () => {
    const data = encodeErrorResult({ abi: testAbi, errorName: "SomethingNewHappened", args: [7n] });
    expect(decodeRevertData(data, [testAbi])?.message).toBe("Something new happened (7).");
  });
  it("returns undefined for unknown selectors", () => {
    expect(decodeRevertData("0xdeadbeef", allAbis)).toBeUndefined();
  });
  it("decodes require strings", () => {
    const data = encodeErrorResult({ abi: parseAbi(["error Error(string)"]), errorName: "Error", args: ["too late"] });
    expect(decodeRevertData(data, allAbis)?.message).toBe("too late.");
  });
});

describe("describeError", () => {
  it("finds the revert data inside viem's error chain", () => {
    const data = encodeErrorResult({ abi: testAbi, errorName: "InsufficientFreeStake", args: [provider, 1n, 2n] });
    const reverted = new ContractFunctionRevertedError({ abi: [], data, functionName: "placeAsk" });
    const error = new ContractFunctionExecutionError(reverted, {
      abi: testAbi,
      functionName: "placeAsk",
      args: [0, 1, 1, 0n],
    });
    expect(describeError(error, allAbis).name).toBe("InsufficientFreeStake");
  });
  it("finds revert data in a raw EIP-1193 error", () => {
    const data = encodeErrorResult({ abi: testAbi, errorName: "FaucetCooldown", args: [provider, 0n] });
    const error = { code: 3, message: "execution reverted", data };
    expect(describeError(error, allAbis).name).toBe("FaucetCooldown");
  });
  it("says when the user rejected the request", () => {
    const error = new UserRejectedRequestError(new Error("rejected"));
    expect(describeError(error, allAbis).message).toBe("You rejected the request in your wallet.");
  });
  it("uses viem's short message for other errors", () => {
    expect(describeError(new BaseError("RPC down"), allAbis).message).toBe("RPC down");
  });
});

describe("errorFragments", () => {
  it("deduplicates errors shared by several ABIs", () => {
    const fragments = errorFragments([testAbi, testAbi]);
    expect(fragments.filter((item) => item.name === "FaucetCooldown")).toHaveLength(1);
  });
  it("covers the governor and token errors", () => {
    const names = errorFragments(allAbis).map((item) => item.name);
    expect(names).toContain("GovernorUnexpectedProposalState");
    expect(names).toContain("ERC20InsufficientAllowance");
    expect(names).toContain("FaucetCooldown");
  });
});

describe("humanizeErrorName", () => {
  it("splits camel case", () => {
    expect(humanizeErrorName("ERC20InvalidSender")).toBe("Erc20 invalid sender");
    expect(humanizeErrorName("NothingUnbonding")).toBe("Nothing unbonding");
  });
});

describe("amounts in tokens", () => {
  const erc20Abi = parseAbi(["error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)"]);
  const tokens = {
    amount: (value: bigint, asset: "payment" | "governance") =>
      asset === "payment" ? `${Number(value) / 1e6} tUSD` : `${Number(value / 10n ** 18n)} SOV`,
  };
  it("shows stake amounts in SOV", () => {
    const data = encodeErrorResult({
      abi: testAbi,
      errorName: "InsufficientFreeStake",
      args: [provider, 5n * 10n ** 18n, 10n * 10n ** 18n],
    });
    expect(decodeRevertData(data, allAbis, tokens)?.message).toBe(
      "Not enough free stake: 5 SOV free, 10 SOV needed. Stake more or cancel asks.",
    );
  });
  it("shows an ERC20 shortfall in the token of the contract called", () => {
    const data = encodeErrorResult({
      abi: erc20Abi,
      errorName: "ERC20InsufficientBalance",
      args: [provider, 0n, 20_000n],
    });
    expect(decodeRevertData(data, allAbis, { ...tokens, erc20Asset: "payment" })?.message).toBe(
      "Your balance (0 tUSD) is below the 0.02 tUSD needed. Use the faucet or top up first.",
    );
    // Unknown token: the integers, never a guess.
    expect(decodeRevertData(data, allAbis, tokens)?.message).toBe(
      "Your balance (0) is below the 20000 needed. Use the faucet or top up first.",
    );
  });
  it("finds the contract a failed call went to", () => {
    const market = "0x00000000000000000000000000000000000000cc";
    const reverted = new ContractFunctionRevertedError({ abi: [], data: "0x", functionName: "placeAsk" });
    const error = new ContractFunctionExecutionError(reverted, {
      abi: testAbi,
      functionName: "placeAsk",
      args: [0, 1, 1, 0n],
      contractAddress: market,
    });
    expect(callTarget(error)).toBe(market);
    const contracts = {
      paymentToken: "0x01",
      spotMarket: market,
      sovraToken: "0x02",
      providerRegistry: "0x03",
      governor: "0x04",
    };
    expect(assetOfTarget(contracts, market.toUpperCase().replace("0X", "0x"))).toBe("payment");
    expect(assetOfTarget(contracts, "0x03")).toBe("governance");
    expect(assetOfTarget(contracts, "0x99")).toBeUndefined();
  });
});

describe("optimistic tier errors", () => {
  it("the settlement contracts' errors read as sentences", () => {
    const data = encodeErrorResult({
      abi: parseAbi(["error ChallengeClosed(uint256 jobId)"]),
      errorName: "ChallengeClosed",
      args: [7n],
    });
    expect(decodeRevertData(data, allAbis)?.message).toBe("Job 7's challenge window has closed.");
    const notFinal = encodeErrorResult({
      abi: parseAbi(["error NotFinal(uint256 jobId)"]),
      errorName: "NotFinal",
      args: [3n],
    });
    expect(decodeRevertData(notFinal, allAbis)?.message).toContain("not final yet");
  });
});
