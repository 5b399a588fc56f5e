// `sovra bid` on an optimistic model (ocr, vad): the input goes to a gateway by content hash, the bid commits to
// its CID, the provider's committed answer is printed at once (provisional) and again when final. `--verify`
// re-executes the model here and, when the comparison rule says the answers differ, challenges with the bond.
import { readFile } from "node:fs/promises";
import { formatUnits, type Address, type Hex, type PublicClient } from "viem";
import { type Commitment, jobTermsFromEvents, outputHashOf } from "@sovra/contracts";
import { erc20PermitAbi, JobStatus, optimisticSettlementAbi, spotMarketAbi } from "../chain/abis.ts";
import { txLink, type walletClientFor } from "../chain/context.ts";
import type { Config } from "../config.ts";
import { uploadInput } from "../inputs/client.ts";
import { encodeCidInputRef } from "../inputs/ref.ts";
import { agreesWith } from "../optimistic/compare.ts";
import { OPTIMISTIC_MODELS, type OptimisticModelName } from "../optimistic/models.ts";
import { decodeOutputWords, outputWords } from "../optimistic/output-words.ts";
import { json, send } from "./common.ts";
import { placeBid } from "./place-bid.ts";
import { formatAmount, formatTime } from "./errors.ts";
import { priceToTicks } from "./market.ts";
import { chainNow, type Tokens } from "./session.ts";

export type OptimisticBidSession = {
  config: Config;
  account: { address: Address };
  publicClient: PublicClient;
  walletClient: ReturnType<typeof walletClientFor>;
  tokens: Tokens;
  market: Address;
  settlement: Address;
};

export type OptimisticBidOptions = {
  model: OptimisticModelName;
  marketId: number;
  input: string;
  maxPrice: string;
  /** Seconds from now; default: the market's minimum job window plus two minutes. */
  deadline?: bigint;
  gateway: string;
  verify: boolean;
  pollIntervalMs: number;
  say: (line: string) => void;
};

/** What a committed answer reads as: the text, or the segments, or the hash of a large output. */
export function describeCommitted(model: OptimisticModelName, words: readonly bigint[]): string {
  const decoded = decodeOutputWords(words);
  if (decoded.kind === "hash") return `(output too large to commit inline: sha2-256 commitment ${decoded.commitment})`;
  const text = new TextDecoder().decode(decoded.bytes);
  return model === "ocr" ? (text === "" ? "(no text found)" : text) : `speech segments (ms): ${text}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function bidOptimistic(session: OptimisticBidSession, options: OptimisticBidOptions): Promise<void> {
  const { config, publicClient, walletClient, tokens, market, settlement } = session;
  const { say } = options;
  const model = OPTIMISTIC_MODELS[options.model];
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(options.input));
  } catch {
    throw new Error(`cannot read --input ${options.input}`);
  }
  if (bytes.length > model.input.maxBytes)
    throw new Error(
      `--input ${options.input} has ${bytes.length} bytes; ${model.name} takes at most ${model.input.maxBytes}`,
    );
  const token = tokens.payment;
  const info = await publicClient.readContract({
    address: market,
    abi: spotMarketAbi,
    functionName: "marketOf",
    args: [options.marketId],
  });
  const { tickSize, minJobWindow, maxJobWindow } = info.params;
  const maxTick = priceToTicks(options.maxPrice, "max price", token, tickSize);
  const window = options.deadline ?? BigInt(minJobWindow) + 120n;
  if (window < BigInt(minJobWindow) || window > BigInt(maxJobWindow))
    throw new Error(
      `--deadline ${window} s is outside the market's job window of ${minJobWindow}-${maxJobWindow} s (an optimistic job leaves time for the challenge window and a dispute)`,
    );
  // Re-execution for --verify is prepared before paying anything: a missing model fails here.
  // Loaded only for --verify: onnxruntime stays out of every other command's start-up.
  const verifier = options.verify
    ? await (await import("../optimistic/runner.ts")).createOptimisticRunner(options.model, { device: "cpu" })
    : undefined;
  try {
    const uploaded = await uploadInput(options.gateway, bytes, model.input.mediaType);
    say(`input uploaded: ${uploaded.cid} (${bytes.length} bytes) to ${options.gateway}`);
    const inputRef = encodeCidInputRef({
      cid: uploaded.cid,
      mediaType: model.input.mediaType as "image/png" | "audio/wav",
      urls: [options.gateway],
    });
    const escrow = maxTick * tickSize;
    const bid = await placeBid(config, publicClient, walletClient, {
      market,
      token: token.address,
      marketId: options.marketId,
      maxTick,
      escrow,
      inputHash: uploaded.inputHash,
      inputRef,
      window,
    });
    const { orderId: jobId, deadline } = bid;
    say(
      `bid placed: order ${jobId} on market ${options.marketId} (${options.model}), max ${formatAmount(escrow, token)}, deadline ${formatTime(deadline)}, gas ${bid.gasUsed}, tx ${txLink(config, bid.hash)}`,
    );

    let committed: { output: readonly bigint[]; commitment: Commitment } | undefined;
    let challenged = false;
    for (;;) {
      const status = await publicClient.readContract({
        address: market,
        abi: spotMarketAbi,
        functionName: "jobStatus",
        args: [jobId],
      });
      if (committed === undefined) {
        const logs = await publicClient.getContractEvents({
          address: settlement,
          abi: optimisticSettlementAbi,
          eventName: "ResultCommitted",
          args: { jobId },
          fromBlock: bid.blockNumber,
          strict: true,
        });
        const log = logs.find((l) => l.args.jobId === jobId);
        if (log !== undefined) {
          committed = { output: log.args.output, commitment: log.args.commitment };
          say(
            `committed (provisional, challenge window until ${formatTime(BigInt(committed.commitment.finalAt))}): ${describeCommitted(options.model, committed.output)}`,
          );
          if (verifier !== undefined) {
            const mine = await verifier.run(bytes);
            if (agreesWith(options.model, mine.canonical, committed.output))
              say(`verified: re-executed here on ${mine.device} in ${Math.round(mine.ms)} ms, same result`);
            else {
              say(
                `verify: re-executed here, a different result: ${describeCommitted(options.model, outputWords(mine.canonical))}`,
              );
              await challenge(session, jobId, committed.commitment, outputHashOf(outputWords(mine.canonical)), say);
              challenged = true;
            }
          }
        }
      }
      if (status === JobStatus.Settled) {
        const logs = await publicClient.getContractEvents({
          address: market,
          abi: spotMarketAbi,
          eventName: "JobSettled",
          args: { jobId },
          fromBlock: bid.blockNumber,
          strict: true,
        });
        const settled = logs.find((l) => l.args.jobId === jobId);
        const output = settled?.args.output ?? committed?.output ?? [];
        const paid = (settled?.args.providerAmount ?? 0n) + (settled?.args.fee ?? 0n);
        say(`final: ${describeCommitted(options.model, output)}`);
        say(`paid ${formatAmount(paid, token)} to provider ${settled?.args.provider}`);
        const decoded = decodeOutputWords(output);
        process.stdout.write(
          `${json({
            jobId,
            model: options.model,
            outcome: "final",
            output: decoded.kind === "inline" ? new TextDecoder().decode(decoded.bytes) : null,
            outputHash: decoded.kind === "hash" ? decoded.commitment : null,
            provider: settled?.args.provider ?? null,
            paid: formatUnits(paid, token.decimals),
            challenged,
            bidTx: txLink(config, bid.hash),
            settleTx: settled !== undefined ? txLink(config, settled.transactionHash) : null,
          })}\n`,
        );
        return;
      }
      if (status === JobStatus.Expired || status === JobStatus.Declined || status === JobStatus.Voided) {
        const what = status === JobStatus.Expired ? "expired" : status === JobStatus.Declined ? "declined" : "voided";
        say(
          `job ${jobId} ${what}: the market owes you the price back${status === JobStatus.Expired ? " and the provider's collateral was slashed" : ""}; \`sovra withdraw\` pays you out`,
        );
        process.stdout.write(
          `${json({ jobId, model: options.model, outcome: what, challenged, bidTx: txLink(config, bid.hash) })}\n`,
        );
        if (what !== "expired" || !challenged) throw new Error(`job ${jobId} ${what}: no result was delivered`);
        return;
      }
      if (status === JobStatus.Matched && (await chainNow(publicClient)) > deadline) {
        // A result overturned by its dispute (or never committed) cannot settle: expiring refunds the buyer.
        const terms = await jobTerms(publicClient, market, jobId, bid.blockNumber);
        const expired = await send(publicClient, walletClient, {
          address: market,
          abi: spotMarketAbi,
          functionName: "expire",
          args: [jobId, terms],
        });
        say(`deadline passed without a final result: expired job ${jobId} (tx ${txLink(config, expired.hash)})`);
        continue;
      }
      await sleep(options.pollIntervalMs);
    }
  } finally {
    await verifier?.release();
  }
}

async function challenge(
  session: OptimisticBidSession,
  jobId: bigint,
  commitment: Commitment,
  mine: Hex,
  say: (line: string) => void,
): Promise<void> {
  const { publicClient, walletClient, settlement, tokens } = session;
  const epochParams = await publicClient.readContract({
    address: settlement,
    abi: optimisticSettlementAbi,
    functionName: "paramsAt",
    args: [commitment.epoch],
  });
  const bond = epochParams.challengeBond;
  const open = async () =>
    (
      await publicClient.readContract({
        address: settlement,
        abi: optimisticSettlementAbi,
        functionName: "caseOf",
        args: [jobId],
      })
    ).disputeState !== 0;
  // A drawn auditor that disagreed has opened the dispute already: the committee decides it the same way.
  if (await open()) {
    say(`job ${jobId} is already disputed (its auditor disagreed): no challenge needed, the committee decides`);
    return;
  }
  await send(publicClient, walletClient, {
    address: tokens.payment.address,
    abi: erc20PermitAbi,
    functionName: "approve",
    args: [settlement, bond],
  });
  let sent: Awaited<ReturnType<typeof send>>;
  try {
    sent = await send(publicClient, walletClient, {
      address: settlement,
      abi: optimisticSettlementAbi,
      functionName: "challenge",
      args: [jobId, commitment, mine],
    });
  } catch (error) {
    if (await open()) {
      say(`job ${jobId} was disputed by its auditor meanwhile: no challenge needed, the committee decides`);
      return;
    }
    throw error;
  }
  say(
    `challenged job ${jobId} with a bond of ${formatAmount(bond, tokens.payment)} (tx ${txLink(session.config, sent.hash)}): a drawn committee re-executes and votes`,
  );
}

async function jobTerms(client: PublicClient, market: Address, jobId: bigint, fromBlock: bigint) {
  const [bids, matches] = await Promise.all([
    client.getContractEvents({
      address: market,
      abi: spotMarketAbi,
      eventName: "BidPlaced",
      args: { orderId: jobId },
      fromBlock,
      strict: true,
    }),
    client.getContractEvents({
      address: market,
      abi: spotMarketAbi,
      eventName: "JobMatched",
      args: { jobId },
      fromBlock,
      strict: true,
    }),
  ]);
  const bid = bids.find((l) => l.args.orderId === jobId);
  const matched = matches.find((l) => l.args.jobId === jobId);
  if (bid === undefined || matched === undefined)
    throw new Error(`job ${jobId}: its bid or match is not in the chain's events`);
  return jobTermsFromEvents(bid.args, matched.args);
}
