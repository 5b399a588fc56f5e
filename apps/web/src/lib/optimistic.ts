// The optimistic tier for the dApp (pure: no React, no I/O): which input an optimistic model takes, how a committed
// output's words read as text or speech segments, where a job stands (committed -> window -> audited / unaudited
// -> final or overturned) and the incentive defaults in words. contracts/README.md ("Optimistic tier") is the source.
import { type Address, bytesToHex, type Hash, type Hex, hexToBytes, toHex } from "viem";
import { z } from "zod";
import type { OptimisticParams } from "@sovra/contracts";
import { formatBps, formatDuration } from "./format";

/** `IModelRegistry.Tier`, in the contract's order (`None` for an unregistered model). */
export const TIER = { none: 0, zk: 1, optimistic: 2, tee: 3 } as const;

export type OptimisticKind = "text" | "segments";

export type OptimisticInputKind = {
  /** What the output is: recognized text (OCR) or speech segments (VAD). */
  output: OptimisticKind;
  mediaType: "image/png" | "audio/wav";
  /** The file picker's `accept`. */
  accept: string;
  /** "an image (PNG)" for labels. */
  noun: string;
};

const byMedia: Record<OptimisticInputKind["mediaType"], OptimisticInputKind> = {
  "image/png": { output: "text", mediaType: "image/png", accept: "image/png,.png", noun: "an image (PNG)" },
  "audio/wav": {
    output: "segments",
    mediaType: "audio/wav",
    accept: "audio/wav,audio/x-wav,audio/wave,.wav",
    noun: "a recording (16 kHz mono WAV)",
  },
};

const ioSpecSchema = z.object({ input: z.object({ mediaType: z.string() }).passthrough() }).passthrough();

/**
 * The input an optimistic model takes: the io spec's `input.mediaType` when it names one, else the model's name
 * (`ocr`: a PNG, `vad`: a WAV); `undefined` when neither says.
 */
export function optimisticInputOf(name: string, ioSpec: string): OptimisticInputKind | undefined {
  try {
    const parsed = ioSpecSchema.safeParse(JSON.parse(ioSpec));
    const media = parsed.success ? parsed.data.input.mediaType.split(";")[0]?.trim().toLowerCase() : undefined;
    if (media === "image/png") return byMedia["image/png"];
    if (media === "audio/wav" || media === "audio/x-wav" || media === "audio/wave") return byMedia["audio/wav"];
  } catch {
    // not JSON: the name decides
  }
  if (name === "ocr") return byMedia["image/png"];
  if (name === "vad") return byMedia["audio/wav"];
  return undefined;
}

const optimisticSpecSchema = z.object({
  input: z.object({ description: z.string().optional() }).passthrough().optional(),
  canonicalOutput: z.object({ format: z.string().optional(), rule: z.string().optional() }).passthrough().optional(),
  runtime: z.object({ engine: z.string().optional(), version: z.string().optional() }).passthrough().optional(),
});

/** An optimistic model's io spec in words (what deploy registers: input, canonical output and its rule, runtime). */
export function describeOptimisticSpec(ioSpec: string): {
  input?: string;
  output?: string;
  rule?: string;
  runtime?: string;
} {
  let json: unknown;
  try {
    json = JSON.parse(ioSpec);
  } catch {
    return {};
  }
  const parsed = optimisticSpecSchema.safeParse(json);
  if (!parsed.success) return {};
  const { input, canonicalOutput, runtime } = parsed.data;
  return {
    ...(input?.description ? { input: input.description } : {}),
    ...(canonicalOutput?.format ? { output: canonicalOutput.format } : {}),
    ...(canonicalOutput?.rule ? { rule: canonicalOutput.rule } : {}),
    ...(runtime?.engine ? { runtime: `${runtime.engine}${runtime.version ? ` ${runtime.version}` : ""}` } : {}),
  };
}

/** Most words a commit carries; a larger canonical output is committed by the hash of its bytes (one word). */
export const MAX_OUTPUT_WORDS = 64;
/** Largest canonical output that travels inline: `[byteLength, ...32-byte words]`. */
export const MAX_INLINE_OUTPUT_BYTES = (MAX_OUTPUT_WORDS - 1) * 32;

/**
 * Canonical output bytes as the provider node commits them (workers' output words): `[byteLength, bytes packed 32
 * to a word big-endian, the last zero-padded]`, at least two words. Throws for an output too large to go inline.
 */
export function wordsOfBytes(bytes: Uint8Array): bigint[] {
  if (bytes.length > MAX_INLINE_OUTPUT_BYTES)
    throw new Error(`an output of more than ${MAX_INLINE_OUTPUT_BYTES} bytes is committed by its hash`);
  const words = [BigInt(bytes.length)];
  for (let at = 0; at < bytes.length; at += 32) {
    const word = new Uint8Array(32);
    word.set(bytes.subarray(at, at + 32));
    words.push(BigInt(bytesToHex(word)));
  }
  if (words.length === 1) words.push(0n);
  return words;
}

/** The bytes of inline output words; `undefined` for a hash (one word) or words that do not hold their length. */
export function bytesOfWords(words: readonly bigint[]): Uint8Array | undefined {
  const [first, ...rest] = words;
  if (first === undefined || rest.length === 0) return undefined;
  if (first > BigInt(MAX_INLINE_OUTPUT_BYTES)) return undefined;
  const length = Number(first);
  if (rest.length !== Math.max(1, Math.ceil(length / 32))) return undefined;
  const out = new Uint8Array(rest.length * 32);
  for (const [i, word] of rest.entries()) {
    if (word >= 1n << 256n) return undefined;
    out.set(hexToBytes(toHex(word, { size: 32 })), i * 32);
  }
  return out.subarray(0, length);
}

export type Segment = readonly [number, number];

export type DecodedOptimisticOutput =
  | { kind: "text"; text: string }
  | { kind: "segments"; segments: Segment[] }
  /** Not readable as the model's output (a large output committed by its hash, or words of another form). */
  | { kind: "opaque"; words: Hex[] };

const segmentsSchema = z.array(
  z
    .tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])
    .refine(([start, end]) => start < end, "a segment ends after it starts"),
);

/** Control characters other than tab and newline: never in recognized text or JSON. */
function isControl(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return (code < 0x20 && code !== 0x09 && code !== 0x0a) || code === 0x7f;
}

/** Reads a committed output the way its model writes it: UTF-8 text, or `[[startMs,endMs],...]` JSON. */
export function decodeOptimisticOutput(kind: OptimisticKind, words: readonly bigint[]): DecodedOptimisticOutput {
  const opaque = (): DecodedOptimisticOutput => ({
    kind: "opaque",
    words: words.map((word) => toHex(word, { size: 32 })),
  });
  const bytes = bytesOfWords(words);
  if (bytes === undefined) return opaque();
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return opaque();
  }
  // Recognized text and JSON hold no control characters but newlines and tabs.
  if ([...text].some(isControl)) return opaque();
  if (kind === "text") return { kind: "text", text };
  try {
    const parsed = segmentsSchema.safeParse(JSON.parse(text));
    return parsed.success ? { kind: "segments", segments: parsed.data } : opaque();
  } catch {
    return opaque();
  }
}

/** `1.23 s`: a segment edge in milliseconds, in seconds with 10 ms steps (the committed rounding). */
export function formatMs(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** "0.50 s – 1.20 s · 2.00 s – 3.10 s", or "no speech". */
export function describeSegments(segments: readonly Segment[]): string {
  if (segments.length === 0) return "no speech";
  return segments.map(([start, end]) => `${formatMs(start)} – ${formatMs(end)}`).join(" · ");
}

/** A committed output in one line (the job tracker's answer, the disputes table). */
export function describeOptimisticOutput(output: DecodedOptimisticOutput): string {
  if (output.kind === "text") return output.text === "" ? "(no text found)" : output.text;
  if (output.kind === "segments") return describeSegments(output.segments);
  return `committed by hash ${output.words[0] ?? "(empty)"}`;
}

/** Where each segment sits on a timeline of `width` units (the audio's length taken as the last segment's end). */
export function timelineBars(
  segments: readonly Segment[],
  width: number,
  totalMs?: number,
): { x: number; width: number }[] {
  const total = Math.max(totalMs ?? 0, ...segments.map(([, end]) => end), 1);
  return segments.map(([start, end]) => ({
    x: (start / total) * width,
    width: Math.max(((end - start) / total) * width, 1),
  }));
}

// `IOptimisticSettlement.AuditState` and `DisputeState`, in the contract's order.
export const auditStates = ["None", "Clear", "Drawn", "Agreed", "Disagreed", "Missed", "Deferred"] as const;
export const disputeStates = ["None", "Pending", "Voting", "Upheld", "Overturned"] as const;
export type AuditState = (typeof auditStates)[number];
export type DisputeState = (typeof disputeStates)[number];

export type OptimisticJobFacts = {
  /** `finalAt` of the commitment (chain time), or undefined before the provider committed. */
  finalAt: number | undefined;
  /** `auditDraw(jobId, commitment)`: whether the draw is known yet and whether it audits the job. */
  draw: { known: boolean; audited: boolean } | undefined;
  auditState: number;
  disputeState: number;
  /** `isFinal(jobId, commitment)`. */
  isFinal: boolean;
  /** How the market closed the job, if it did. */
  outcome: "settled" | "expired" | "declined" | "voided" | undefined;
  /** Chain time now. */
  now: number;
};

export type AuditSummary = "pending" | "audited" | "unaudited" | "agreed" | "disagreed" | "missed";

export type OptimisticJobView = {
  /** `auditing`: the window is over and no dispute is open, but the audit draw or a drawn auditor's answer is due. */
  phase: "working" | "window" | "auditing" | "disputed" | "final" | "settled" | "overturned" | "refunded" | "closed";
  audit: AuditSummary;
  /** Seconds left in the challenge window (0 once over). */
  windowLeft: number;
  /** Whether anyone may finalize now (final, not settled yet). */
  canFinalize: boolean;
};

function auditSummary(facts: OptimisticJobFacts): AuditSummary {
  const state = auditStates[facts.auditState] ?? "None";
  if (state === "Agreed") return "agreed";
  if (state === "Disagreed") return "disagreed";
  if (state === "Missed") return "missed";
  if (state === "Drawn" || state === "Deferred") return "audited";
  if (state === "Clear") return "unaudited";
  if (facts.draw?.known) return facts.draw.audited ? "audited" : "unaudited";
  return "pending";
}

/** Where an optimistic job stands, from the chain's facts about it. */
export function optimisticJobView(facts: OptimisticJobFacts): OptimisticJobView {
  const audit = auditSummary(facts);
  const windowLeft = facts.finalAt === undefined ? 0 : Math.max(0, facts.finalAt - facts.now);
  const dispute = disputeStates[facts.disputeState] ?? "None";
  const base = { audit, windowLeft, canFinalize: false };
  if (facts.outcome === "settled") return { ...base, phase: "settled" };
  if (dispute === "Overturned") return { ...base, phase: facts.outcome === "expired" ? "refunded" : "overturned" };
  if (facts.outcome !== undefined) return { ...base, phase: "closed" };
  if (facts.finalAt === undefined) return { ...base, phase: "working" };
  if (dispute === "Pending" || dispute === "Voting") return { ...base, phase: "disputed" };
  if (facts.isFinal) return { ...base, phase: "final", canFinalize: true };
  return { ...base, phase: windowLeft > 0 ? "window" : "auditing" };
}

/** The audit line of a job, in words. */
export function describeAudit(audit: AuditSummary): string {
  switch (audit) {
    case "pending":
      return "Audit draw pending (decided by the hash of the block after the commit)";
    case "audited":
      return "Audited: a drawn auditor re-executes the job";
    case "unaudited":
      return "Not audited (this job was not drawn)";
    case "agreed":
      return "Audited: the auditor agreed";
    case "disagreed":
      return "Audited: the auditor disagreed and opened a dispute";
    case "missed":
      return "Unaudited: the drawn auditor did not answer (penalised)";
  }
}

/** The settlement contract's governed parameters (`IOptimisticSettlement.Params`). */
export type IncentiveParams = OptimisticParams;

export type Money = (value: bigint) => string;

/**
 * The optimistic tier's parameters in words, with the deterrent p·S (audit probability times the job's collateral):
 * skipping the work does not pay while p·S exceeds the compute cost C a cheat saves.
 */
export function describeIncentives(
  params: IncentiveParams,
  collateralPerJob: bigint,
  money: { payment: Money; stake: Money },
): { rows: { label: string; value: string }[]; deterrent: string; rule: string } {
  const deterrent = (collateralPerJob * BigInt(params.auditBps)) / 10_000n;
  return {
    rows: [
      { label: "Audit probability p", value: formatBps(params.auditBps) },
      { label: "Collateral per job S", value: money.stake(collateralPerJob) },
      { label: "Deterrent p·S", value: money.stake(deterrent) },
      { label: "Challenge window", value: formatDuration(params.challengeWindow) },
      {
        label: "Auditor windows",
        value: `${formatDuration(params.auditWindow)} to commit, ${formatDuration(params.revealWindow)} to reveal`,
      },
      { label: "Dispute time", value: formatDuration(params.disputeTime) },
      { label: "Challenge bond", value: money.payment(params.challengeBond) },
      { label: "Committee size", value: String(params.committeeSize) },
      { label: "Auditor reward", value: money.payment(params.auditorReward) },
      {
        label: "Auditor bond / penalty",
        value: `${money.stake(params.minAuditorBond)} / ${money.stake(params.auditorPenalty)}`,
      },
    ],
    deterrent: money.stake(deterrent),
    rule:
      `A provider that skips the work saves its compute cost C and is caught with probability p (more when buyers ` +
      `re-execute), losing its collateral S and the price: cheating does not pay while p·S > C, here ` +
      `${money.stake(deterrent)} per job against C.`,
  };
}

/** "in 4m 10s" while time is left, "now" after. */
export function formatDurationLeft(seconds: number): string {
  return seconds > 0 ? `in ${formatDuration(seconds)}` : "now";
}

/**
 * A challenger's own result as canonical bytes (the node's canonical form): OCR lines NFC-normalized, trailing
 * white space trimmed, empty lines dropped, joined by "\n"; VAD segments as JSON `[[startMs,endMs],...]` with edges
 * rounded to 10 ms. Throws one line when VAD text is not such a list.
 */
export function canonicalResultBytes(kind: OptimisticKind, typed: string): Uint8Array {
  if (kind === "text") {
    const text = typed
      .split(/\r?\n/)
      .map((line) => line.normalize("NFC").replace(/\s+$/u, ""))
      .filter((line) => line.length > 0)
      .join("\n");
    return new TextEncoder().encode(text);
  }
  let json: unknown;
  try {
    json = JSON.parse(typed);
  } catch {
    throw new Error("segments are JSON: [[startMs,endMs],...]");
  }
  const parsed = segmentsSchema.safeParse(json);
  if (!parsed.success) throw new Error("segments are a list of [startMs,endMs] with start < end");
  const rounded = parsed.data.map(([start, end]) => [Math.round(start / 10) * 10, Math.round(end / 10) * 10]);
  return new TextEncoder().encode(JSON.stringify(rounded));
}

export type DisputeRow = {
  jobId: bigint;
  model: string;
  settlement: Address;
  challenger: Address;
  /** True when the drawn auditor opened it (no bond). */
  byAuditor: boolean;
  bond: bigint;
  challengerOutputHash: Hex;
  openedTx: Hash;
  committee: readonly Address[];
  votes: { voter: Address; agrees: boolean }[];
  resolved?: { overturned: boolean; votesUpheld: number; votesOverturned: number; txHash: Hash };
};

export type SettlementLog = { eventName: string; args: Readonly<Record<string, unknown>>; transactionHash: Hash };

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** One settlement contract's disputes from its events, in log order (other events are ignored). */
export function foldDisputes(
  logs: readonly SettlementLog[],
  model: { name: string; settlement: Address },
): DisputeRow[] {
  const byJob = new Map<bigint, DisputeRow>();
  for (const log of logs) {
    const args = log.args;
    const jobId = args.jobId as bigint;
    if (log.eventName === "DisputeOpened") {
      const challenger = args.challenger as Address;
      byJob.set(jobId, {
        jobId,
        model: model.name,
        settlement: model.settlement,
        challenger,
        byAuditor: challenger === ZERO_ADDRESS,
        bond: args.bond as bigint,
        challengerOutputHash: args.challengerOutputHash as Hex,
        openedTx: log.transactionHash,
        committee: [],
        votes: [],
      });
      continue;
    }
    const row = byJob.get(jobId);
    if (!row) continue;
    if (log.eventName === "CommitteeDrawn") row.committee = args.committee as readonly Address[];
    else if (log.eventName === "VoteRevealed")
      row.votes.push({ voter: args.voter as Address, agrees: args.agrees as boolean });
    else if (log.eventName === "DisputeResolved")
      row.resolved = {
        overturned: args.overturned as boolean,
        votesUpheld: Number(args.votesUpheld),
        votesOverturned: Number(args.votesOverturned),
        txHash: log.transactionHash,
      };
  }
  return [...byJob.values()];
}

/** A settled optimistic job's output in one line by its model's io spec; undefined for a zk model's spec. */
export function optimisticOutputInWords(output: readonly bigint[], ioSpec: string): string | undefined {
  const kind = optimisticInputOf("", ioSpec)?.output;
  return kind === undefined ? undefined : describeOptimisticOutput(decodeOptimisticOutput(kind, output));
}
