// A provider of its own for one test, so that no test depends on what an earlier one left on the chain or in Redis:
// a local account of its own (SOV from the deployer, registered, staked), one ask offering exactly the jobs the
// test buys, a redis-server of its own (queue, watcher cursor, submission records) and a node config pointing at
// it. The chain is shared by the file (a deployment per test would double the suite's time), so the market would
// route a bid to any resting ask: `openLane` refuses to start while another ask rests, `bid` checks that the job
// went to this lane's provider, and `close` cancels what is left of the ask.
import { keccak256, maxUint256, stringToHex, type Address } from "viem";
import type { HDAccount } from "viem/accounts";
import { providerRegistryAbi, sovraTokenAbi, spotMarketAbi, testStablecoinAbi } from "@sovra/contracts";
import { localAccount } from "@sovra/deploy";
import { approveMarket, chainNow, placeBid, termsOf, type PlacedBid } from "./jobs.ts";
import { startTestRedis, type TestRedis } from "./redis.ts";
import { startNode, wallet, type NodeProcess, type System } from "./system.ts";

const ASK_SIDE = 0; // ISpotMarket.Side.Ask
const ASK_TICK = 50; // 0.05 tUSD at the deployment's tick size; placeBid's default maxTick
const STAKE = 100n * 10n ** 18n; // ten jobs' collateral at the deployment's 10 SOV per job

export type Lane = {
  account: HDAccount;
  redis: TestRedis;
  /** Node config: this lane's Redis, the system's chain and gateway. */
  config: string;
  marketId: number;
  askId: bigint;
  /** Transactions the provider account had sent once set up (register, approve, stake, ask). */
  setupTransactions: number;
  /** Starts `sovra-provider run` as this lane's provider (stopped by `close`). */
  node(env?: NodeJS.ProcessEnv, config?: string): NodeProcess;
  /** Places a bid as the system's buyer; fails unless the market matched it to this lane's provider. */
  bid(pixels: ArrayLike<number>, options?: { deadlineIn?: bigint }): Promise<PlacedBid>;
  /** Transactions the provider account sent since set up: the node's submissions. */
  sentSinceSetup(): Promise<number>;
  /** Stops the lane's nodes, cancels what is left of its ask, stops its Redis. */
  close(): Promise<void>;
};

function mlpOpenMarket(sys: System): number {
  const market = sys.deployment.markets.find((m) => m.model === "mlp" && m.policyClass === 0);
  if (market === undefined) throw new Error("the deployment has no open mlp market");
  return market.marketId;
}

async function send(sys: System, hash: Promise<`0x${string}`>, what: string): Promise<void> {
  const receipt = await sys.client.waitForTransactionReceipt({ hash: await hash });
  if (receipt.status !== "success") throw new Error(`${what} reverted`);
}

/** Sets up local account `index` (not 0-3, which the system uses) as this test's provider. */
export async function openLane(sys: System, options: { index: number; capacity: number }): Promise<Lane> {
  if (options.index < 4)
    throw new Error(`account ${options.index} belongs to the system (deployer, provider, buyer, attester)`);
  const account = localAccount(options.index);
  const me = account.address;
  const marketId = mlpOpenMarket(sys);
  const { providerRegistry, sovraToken } = sys.deployment.contracts;
  const nodes = new Set<NodeProcess>();
  let redis: TestRedis | undefined;
  let askId: bigint | undefined;

  const close = async (): Promise<void> => {
    const results = await Promise.allSettled([...nodes].map((n) => n.stop()));
    if (askId !== undefined) {
      const order = await sys.client.readContract({
        address: sys.market,
        abi: spotMarketAbi,
        functionName: "orderOf",
        args: [askId],
      });
      if (order.owner.toLowerCase() === me.toLowerCase()) {
        await send(
          sys,
          wallet(sys, account).writeContract({
            address: sys.market,
            abi: spotMarketAbi,
            functionName: "cancelOrder",
            args: [askId],
          }),
          `cancelOrder(${askId})`,
        );
      }
    }
    await redis?.stop();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed !== undefined) throw failed.reason;
  };

  try {
    const [best] = await sys.client.readContract({
      address: sys.market,
      abi: spotMarketAbi,
      functionName: "bestTick",
      args: [marketId, ASK_SIDE],
    });
    if (best)
      throw new Error(
        `an ask already rests on market ${marketId}: an earlier test did not close its lane, and this test's bids could go to it`,
      );
    // The buyer pays from its tUSD allowance to the market: given once, for every lane.
    const allowance = await sys.client.readContract({
      address: sys.deployment.contracts.paymentToken,
      abi: testStablecoinAbi,
      functionName: "allowance",
      args: [sys.buyer.address, sys.market],
    });
    if (allowance < maxUint256 / 2n) await approveMarket(sys, sys.buyer);
    const deployer = wallet(sys, localAccount(0));
    const mine = wallet(sys, account);
    await send(
      sys,
      deployer.writeContract({ address: sovraToken, abi: sovraTokenAbi, functionName: "transfer", args: [me, STAKE] }),
      "SOV transfer",
    );
    // The profile's figures do not matter to these tests; the CLI's benchmark -> register path is job.test.ts's.
    const profile = {
      gpuModel: "e2e-cpu",
      vramMb: 65_536,
      throughputMilliOpsPerSec: 1n,
      region: "eu-west",
      benchmarkReport: keccak256(stringToHex(`lane ${options.index}`)),
    };
    await send(
      sys,
      mine.writeContract({
        address: providerRegistry,
        abi: providerRegistryAbi,
        functionName: "register",
        args: [profile],
      }),
      "register",
    );
    await send(
      sys,
      mine.writeContract({
        address: sovraToken,
        abi: sovraTokenAbi,
        functionName: "approve",
        args: [providerRegistry, STAKE],
      }),
      "approve",
    );
    await send(
      sys,
      mine.writeContract({ address: providerRegistry, abi: providerRegistryAbi, functionName: "stake", args: [STAKE] }),
      "stake",
    );
    const expiresAt = (await chainNow(sys)) + 86_400n;
    const { result, request } = await sys.client.simulateContract({
      account,
      address: sys.market,
      abi: spotMarketAbi,
      functionName: "placeAsk",
      args: [marketId, ASK_TICK, options.capacity, expiresAt],
    });
    await send(sys, mine.writeContract(request), "placeAsk");
    askId = result;
    redis = await startTestRedis();
    const config = await sys.writeConfig({ name: `lane-${options.index}`, redisUrl: redis.url });
    const setupTransactions = await sys.client.getTransactionCount({ address: me });
    const lane: Lane = {
      account,
      redis,
      config,
      marketId,
      askId,
      setupTransactions,
      node(env = {}, cfg = config) {
        const node = startNode({ config: cfg, account, env });
        nodes.add(node);
        return node;
      },
      async bid(pixels, bidOptions = {}) {
        const bid = await placeBid(sys, {
          pixels,
          marketId,
          maxTick: ASK_TICK,
          ...(bidOptions.deadlineIn !== undefined ? { deadlineIn: bidOptions.deadlineIn } : {}),
        });
        if (!bid.matched)
          throw new Error(`bid ${bid.jobId} rests unmatched: lane ${options.index}'s ask has no capacity left`);
        const provider: Address = (await termsOf(sys, bid.jobId)).provider;
        if (provider.toLowerCase() !== me.toLowerCase())
          throw new Error(`job ${bid.jobId} went to ${provider}, not to lane ${options.index} (${me})`);
        return bid;
      },
      async sentSinceSetup() {
        return (await sys.client.getTransactionCount({ address: me })) - setupTransactions;
      },
      close,
    };
    return lane;
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
