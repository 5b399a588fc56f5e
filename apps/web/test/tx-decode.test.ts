import { encodeAbiParameters, encodeEventTopics, type Address, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { allAbis, marketAbi, paymentTokenAbi, registryAbi } from "../src/lib/abis";
import { assetOf, decodeLog, showLogs, type DecodeContext, type RawLog } from "../src/lib/tx-decode";

const roles = {
  paymentToken: "0x0000000000000000000000000000000000000001",
  sovraToken: "0x0000000000000000000000000000000000000002",
  spotMarket: "0x0000000000000000000000000000000000000003",
  providerRegistry: "0x0000000000000000000000000000000000000004",
  governor: "0x0000000000000000000000000000000000000005",
} as const satisfies Record<string, Address>;
const provider: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const buyer: Address = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";

const ctx: DecodeContext = {
  roles,
  labels: new Map([
    [roles.spotMarket, "market"],
    [buyer.toLowerCase(), "you"],
  ]),
  tokens: { payment: { symbol: "tUSD", decimals: 6 }, governance: { symbol: "SOV", decimals: 18 } },
  tickSizeOf: (marketId) => (marketId === 0 ? 1_000n : undefined),
};

function settledLog(): RawLog {
  const topics = encodeEventTopics({ abi: marketAbi, eventName: "JobSettled", args: { jobId: 7n, provider } }) as Hex[];
  const data = encodeAbiParameters(
    [{ type: "uint256[]" }, { type: "uint96" }, { type: "uint96" }],
    [[123n], 48_750n, 1_250n],
  );
  return { address: roles.spotMarket, topics, data, logIndex: 3 };
}

describe("decodeLog", () => {
  it("decodes a market event with the Sovra ABIs", () => {
    expect(decodeLog(settledLog(), allAbis)).toEqual({
      eventName: "JobSettled",
      args: { jobId: 7n, provider, output: [123n], providerAmount: 48_750n, fee: 1_250n },
    });
  });
  it("leaves foreign events undecoded", () => {
    expect(
      decodeLog({ address: roles.spotMarket, topics: [`0x${"ab".repeat(32)}`], data: "0x", logIndex: 0 }, allAbis),
    ).toBeUndefined();
  });
});

describe("showLogs", () => {
  it("names arguments, formats amounts in their token and labels known addresses", () => {
    const [shown] = showLogs([settledLog()], allAbis, ctx);
    expect(shown?.eventName).toBe("JobSettled");
    expect(shown?.emitterLabel).toBe("market");
    expect(Object.fromEntries(shown?.args.map((arg) => [arg.name, arg.text]) ?? [])).toEqual({
      jobId: "#7",
      provider,
      output: "123",
      providerAmount: "0.04875 tUSD",
      fee: "0.00125 tUSD",
    });
  });
  it("reads a settled job's output by its model's io spec, keeping the signals it was read from", () => {
    const asked: Array<[bigint, readonly bigint[]]> = [];
    const withModels: DecodeContext = {
      ...ctx,
      outputOf: (jobId, output) => {
        asked.push([jobId, output]);
        return jobId === 7n ? "Chinstrap (Adelie: -1 · Chinstrap: 2 · Gentoo: 0)" : undefined;
      },
    };
    const [shown] = showLogs([settledLog()], allAbis, withModels);
    const output = shown?.args.find((arg) => arg.name === "output");
    expect(output).toEqual({
      name: "output",
      text: "Chinstrap (Adelie: -1 · Chinstrap: 2 · Gentoo: 0)",
      detail: "public signals 123",
    });
    expect(asked).toEqual([[7n, [123n]]]);
    // A job whose model is unknown: the signals as they are.
    const [unknown] = showLogs([settledLog()], allAbis, { ...withModels, outputOf: () => undefined });
    expect(unknown?.args.find((arg) => arg.name === "output")).toEqual({ name: "output", text: "123" });
  });
  it("shows ticks as prices, deadlines as dates and long bytes by size", () => {
    const topics = encodeEventTopics({
      abi: marketAbi,
      eventName: "BidPlaced",
      args: { orderId: 2n, marketId: 0, buyer },
    }) as Hex[];
    const data = encodeAbiParameters(
      [{ type: "uint16" }, { type: "uint256" }, { type: "bytes" }, { type: "uint64" }, { type: "bool" }],
      [20, 5n, `0x${"00".repeat(784)}`, 3_600n, false],
    );
    const [shown] = showLogs([{ address: roles.spotMarket, topics, data, logIndex: 0 }], allAbis, ctx);
    const args = Object.fromEntries(shown?.args.map((arg) => [arg.name, arg]) ?? []);
    expect(args.maxTick?.text).toBe("0.02 tUSD (tick 20)");
    expect(args.deadline?.text).toBe("1970-01-01 01:00:00 UTC");
    expect(args.inputRef?.text).toMatch(/^784 bytes \(0x/);
    expect(args.buyer).toMatchObject({ address: buyer, label: "you" });
  });
  it("reads ERC20 amounts in the emitting token's decimals", () => {
    const topics = encodeEventTopics({
      abi: paymentTokenAbi,
      eventName: "Transfer",
      args: { from: buyer, to: roles.spotMarket },
    }) as Hex[];
    const data = encodeAbiParameters([{ type: "uint256" }], [50_000n]);
    const [asPayment] = showLogs([{ address: roles.paymentToken, topics, data, logIndex: 0 }], allAbis, ctx);
    const [asSov] = showLogs([{ address: roles.sovraToken, topics, data, logIndex: 0 }], allAbis, ctx);
    expect(asPayment?.args.find((arg) => arg.name === "value")?.text).toBe("0.05 tUSD");
    expect(asSov?.args.find((arg) => arg.name === "value")?.text).toBe("0.00000000000005 SOV");
    expect(asPayment?.args.find((arg) => arg.name === "to")?.label).toBe("market");
  });
  it("shows stake amounts of the registry in SOV", () => {
    const topics = encodeEventTopics({ abi: registryAbi, eventName: "Staked", args: { provider } }) as Hex[];
    const data = encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [10n ** 20n, 25n * 10n ** 20n]);
    const [shown] = showLogs([{ address: roles.providerRegistry, topics, data, logIndex: 0 }], allAbis, ctx);
    expect(shown?.args.map((arg) => arg.text)).toEqual([provider, "100 SOV", "2,500 SOV"]);
  });
});

describe("assetOf", () => {
  it("knows which token each market amount counts", () => {
    expect(assetOf("spotMarket", "JobMatched", "price")).toBe("payment");
    expect(assetOf("spotMarket", "JobMatched", "collateral")).toBe("governance");
    expect(assetOf("spotMarket", "JobExpired", "slashed")).toBe("governance");
    expect(assetOf("spotMarket", "BidPlaced", "inputHash")).toBeUndefined();
    expect(assetOf(undefined, "Transfer", "value")).toBeUndefined();
  });
});
