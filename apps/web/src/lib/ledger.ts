// The market's history folded into orders and jobs, from its events alone. The contract keeps only what settlement
// needs (a hash per open job, resting orders); whether a closed job settled, expired or was declined is told by
// the event that closed it. Pure: the hook that feeds it lives in ledger-data.ts, the tests feed plain objects.
import { getAddress, type Address, type Hash } from "viem";
import { z } from "zod";
import { jobTermsFromEvents, type JobTerms } from "@sovra/contracts";

/** One decoded market log, loosened to plain fields (viem's typed logs fit). */
export type LedgerLog = {
  eventName: string;
  args: Readonly<Record<string, unknown>>;
  transactionHash: Hash;
  blockNumber: bigint;
  logIndex: number;
};

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/)
  .transform((value): Address => getAddress(value));
const side = z
  .number()
  .int()
  .transform((value): "ask" | "bid" => (value === 0 ? "ask" : "bid"));

// Loose objects: arguments a newer ABI adds (e.g. terms fields) flow through to `jobTermsFromEvents` unchanged.
const bidPlaced = z.looseObject({
  orderId: z.bigint(),
  marketId: z.number().int(),
  buyer: address,
  maxTick: z.number().int(),
  inputHash: z.bigint(),
  deadline: z.bigint(),
  callback: z.boolean(),
});
const askPlaced = z.looseObject({
  orderId: z.bigint(),
  marketId: z.number().int(),
  provider: address,
  tick: z.number().int(),
  capacity: z.number().int(),
  expiresAt: z.bigint(),
});
const orderEnded = z.looseObject({ orderId: z.bigint(), side });
const jobMatched = z.looseObject({
  jobId: z.bigint(),
  provider: address,
  askId: z.bigint(),
  price: z.bigint(),
  collateral: z.bigint(),
  feeBps: z.number(),
  callbackGasLimit: z.number(),
});
const jobSettled = z.looseObject({
  jobId: z.bigint(),
  output: z.array(z.bigint()).readonly(),
  providerAmount: z.bigint(),
  fee: z.bigint(),
});
const jobExpired = z.looseObject({ jobId: z.bigint(), caller: address, slashed: z.bigint() });
const jobClosed = z.looseObject({ jobId: z.bigint() });

type Where = { eventName: string; txHash: Hash; blockNumber: bigint };

export type JobOutcome =
  | (Where & { kind: "settled"; output: readonly bigint[]; providerAmount: bigint; fee: bigint })
  | (Where & { kind: "expired"; caller: Address; slashed: bigint })
  | (Where & { kind: "declined" })
  | (Where & { kind: "voided" });

export type JobOutcomeKind = JobOutcome["kind"];

/**
 * Event name -> how the job it names ended. A new closing event of the market is one entry here; events the ABI
 * does not have yet are simply never seen (`JobDeclined(jobId, provider)`: a provider turned the job down and the
 * buyer's escrow goes back to it).
 */
export const jobOutcomeParsers: Readonly<Record<string, (args: unknown, where: Where) => JobOutcome>> = {
  JobSettled: (args, where) => {
    const a = jobSettled.parse(args);
    return { ...where, kind: "settled", output: a.output, providerAmount: a.providerAmount, fee: a.fee };
  },
  JobExpired: (args, where) => {
    const a = jobExpired.parse(args);
    return { ...where, kind: "expired", caller: a.caller, slashed: a.slashed };
  },
  JobDeclined: (_args, where) => ({ ...where, kind: "declined" }),
  JobVoided: (_args, where) => ({ ...where, kind: "voided" }),
};

export type OrderEnd = { kind: "cancelled" | "removed"; txHash: Hash; blockNumber: bigint };

export type BidRecord = {
  orderId: bigint;
  marketId: number;
  buyer: Address;
  maxTick: number;
  deadline: bigint;
  txHash: Hash;
  blockNumber: bigint;
  /** Cancelled by its owner or swept as stale; unset while it rests or once it became a job. */
  ended?: OrderEnd;
};

export type AskRecord = {
  orderId: bigint;
  marketId: number;
  provider: Address;
  tick: number;
  capacity: number;
  expiresAt: bigint;
  txHash: Hash;
  blockNumber: bigint;
  /** Jobs this ask filled so far. */
  filled: number;
  ended?: OrderEnd;
};

export type JobRecord = {
  jobId: bigint;
  askId: bigint;
  terms: JobTerms;
  /** The transaction that matched it (the bid's own when it matched on arrival, else the filling ask's). */
  matchedTx: Hash;
  matchedBlock: bigint;
  /** The bid's transaction. */
  bidTx: Hash;
  outcome?: JobOutcome;
};

export type Ledger = {
  bids: ReadonlyMap<bigint, BidRecord>;
  asks: ReadonlyMap<bigint, AskRecord>;
  jobs: ReadonlyMap<bigint, JobRecord>;
};

/** Folds market logs (any order, any events) into orders and jobs. Logs it cannot read are skipped. */
export function buildLedger(logs: readonly LedgerLog[]): Ledger {
  const sorted = [...logs].sort((a, b) =>
    a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
  );
  const bids = new Map<bigint, BidRecord & { args: z.output<typeof bidPlaced> }>();
  const asks = new Map<bigint, AskRecord>();
  const jobs = new Map<bigint, JobRecord>();
  for (const log of sorted) {
    const where = { eventName: log.eventName, txHash: log.transactionHash, blockNumber: log.blockNumber };
    switch (log.eventName) {
      case "BidPlaced": {
        const a = bidPlaced.safeParse(log.args);
        if (!a.success) break;
        const { orderId, marketId, buyer, maxTick, deadline } = a.data;
        bids.set(orderId, {
          orderId,
          marketId,
          buyer,
          maxTick,
          deadline,
          txHash: where.txHash,
          blockNumber: where.blockNumber,
          args: a.data,
        });
        break;
      }
      case "AskPlaced": {
        const a = askPlaced.safeParse(log.args);
        if (!a.success) break;
        const { orderId, marketId, provider, tick, capacity, expiresAt } = a.data;
        asks.set(orderId, {
          orderId,
          marketId,
          provider,
          tick,
          capacity,
          expiresAt,
          txHash: where.txHash,
          blockNumber: where.blockNumber,
          filled: 0,
        });
        break;
      }
      case "OrderCancelled":
      case "OrderRemoved": {
        const a = orderEnded.safeParse(log.args);
        if (!a.success) break;
        const end: OrderEnd = {
          kind: log.eventName === "OrderCancelled" ? "cancelled" : "removed",
          txHash: where.txHash,
          blockNumber: where.blockNumber,
        };
        const order = a.data.side === "bid" ? bids.get(a.data.orderId) : asks.get(a.data.orderId);
        if (order) order.ended = end;
        break;
      }
      case "JobMatched": {
        const a = jobMatched.safeParse(log.args);
        if (!a.success) break;
        const bid = bids.get(a.data.jobId);
        if (!bid) break; // its bid is older than the scan
        const ask = asks.get(a.data.askId);
        if (ask) ask.filled += 1;
        jobs.set(a.data.jobId, {
          jobId: a.data.jobId,
          askId: a.data.askId,
          terms: jobTermsFromEvents(bid.args, a.data),
          matchedTx: where.txHash,
          matchedBlock: where.blockNumber,
          bidTx: bid.txHash,
        });
        break;
      }
      default: {
        const parse = jobOutcomeParsers[log.eventName];
        const id = jobClosed.safeParse(log.args);
        if (!parse || !id.success) break;
        const job = jobs.get(id.data.jobId);
        if (!job) break;
        try {
          job.outcome = parse(log.args, where);
        } catch {
          // an outcome whose arguments changed shape: leave the job as the chain's status shows it
        }
      }
    }
  }
  const plainBids = new Map<bigint, BidRecord>();
  for (const [id, { args: _args, ...bid }] of bids) plainBids.set(id, bid);
  return { bids: plainBids, asks, jobs };
}

/** Where a job stands: `late` is open past its deadline (anyone may expire it now). */
export type JobState = "open" | "late" | JobOutcomeKind;

export function jobState(job: JobRecord, now: number): JobState {
  if (job.outcome) return job.outcome.kind;
  // `expire` accepts a job only once block time is past its deadline.
  return now > Number(job.terms.deadline) ? "late" : "open";
}

/** A bid: resting in the book (past its deadline it can no longer become a job), filled, or gone. */
export type BidState = "resting" | "stale" | "matched" | "cancelled" | "removed";

export function bidState(ledger: Ledger, bid: BidRecord, now: number): BidState {
  if (ledger.jobs.has(bid.orderId)) return "matched";
  if (bid.ended) return bid.ended.kind;
  return now > Number(bid.deadline) ? "stale" : "resting";
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const newestFirst = <T extends { blockNumber: bigint }>(a: T, b: T) =>
  a.blockNumber === b.blockNumber ? 0 : a.blockNumber > b.blockNumber ? -1 : 1;

/** A buyer's side of the market: bids still in the book, open jobs, ended jobs, bids that ended unfilled. */
export function ordersOf(ledger: Ledger, buyer: Address, now: number) {
  const mine = [...ledger.bids.values()].filter((bid) => same(bid.buyer, buyer)).sort(newestFirst);
  const jobs = mine.flatMap((bid) => {
    const job = ledger.jobs.get(bid.orderId);
    return job ? [{ job, state: jobState(job, now) }] : [];
  });
  return {
    resting: mine.filter((bid) => {
      const state = bidState(ledger, bid, now);
      return state === "resting" || state === "stale";
    }),
    openJobs: jobs.filter(({ state }) => state === "open" || state === "late"),
    endedJobs: jobs.filter(({ state }) => state !== "open" && state !== "late"),
    unfilled: mine.filter((bid) => bid.ended !== undefined && !ledger.jobs.has(bid.orderId)),
  };
}

export type ProviderStats = {
  jobs: number;
  open: number;
  settled: number;
  expired: number;
  declined: number;
  /** Jobs refunded because the market's verifier was retired first (nobody at fault). */
  voided: number;
  /** Paid to the provider for settled jobs (after the protocol fee), payment-token units. */
  earned: bigint;
  fees: bigint;
  /** Collateral slashed for expired jobs, governance-token units. */
  slashed: bigint;
};

export function providerStats(ledger: Ledger, provider: Address): ProviderStats {
  const stats: ProviderStats = {
    jobs: 0,
    open: 0,
    settled: 0,
    expired: 0,
    declined: 0,
    voided: 0,
    earned: 0n,
    fees: 0n,
    slashed: 0n,
  };
  for (const job of ledger.jobs.values()) {
    if (!same(job.terms.provider, provider)) continue;
    stats.jobs += 1;
    const outcome = job.outcome;
    if (!outcome) stats.open += 1;
    else if (outcome.kind === "settled") {
      stats.settled += 1;
      stats.earned += outcome.providerAmount;
      stats.fees += outcome.fee;
    } else if (outcome.kind === "expired") {
      stats.expired += 1;
      stats.slashed += outcome.slashed;
    } else if (outcome.kind === "declined") stats.declined += 1;
    else stats.voided += 1;
  }
  return stats;
}

/** A provider's asks still in the book (not cancelled, swept or used up), oldest first. */
export function openAsksOf(ledger: Ledger, provider: Address): AskRecord[] {
  return [...ledger.asks.values()].filter(
    (ask) => same(ask.provider, provider) && !ask.ended && ask.filled < ask.capacity,
  );
}

/** Jobs of one market, newest first. */
export function jobsOfMarket(ledger: Ledger, marketId: number): JobRecord[] {
  return [...ledger.jobs.values()]
    .filter((job) => job.terms.marketId === marketId)
    .sort((a, b) => (a.matchedBlock === b.matchedBlock ? 0 : a.matchedBlock > b.matchedBlock ? -1 : 1));
}

/** A job's state in a few words, for tables. */
export const jobStateWords: Readonly<Record<JobState, string>> = {
  open: "waiting for the proof",
  late: "deadline passed: can be expired",
  settled: "settled (proof verified)",
  expired: "expired: buyer refunded, provider slashed",
  declined: "declined by the provider: buyer refunded",
  voided: "voided (verifier retired): buyer refunded",
};
