// Turns any failure of a wallet or contract call into one sentence a person can act on.
import { BaseError, decodeErrorResult, toFunctionSelector, type Abi, type Hex } from "viem";
import { formatDuration, formatTimestamp } from "./format";

type AbiError = Extract<Abi[number], { type: "error" }>;

export type DecodedError = {
  /** The custom error's name, e.g. `InsufficientFreeStake`, or a kind of failure (`UserRejected`). */
  name: string;
  /** Decoded arguments, in ABI order. */
  args: readonly unknown[];
  /** What to show the user. */
  message: string;
};

/** The two tokens amounts can be in: the payment stablecoin (tUSD) and the governance / staking token (SOV). */
export type Asset = "payment" | "governance";

export type ErrorContext = {
  /** Formats a token amount; without it amounts show as the contract's integers. */
  amount?: (value: bigint, asset: Asset) => string;
  /**
   * Which token an OpenZeppelin ERC20 error (balance, allowance) is about. The revert does not say, the contract
   * the call went to does: the market pulls the payment token, the registry the governance token.
   */
  erc20Asset?: Asset;
};

/** What a sentence may use: the error's arguments and an amount formatter. */
type Sentence = (
  args: readonly unknown[],
  tokens: { amount: (value: unknown, asset: Asset | undefined) => string; erc20: Asset | undefined },
) => string;

const str = (value: unknown): string => (typeof value === "bigint" ? value.toString() : String(value));
const when = (value: unknown): string => (typeof value === "bigint" ? formatTimestamp(Number(value)) : str(value));

function amountFormatter(context: ErrorContext | undefined) {
  return (value: unknown, asset: Asset | undefined): string =>
    typeof value === "bigint" && asset && context?.amount ? context.amount(value, asset) : str(value);
}

const governorStates = ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"];

/** Custom error name -> sentence. Errors not listed fall back to their name split into words. */
export const errorSentences: Record<string, Sentence> = {
  // Payment and governance tokens (OpenZeppelin ERC20 / ERC20Permit / Votes)
  ERC20InsufficientBalance: ([, balance, needed], { amount, erc20 }) =>
    `Your balance (${amount(balance, erc20)}) is below the ${amount(needed, erc20)} needed. Use the faucet or top up first.`,
  ERC20InsufficientAllowance: ([, allowance, needed], { amount, erc20 }) =>
    `The contract may spend only ${amount(allowance, erc20)} of your tokens but needs ${amount(needed, erc20)}: approve first.`,
  ERC20InvalidReceiver: () => "The receiving address is not valid.",
  ERC20InvalidSpender: () => "The spender address is not valid.",
  ERC2612ExpiredSignature: () => "The permit signature has expired; sign again.",
  ERC2612InvalidSigner: () => "The permit was signed by another account.",
  FaucetCooldown: ([, availableAt]) => `You used the faucet recently. Try again at ${when(availableAt)}.`,
  ERC5805FutureLookup: () => "That block is in the future; votes are not known yet.",
  VotesExpiredSignature: () => "The delegation signature has expired.",
  // Provider registry
  ZeroVram: () => "VRAM must be more than 0 MB.",
  EmptyGpuModel: () => "Enter the GPU model.",
  GpuModelTooLong: ([length]) => `The GPU model name is too long (${str(length)} bytes, at most 64).`,
  RegionTooLong: ([length]) => `The region is too long (${str(length)} bytes, at most 32).`,
  ZeroAmount: () => "Enter an amount above zero.",
  InsufficientFreeStake: ([, free, requested], { amount }) =>
    `Not enough free stake: ${amount(free, "governance")} free, ${amount(requested, "governance")} needed. Stake more or cancel asks.`,
  InsufficientLockedCollateral: ([, locked, requested], { amount }) =>
    `Only ${amount(locked, "governance")} collateral is locked; ${amount(requested, "governance")} was asked for.`,
  NothingUnbonding: () => "Nothing is unbonding: request an unbond first.",
  SlashSumMismatch: ([total, sum], { amount }) =>
    `The slash shares (${amount(sum, "governance")}) do not add up to the ${amount(total, "governance")} slashed.`,
  UnbondingNotReady: ([readyAt]) => `Your unbonded stake is ready at ${when(readyAt)}.`,
  UnbondingDelayOutOfBounds: ([delay]) =>
    `An unbonding delay of ${typeof delay === "bigint" ? formatDuration(Number(delay)) : str(delay)} is outside the allowed range (1 hour to 60 days).`,
  // Spot market
  MarketNotFound: ([marketId]) => `Market ${str(marketId)} does not exist.`,
  MarketExists: () => "A market for this model and policy class already exists.",
  ModelNotApproved: () => "This model is not approved by governance.",
  InvalidParams: () => "These market parameters are not allowed.",
  MarketInactive: ([marketId]) => `Market ${str(marketId)} is paused: it takes no new orders.`,
  InvalidTick: ([tick]) => `Price tick ${str(tick)} is not allowed: the price must be above zero.`,
  InvalidCapacity: ([capacity]) => `A capacity of ${str(capacity)} jobs is not allowed for this market.`,
  InvalidExpiry: ([expiresAt]) => `The ask's expiry (${when(expiresAt)}) must be in the future.`,
  InvalidDeadline: ([deadline]) =>
    `The deadline (${when(deadline)}) is too soon: providers need at least the market's minimum job window.`,
  NotRegistered: () => "Register your provider profile first.",
  InsufficientVram: ([, vram, min]) =>
    `This model needs ${str(min)} MB of VRAM; your profile declares ${str(vram)} MB.`,
  NotEligible: ([, policyClass]) =>
    `You lack a valid attestation for a claim that policy class ${str(policyClass)} requires.`,
  OrderNotFound: ([orderId]) => `Order ${str(orderId)} is no longer in the book (filled, cancelled or removed).`,
  NotOrderOwner: ([orderId]) => `Order ${str(orderId)} belongs to another account.`,
  JobNotMatched: ([jobId]) =>
    `Job ${str(jobId)} is not open: it already settled, expired, was declined or voided (or its bid still rests in the book).`,
  NotJobProvider: ([jobId]) => `Only job ${str(jobId)}'s provider may submit its result.`,
  DeadlinePassed: ([jobId]) => `Job ${str(jobId)}'s deadline has passed.`,
  JobNotExpired: ([jobId, deadline]) => `Job ${str(jobId)} can be expired only after its deadline, ${when(deadline)}.`,
  InvalidProof: ([jobId]) => `The proof for job ${str(jobId)} did not verify.`,
  InsufficientCallbackGas: () => "Not enough gas was sent for the consumer callback: send more gas.",
  NothingToWithdraw: () => "You have nothing to withdraw.",
  InvalidJobTerms: ([jobId]) => `The terms sent for job ${str(jobId)} do not match the ones it was matched with.`,
  NothingToRelease: () => "No collateral of settled jobs is waiting to be released.",
  AmountOverflow: () => "The amount is too large.",
  ZeroAddress: () => "An address must not be zero.",
  // Optimistic tier (settlement contracts)
  CommitTooLate: ([jobId, latest]) =>
    `Job ${str(jobId)} can no longer be committed: the window and a dispute must fit before its deadline (latest ${when(latest)}).`,
  AlreadyCommitted: ([jobId]) => `A result for job ${str(jobId)} is already committed.`,
  InvalidCommitment: ([jobId]) => `The commitment sent for job ${str(jobId)} is not the one its provider made.`,
  NotFinal: ([jobId]) =>
    `Job ${str(jobId)}'s result is not final yet: its challenge window is open, or an audit or dispute is pending.`,
  ChallengeClosed: ([jobId]) => `Job ${str(jobId)}'s challenge window has closed.`,
  SelfChallenge: ([jobId]) => `The provider of job ${str(jobId)} cannot challenge its own result.`,
  DisputeExists: ([jobId]) => `Job ${str(jobId)} is already disputed.`,
  WrongPhase: ([jobId]) => `This step is not open for job ${str(jobId)} now: wait for its phase.`,
  AlreadyAnswered: ([jobId]) => `You already answered for job ${str(jobId)}.`,
  RevealMismatch: ([jobId]) => `The reveal for job ${str(jobId)} does not match the committed hash.`,
  RandomnessNotReady: ([jobId]) => `Job ${str(jobId)}'s draw needs the next block: try again in a moment.`,
  BondTooSmall: ([bond, minimum], { amount }) =>
    `An auditor bond of ${amount(bond, "governance")} is below the minimum of ${amount(minimum, "governance")}.`,
  DutiesPending: () => "Your audits and committee seats must be answered or resolved first.",
  // Attestations and models
  UntrustedAttester: () => "This attester is not trusted for that claim.",
  ExpiryNotInFuture: () => "The attestation's expiry must be in the future.",
  ExpiryTooFar: ([, latest]) => `The attestation's expiry is too far ahead (latest ${when(latest)}).`,
  NoAttestation: () => "There is no such attestation.",
  UnknownModel: () => "There is no such model.",
  ModelAlreadyRegistered: () => "A model with this id is already registered.",
  // Access control
  AccessManagedUnauthorized: () => "Only governance (the timelock) may do this.",
  AccessManagedRequiredDelay: () => "This call must be scheduled through the access manager first.",
  // Governor
  GovernorAlreadyCastVote: () => "You have already voted on this proposal.",
  GovernorInsufficientProposerVotes: ([, votes, threshold], { amount }) =>
    `You need ${amount(threshold, "governance")} of votes to propose and have ${amount(votes, "governance")}. Delegate your tokens (to yourself) first; votes count from the next block.`,
  GovernorNonexistentProposal: () => "There is no such proposal.",
  GovernorUnexpectedProposalState: ([, current]) =>
    `The proposal is ${governorStates[Number(current)] ?? "in another state"}, so this step is not possible now.`,
  GovernorInvalidProposalLength: () => "The proposal's targets, values and calldatas do not line up.",
  GovernorRestrictedProposer: () => "This account may not make this proposal.",
  GovernorOnlyExecutor: () => "Only the governor's executor may do this.",
  GovernorNotQueuedProposal: () => "Queue the proposal first.",
  // Timelock
  TimelockUnexpectedOperationState: () => "The timelock operation is not ready: wait for the delay to pass.",
  TimelockInsufficientDelay: () => "The delay is shorter than the timelock's minimum.",
  TimelockUnexecutedPredecessor: () => "An earlier timelock operation must run first.",
  TimelockUnauthorizedCaller: () => "Only the governor may use the timelock.",
};

/** `InsufficientFreeStake` -> `Insufficient free stake`. */
export function humanizeErrorName(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2");
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

function sentenceFor(name: string, args: readonly unknown[], context?: ErrorContext): string {
  const sentence = errorSentences[name];
  if (sentence) return sentence(args, { amount: amountFormatter(context), erc20: context?.erc20Asset });
  const shown = args.length ? ` (${args.map(str).join(", ")})` : "";
  return `${humanizeErrorName(name)}${shown}.`;
}

/** Deduplicated error fragments of all ABIs (same selector = same error). */
export function errorFragments(abis: readonly Abi[]): AbiError[] {
  const seen = new Map<Hex, AbiError>();
  for (const abi of abis) {
    for (const item of abi) {
      if (item.type !== "error") continue;
      const selector = toFunctionSelector(`${item.name}(${item.inputs.map((input) => input.type).join(",")})`);
      if (!seen.has(selector)) seen.set(selector, item);
    }
  }
  return [...seen.values()];
}

/** Decodes raw revert data (`0x` + selector + args) against the ABIs; `undefined` when unknown. */
export function decodeRevertData(data: Hex, abis: readonly Abi[], context?: ErrorContext): DecodedError | undefined {
  if (data.length < 10) return undefined;
  try {
    const { errorName, args } = decodeErrorResult({ abi: errorFragments(abis), data });
    const list: readonly unknown[] = args ?? [];
    if (errorName === "Error") return { name: "Error", args: list, message: `${str(list[0])}.` };
    if (errorName === "Panic")
      return { name: "Panic", args: list, message: `The contract failed (panic ${str(list[0])}).` };
    return { name: errorName, args: list, message: sentenceFor(errorName, list, context) };
  } catch {
    return undefined;
  }
}

const hexData = /^0x[0-9a-fA-F]*$/;

/** Finds revert data anywhere in an error's cause chain (viem errors, EIP-1193 errors, JSON-RPC payloads). */
function findRevertData(error: unknown, depth = 0): Hex | undefined {
  if (depth > 8 || error === null || typeof error !== "object") return undefined;
  const record = error as Record<string, unknown>;
  const data = record.data;
  if (typeof data === "string" && hexData.test(data) && data.length >= 10) return data as Hex;
  if (data && typeof data === "object") {
    const inner = (data as Record<string, unknown>).data;
    if (typeof inner === "string" && hexData.test(inner) && inner.length >= 10) return inner as Hex;
    const raw = (data as Record<string, unknown>).raw;
    if (typeof raw === "string" && hexData.test(raw) && raw.length >= 10) return raw as Hex;
  }
  if (typeof record.raw === "string" && hexData.test(record.raw) && record.raw.length >= 10) return record.raw as Hex;
  return findRevertData(record.cause, depth + 1) ?? findRevertData(record.error, depth + 1);
}

function hasName(error: unknown, names: readonly string[], depth = 0): boolean {
  if (depth > 8 || error === null || typeof error !== "object") return false;
  const record = error as Record<string, unknown>;
  if (typeof record.name === "string" && names.includes(record.name)) return true;
  if (record.code === 4001) return true;
  return hasName(record.cause, names, depth + 1);
}

/** The contract a failed call went to, when the error says (viem's ContractFunctionExecutionError does). */
export function callTarget(error: unknown, depth = 0): `0x${string}` | undefined {
  if (depth > 8 || error === null || typeof error !== "object") return undefined;
  const record = error as Record<string, unknown>;
  const target = record.contractAddress;
  if (typeof target === "string" && /^0x[0-9a-fA-F]{40}$/.test(target)) return target as `0x${string}`;
  return callTarget(record.cause, depth + 1);
}

/** The token a call's ERC20 errors are about, from the contract it went to (see `ErrorContext.erc20Asset`). */
export function assetOfTarget(
  contracts: {
    paymentToken: string;
    spotMarket: string;
    sovraToken: string;
    providerRegistry: string;
    governor: string;
  },
  target: string | undefined,
): Asset | undefined {
  if (!target) return undefined;
  const is = (address: string) => address.toLowerCase() === target.toLowerCase();
  if (is(contracts.paymentToken) || is(contracts.spotMarket)) return "payment";
  if (is(contracts.sovraToken) || is(contracts.providerRegistry) || is(contracts.governor)) return "governance";
  return undefined;
}

/** Explains any thrown value from a wallet or contract call in words. */
export function describeError(error: unknown, abis: readonly Abi[], context?: ErrorContext): DecodedError {
  if (hasName(error, ["UserRejectedRequestError"])) {
    return { name: "UserRejected", args: [], message: "You rejected the request in your wallet." };
  }
  const data = findRevertData(error);
  if (data) {
    const decoded = decodeRevertData(data, abis, context);
    if (decoded) return decoded;
  }
  if (error instanceof BaseError) {
    const reverted = error.walk(
      (inner) => inner instanceof BaseError && inner.name === "ContractFunctionRevertedError",
    );
    if (reverted instanceof BaseError && "reason" in reverted && typeof reverted.reason === "string") {
      return { name: "Error", args: [reverted.reason], message: `${reverted.reason}.` };
    }
    return { name: error.name, args: [], message: error.shortMessage };
  }
  if (error instanceof Error) return { name: error.name, args: [], message: error.message };
  return { name: "Unknown", args: [], message: "Something went wrong." };
}
