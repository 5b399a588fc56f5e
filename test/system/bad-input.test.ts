// Inputs and weights a provider node must refuse: an input that does not hash to the bid's inputHash, an oversized
// input, a job on a market whose model the node does not serve, and weights whose bytes do not match their CID.
// Each is refused with a clear log line and no result is submitted. A job the node cannot do because of the job
// itself (its input, its model) is declined on-chain: the buyer is refunded at once and the provider is not
// slashed. A node that cannot start (its weights source lies) does nothing: that job expires, the buyer is
// refunded and the provider slashed, all of it to the treasury. No funds are stranded in the market.
import { createServer, type Server } from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesToHex, type Address } from "viem";
import { localAccount } from "@sovra/deploy";
import { spotMarketAbi, testStablecoinAbi } from "@sovra/contracts";
import { hashBytes } from "@sovra/circuits";
import { heldOutDigit } from "../support/digits.ts";
import {
  approveMarket,
  expireJob,
  jobStatus,
  passDeadline,
  placeBid,
  termsOf,
  type PlacedBid,
} from "../support/jobs.ts";

const STATUS = { Matched: 1, Expired: 3, Declined: 4 } as const;
import {
  nodeReady,
  placeAsk,
  registerProvider,
  settledCount,
  snapshot,
  startNode,
  startSystem,
  treasuryOf,
  wallet,
  type NodeProcess,
  type System,
} from "../support/system.ts";

/** A gateway that answers every CID with bytes that are not its content. */
async function lyingGateway(): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/octet-stream" });
    response.end(randomBytes(4096));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const hasMsg = (node: NodeProcess, text: string, jobId?: bigint) =>
  node.logs.some(
    (l) => typeof l.msg === "string" && l.msg.includes(text) && (jobId === undefined || l.jobId === jobId.toString()),
  );

describe("refused inputs and weights", () => {
  let sys: System;
  let node: NodeProcess | undefined;
  const refused: (PlacedBid & { expired?: boolean })[] = [];
  let treasury: Address;
  let before: Awaited<ReturnType<typeof snapshot>>;
  let buyerTokens: bigint;

  beforeAll(async () => {
    sys = await startSystem();
    treasury = await treasuryOf(sys);
    await registerProvider(sys, { stake: "1000" });
    await placeAsk(sys, { price: "0.05", capacity: 10 });
    await placeAsk(sys, { price: "0.05", capacity: 1, model: "cnn" });
    await approveMarket(sys, sys.buyer);
    before = await snapshot(sys, { buyer: sys.buyer.address, provider: sys.provider.address, treasury });
    buyerTokens = await sys.client.readContract({
      address: sys.deployment.contracts.paymentToken,
      abi: testStablecoinAbi,
      functionName: "balanceOf",
      args: [sys.buyer.address],
    });
  });

  afterAll(async () => {
    await node?.stop();
    await sys?.stop();
  });

  it("refuses weights whose bytes do not match the CID (and does not start)", async () => {
    const liar = await lyingGateway();
    try {
      const bid = await placeBid(sys, { pixels: heldOutDigit(0).pixels });
      const bad = startNode({
        config: await sys.writeConfig({ name: "node-bad-weights", weightsUrl: liar.url }),
        account: sys.provider,
      });
      const exit = await bad.exited;
      expect(exit.code).toBe(1);
      expect(hasMsg(bad, "gateway served bytes that do not match the CID")).toBe(true);
      expect(await jobStatus(sys, bid.jobId)).toBe(1);
      // Expire it now, before an honest node (started below) would deliver it: refund and slash, nothing paid.
      // (This failure is the provider's own: its node could not run; the buyer's input was fine.)
      const terms = await termsOf(sys, bid.jobId);
      await passDeadline(sys, terms.deadline);
      const owedBefore = await sys.client.readContract({
        address: sys.market,
        abi: spotMarketAbi,
        functionName: "owed",
        args: [sys.buyer.address],
      });
      await expireJob(sys, bid.jobId, localAccount(3));
      const owedAfter = await sys.client.readContract({
        address: sys.market,
        abi: spotMarketAbi,
        functionName: "owed",
        args: [sys.buyer.address],
      });
      expect(owedAfter - owedBefore).toBe(terms.price);
      expect(await settledCount(sys, bid.jobId)).toBe(0);
      refused.push({ ...bid, expired: true });
    } finally {
      await new Promise<void>((resolve) => liar.server.close(() => resolve()));
    }
  });

  it("refuses an input that does not hash to the bid's inputHash, an oversized input and an unknown model", async () => {
    node = startNode({ config: await sys.writeConfig({ name: "node" }), account: sys.provider });
    await nodeReady(node);
    const a = heldOutDigit(1).pixels;
    const b = heldOutDigit(2).pixels;
    const mismatch = await placeBid(sys, { pixels: a, inputHash: await hashBytes(b) });
    const oversized = await placeBid(sys, { pixels: a, inputRef: bytesToHex(new Uint8Array(784 * 8).fill(7)) });
    const cnnMarket = sys.deployment.markets.find((m) => m.model === "cnn" && m.policyClass === 0)?.marketId;
    const unknown = await placeBid(sys, { pixels: a, marketId: cnnMarket });
    refused.push(mismatch, oversized, unknown);
    for (const bid of [mismatch, oversized, unknown]) expect(bid.matched).toBe(true);
    await node.waitForLog(
      (l) => l.msg?.includes("input hash mismatch") === true && l.jobId === mismatch.jobId.toString(),
    );
    await node.waitForLog(
      (l) =>
        l.msg?.includes("input refused: malformed or oversized") === true && l.jobId === oversized.jobId.toString(),
    );
    await node.waitForLog((l) => l.msg?.includes("unknown model") === true && l.jobId === unknown.jobId.toString());
    // Each refusal is declined on-chain (refund now, no slash) through the node's one submitter.
    for (const bid of [mismatch, oversized, unknown]) {
      await node.waitForLog((l) => l.msg === "job declined" && l.jobId === bid.jobId.toString());
    }
    // The node went on: an honest job behind them is delivered.
    const honest = await placeBid(sys, { pixels: heldOutDigit(4).pixels });
    await node.waitForLog((l) => l.msg === "result submitted" && l.jobId === honest.jobId.toString());
    for (const bid of refused) {
      expect(await settledCount(sys, bid.jobId)).toBe(0);
      expect(await jobStatus(sys, bid.jobId)).toBe(bid.expired === true ? STATUS.Expired : STATUS.Declined);
    }
    await node.stop();
    node = undefined;
  });

  it("refunds every unit of escrow; the buyer gains nothing, the provider loses only what its own failure cost", async () => {
    let prices = 0n;
    for (const bid of refused) prices += (await termsOf(sys, bid.jobId)).price;
    const after = await snapshot(sys, { buyer: sys.buyer.address, provider: sys.provider.address, treasury });
    expect(after.buyerOwed - before.buyerOwed).toBe(prices);
    // Nobody profits from a slash: the buyer receives no governance token; the one expired job's collateral
    // went to the treasury whole; the declined jobs cost the provider nothing.
    const collateral = 10n * 10n ** 18n;
    expect(after.buyerSov).toBe(before.buyerSov);
    expect(after.treasurySov - before.treasurySov).toBe(collateral);
    expect(before.staked - after.staked).toBe(collateral);
    // The buyer withdraws and is whole again, except for the one honest job it paid for.
    const hash = await wallet(sys, sys.buyer).writeContract({
      address: sys.market,
      abi: spotMarketAbi,
      functionName: "withdraw",
      args: [sys.buyer.address],
    });
    await sys.client.waitForTransactionReceipt({ hash });
    const buyerAfter = await sys.client.readContract({
      address: sys.deployment.contracts.paymentToken,
      abi: testStablecoinAbi,
      functionName: "balanceOf",
      args: [sys.buyer.address],
    });
    expect(buyerTokens - buyerAfter).toBe(50_000n);
    const left = await sys.client.readContract({
      address: sys.market,
      abi: spotMarketAbi,
      functionName: "owed",
      args: [sys.buyer.address],
    });
    expect(left).toBe(0n);
  });
});
