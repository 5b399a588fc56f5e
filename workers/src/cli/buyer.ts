import { Command } from "commander";
import {
  formatUnits,
  getAddress,
  isAddress,
  parseEventLogs,
  zeroHash,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import type { LocalAccount } from "viem/accounts";
import {
  inferenceVerifierAbi,
  jobTermsFromEvents,
  modelIdOfName,
  modelProposal,
  modelRegistryAbi,
  sovraGovernorAbi,
  type Deployment,
  withListings,
} from "@sovra/contracts";
import { erc20PermitAbi, spotMarketAbi, testStablecoinAbi } from "../chain/abis.ts";
import { deploymentFor, publicClientFor, txLink, walletClientFor } from "../chain/context.ts";
import type { Config } from "../config.ts";
import { hashInput } from "@sovra/circuits/io/input";
import { asciiPreview } from "../image.ts";
import { encodeInputRef } from "../input.ts";
import { encodingOf, readIoSpec } from "../io-spec.ts";
import { clampWarning, describeInput, readModelInput } from "../model-input.ts";
import { describeOutput, type Answer } from "../output.ts";
import { configFrom, errorContext, fail, json, oneLineUsageErrors, send, type GlobalOptions } from "./common.ts";
import { formatAmount, formatDuration, formatTime } from "./errors.ts";
import { modelInputConcerns, modelInputRefusal } from "./input-check.ts";
import { parsePolicyClasses, readModelFolder, verifierMismatch } from "./model-listing.ts";
import { parseCount, priceToTicks, selectMarket } from "./market.ts";
import { buyerAccount, chainNow, readTokens, type Tokens } from "./session.ts";
import { waitForJob, type JobProgress, type MatchInfo } from "./wait-job.ts";
import { bidOptimistic } from "./optimistic-bid.ts";
import { placeBid } from "./place-bid.ts";
import { isOptimisticModelName } from "../optimistic/job.ts";
import type { OptimisticModelName } from "../optimistic/models.ts";

const program = oneLineUsageErrors(
  new Command("sovra")
    .description("Sovra buyer CLI: buy one verified inference on the Sovra market")
    .option("-c, --config <file>", "config file (default ./sovra.config.json, or SOVRA_CONFIG)")
    .option(
      "--rpc-url <url>",
      "JSON-RPC endpoint (overrides config rpcUrl / SOVRA_RPC_URL; default http://127.0.0.1:8545)",
    )
    .option("--chain-id <id>", "chain id (overrides config chainId / SOVRA_CHAIN_ID)")
    .option("--keystore <file>", "buyer keystore (else SOVRA_PRIVATE_KEY on the local chain 31337)")
    .option("--password-file <file>", "file holding the keystore password (else SOVRA_KEYSTORE_PASSWORD or a prompt)"),
);

type BuyerOptions = GlobalOptions & { keystore?: string; passwordFile?: string };

/** Config and deployment: no key and no RPC call yet, so input checks can fail fast. */
async function setup(): Promise<{ config: Config; deployment: Deployment; options: BuyerOptions }> {
  const options = program.opts<BuyerOptions>();
  const config = configFrom(options);
  errorContext.rpcUrl = config.rpcUrl;
  errorContext.bin = "sovra";
  const deployment = await deploymentFor(config);
  return { config, deployment, options };
}

type Session = {
  config: Config;
  deployment: Deployment;
  account: LocalAccount;
  publicClient: PublicClient;
  walletClient: ReturnType<typeof walletClientFor>;
  tokens: Tokens;
};

/** The signer, then the first RPC calls (token symbols): a missing key or an unreachable chain fails here. */
async function connect(config: Config, deployment: Deployment, options: BuyerOptions): Promise<Session> {
  const account = await buyerAccount(
    { chainId: config.chainId, keystore: options.keystore ?? config.keystore },
    options.passwordFile,
  );
  const publicClient = publicClientFor(config);
  errorContext.chainTime = () => chainNow(publicClient);
  const tokens = await readTokens(publicClient, deployment);
  errorContext.payment = tokens.payment;
  errorContext.stake = tokens.stake;
  errorContext.erc20 = tokens.payment;
  return { config, deployment, account, publicClient, walletClient: walletClientFor(config, account), tokens };
}

/** Reads the options, config and deployment, then unlocks the buyer's key: what every sending command needs. */
async function signedSession(): Promise<Session> {
  const base = await setup();
  return connect(base.config, base.deployment, base.options);
}

const say = (line: string): void => void process.stderr.write(`${line}\n`);

/** The model's settlement when `name` is on the optimistic tier (the registry's tier, read from the chain). */
async function optimisticEntry(
  config: Config,
  deployment: Deployment,
  name: string,
): Promise<{ name: OptimisticModelName; settlement: Address } | undefined> {
  const entry = deployment.models.find((m) => m.name === name);
  if (entry === undefined || !isOptimisticModelName(name)) return undefined;
  const tier = await publicClientFor(config).readContract({
    address: deployment.contracts.modelRegistry,
    abi: modelRegistryAbi,
    functionName: "tierOf",
    args: [entry.modelId],
  });
  return tier === 2 ? { name, settlement: entry.verifier } : undefined;
}

program
  .command("bid")
  .description(
    "bid for one inference and wait for its verified result: the bid's order id is the job id (JobSettled, or JobExpired)",
  )
  .option("-m, --model <name>", "model", "mlp")
  .option("--policy-class <n>", "policy class of the market (default: the model's lowest, 0 = open)")
  .requiredOption(
    "-i, --input <file>",
    'input: .json {"input": [...]} in the model\'s units, .csv (one row, optional header of feature names), .png (image models; MNIST models also take JSON with 784 pixels 0..255)',
  )
  .requiredOption("-p, --max-price <amount>", "most you pay, in the payment token (e.g. 0.05)")
  .option(
    "--deadline <seconds>",
    "seconds from now until the job's deadline (a resting bid can be matched until the deadline less the market's minimum job window; default 600, optimistic models: the market's minimum job window + 120)",
  )
  .option("--gateway <url>", "optimistic models: the gateway the input is uploaded to (default: config inputGateway)")
  .option(
    "--verify",
    "optimistic models: re-execute the model here and challenge (with the bond) a committed result that differs",
  )
  .option("-y, --yes", "send an input that had to be rescaled, or is blank, without stopping to ask")
  .option("--no-wait", "return after the bid is placed")
  .addHelpText(
    "after",
    `
Optimistic models (ocr: a PNG; vad: a 16 kHz mono 16-bit WAV): the input is uploaded to --gateway and the bid
commits to its sha2-256 CID; the provider's committed answer is printed at once (provisional: it can still be
challenged) and again when final (paid). stdout gets one JSON line: {jobId, model, outcome, output, provider,
paid, challenged, bidTx, settleTx}.
Input formats (the model's io spec is read from the chain's ModelRegistry; no model files needed):
  FILE.json  {"input": [v1, v2, ...]}: every value in the model's own units (sovra-model's INPUT.json); they are
             quantized here as the compiler did, values outside the calibrated range are clamped with a warning
  FILE.csv   one row of numbers in the model's units, optionally after a header row of the model's feature
             names (checked, in order), e.g.
               length_cm,weight_kg,ratio,price_usd
               -0.27,-1.54,0.5,-0.14
  FILE.png   image models only: scaled to the model's height x width (a 28x28x1 digit model: MNIST's layout,
             white ink on black, inverted/cropped/centred when needed); image models also take JSON pixels 0..255
             ([...], rows of pixels, or {"pixels": [...]})
Before sending, a tabular model's input is printed feature by feature as the model will see it. The result is
printed by the model's task: a classifier's label (argmax) and scores, a regressor's value(s) (integer x scale);
stdout gets one JSON line: {jobId, task, predicted, label, values, scores, output, provider, paid, bidTx, settleTx}.`,
  )
  .action(
    async (options: {
      model: string;
      policyClass?: string;
      input: string;
      maxPrice: string;
      deadline?: string;
      gateway?: string;
      verify?: boolean;
      yes?: boolean;
      wait: boolean;
    }) => {
      const base = await setup();
      const policyClass =
        options.policyClass === undefined ? undefined : Number(parseCount(options.policyClass, "--policy-class"));
      // Models and markets governance listed after the deploy come from the chain's events; an unreachable chain
      // leaves the file's view, and the io spec read below names the chain's error.
      base.deployment = await withListings(base.deployment, publicClientFor(base.config)).catch(() => base.deployment);
      const entry = selectMarket(base.deployment, options.model, policyClass);
      const optimistic = await optimisticEntry(base.config, base.deployment, entry.model);
      if (optimistic !== undefined) {
        const gateway = options.gateway ?? base.config.inputGateway;
        if (gateway === undefined)
          throw new Error(
            `${entry.model} takes its input by content hash: pass --gateway URL (a node's gateway, e.g. http://127.0.0.1:8081) or set inputGateway in the config`,
          );
        const session = await connect(base.config, base.deployment, base.options);
        await bidOptimistic(
          { ...session, market: session.deployment.contracts.spotMarket, settlement: optimistic.settlement },
          {
            model: optimistic.name,
            marketId: entry.marketId,
            input: options.input,
            maxPrice: options.maxPrice,
            ...(options.deadline !== undefined
              ? { deadline: parseCount(options.deadline, "--deadline", { min: 1n }) }
              : {}),
            gateway,
            verify: options.verify === true,
            pollIntervalMs: Math.min(base.config.pollIntervalMs, 1000),
            say,
          },
        );
        return;
      }
      const deadlineSeconds = parseCount(options.deadline ?? "600", "--deadline", { min: 1n });
      // The io spec comes from the chain (the market's model), so a buyer needs no model files.
      const spec = await readIoSpec(publicClientFor(base.config), base.deployment, entry.model);
      const input = readModelInput(options.input, spec, entry.model);
      const concerns = modelInputConcerns(options.input, input);
      if (concerns.length > 0) {
        if (input.mnist !== undefined) {
          say(`what would be sent (28x28, ${input.mnist.blank ? "blank" : "white ink on black"}):`);
          for (const line of asciiPreview(input.mnist.pixels)) say(`  ${line}`);
        }
        for (const concern of concerns) say(`note: ${concern}`);
        if (options.yes !== true) throw new Error(modelInputRefusal(options.input, input));
        say(`sending it as ${input.mnist !== undefined ? "shown" : "scaled"} (--yes)`);
      }
      const clamped = clampWarning(options.input, spec, input);
      if (clamped !== undefined) say(`warning: ${clamped}`);
      if (spec.input.image === undefined) {
        say(`what will be sent to ${entry.model} (after quantization, in the units the buyer gives):`);
        for (const line of describeInput(spec, input)) say(`  ${line}`);
      }
      const { config, deployment, account, publicClient, walletClient, tokens } = await connect(
        base.config,
        base.deployment,
        base.options,
      );
      const market = deployment.contracts.spotMarket;
      const token = tokens.payment;
      const info = await publicClient.readContract({
        address: market,
        abi: spotMarketAbi,
        functionName: "marketOf",
        args: [entry.marketId],
      });
      const { tickSize, minJobWindow } = info.params;
      const maxTick = priceToTicks(options.maxPrice, "max price", token, tickSize);
      if (deadlineSeconds < BigInt(minJobWindow)) {
        throw new Error(
          `--deadline ${deadlineSeconds} s is shorter than the market's minimum job window of ${formatDuration(minJobWindow)} (${minJobWindow} s)`,
        );
      }
      if (deadlineSeconds > BigInt(info.params.maxJobWindow)) {
        throw new Error(
          `--deadline ${deadlineSeconds} s is longer than the market's maximum job window of ${formatDuration(info.params.maxJobWindow)} (${info.params.maxJobWindow} s)`,
        );
      }
      const escrow = maxTick * tickSize;
      const balance = await publicClient.readContract({
        address: token.address,
        abi: erc20PermitAbi,
        functionName: "balanceOf",
        args: [account.address],
      });
      if (balance < escrow)
        throw new Error(
          `your balance ${formatAmount(balance, token)} is below the max price ${formatAmount(escrow, token)}, which the bid holds in escrow (test tokens: \`sovra faucet\`)`,
        );
      const encoding = encodingOf(spec.input);
      const inputHash = await hashInput(input.values, encoding);
      const inputRef = encodeInputRef(input.values, encoding);
      const bid = await placeBid(config, publicClient, walletClient, {
        market,
        token: token.address,
        marketId: entry.marketId,
        maxTick,
        escrow,
        inputHash,
        inputRef,
        window: deadlineSeconds,
      });
      const { orderId, deadline, receipt } = bid;
      const matchedLog = parseEventLogs({ abi: spotMarketAbi, eventName: "JobMatched", logs: receipt.logs }).find(
        (l) => l.args.jobId === orderId,
      );
      const matched: MatchInfo | undefined =
        matchedLog === undefined
          ? undefined
          : {
              provider: matchedLog.args.provider,
              price: matchedLog.args.price,
              blockNumber: receipt.blockNumber,
              tx: bid.hash,
            };
      say(
        `bid placed: order ${orderId} on market ${entry.marketId} (${entry.model}, policy class ${entry.policyClass}), max ${formatAmount(escrow, token)}, deadline ${formatTime(deadline)}, tx ${txLink(config, bid.hash)}`,
      );
      if (!options.wait) {
        process.stdout.write(
          `${json({
            orderId,
            jobId: matched !== undefined ? orderId : 0n,
            tx: txLink(config, bid.hash),
            inputHash,
            deadline,
          })}\n`,
        );
        return;
      }
      if (matched === undefined) {
        const [hasAsk, bestAskTick] = await publicClient.readContract({
          address: market,
          abi: spotMarketAbi,
          functionName: "bestTick",
          args: [entry.marketId, 0],
        });
        const best = hasAsk ? `best ask ${formatAmount(BigInt(bestAskTick) * tickSize, token)}` : "no asks in the book";
        say(
          `bid ${orderId} rests in the book (${best}): waiting until ${formatTime(deadline - BigInt(minJobWindow))} for an ask at or below ${formatAmount(escrow, token)} (the deadline less the market's ${formatDuration(minJobWindow)} minimum job window); Ctrl-C stops waiting, \`sovra cancel ${orderId}\` takes the bid back`,
        );
      }
      const ticker = statusLine();
      const outcome = await waitForJob({
        publicClient,
        market,
        jobId: orderId,
        fromBlock: receipt.blockNumber,
        deadline,
        minJobWindow: BigInt(minJobWindow),
        ...(matched !== undefined ? { matched } : {}),
        pollIntervalMs: Math.min(config.pollIntervalMs, 1000),
        onProgress: (progress) => {
          ticker.clear();
          if (progress.stage === "matched") {
            say(
              `matched: job ${orderId} with provider ${progress.match.provider} at ${formatAmount(progress.match.price, token)} (tx ${txLink(config, progress.match.tx)})`,
            );
            say(`proving: the provider runs the model and proves the result; deadline ${formatTime(deadline)}`);
          }
        },
        onTick: (progress) => ticker.show(tickText(progress, deadline)),
      });
      ticker.clear();
      switch (outcome.kind) {
        case "settled": {
          const s = outcome.settled;
          let answer: Answer | undefined;
          try {
            answer = describeOutput(spec.output, [...s.output]);
          } catch (error) {
            say(`note: the output does not unpack by the model's io spec: ${(error as Error).message}`);
          }
          say(
            `settled: the proof verified on-chain in block ${s.blockNumber}; paid ${formatAmount(s.providerAmount + s.fee, token)}`,
          );
          for (const line of answer?.lines ?? []) say(line);
          process.stdout.write(
            `${json({
              jobId: orderId,
              task: spec.output.task,
              predicted: answer?.predicted ?? null,
              label: answer?.label ?? null,
              values: answer?.values ?? null,
              scores: answer?.scores ?? null,
              output: s.output,
              provider: s.provider,
              paid: formatUnits(s.providerAmount + s.fee, token.decimals),
              bidTx: txLink(config, bid.hash),
              settleTx: txLink(config, s.tx),
            })}\n`,
          );
          return;
        }
        case "expired":
          throw new Error(
            `job ${orderId} expired (tx ${txLink(config, outcome.tx)}): the market owes you the price back and the provider's collateral was slashed; \`sovra withdraw\` pays you out`,
          );
        case "declined":
          throw new Error(
            `job ${orderId} was declined by the provider, which could not obtain or prove the input (tx ${txLink(config, outcome.tx)}): the market owes you the price back; \`sovra withdraw\` pays you out`,
          );
        case "voided":
          throw new Error(
            `job ${orderId} was voided: governance retired the market's verifier before it settled (tx ${txLink(config, outcome.tx)}): the market owes you the price back; \`sovra withdraw\` pays you out`,
          );
        case "unsettled":
          throw new Error(
            `job ${orderId} was not settled by its deadline ${formatTime(deadline)}: run \`sovra expire ${orderId}\` to get the price back (the provider's collateral is slashed), then \`sovra withdraw\``,
          );
        case "unmatched":
          throw new Error(
            outcome.resting
              ? `bid ${orderId} was not matched by its deadline: no ask at or below ${formatAmount(escrow, token)} came before ${formatTime(outcome.matchableUntil)}, the last moment a provider could take it; its ${formatAmount(escrow, token)} escrow stays in the book until you cancel it: run \`sovra cancel ${orderId}\`, then \`sovra withdraw\``
              : `bid ${orderId} was not matched by its deadline and the market removed it as stale: its ${formatAmount(escrow, token)} escrow is owed to you: run \`sovra withdraw\``,
          );
      }
    },
  );

function tickText(progress: JobProgress, deadline: bigint): string {
  if (progress.stage === "resting")
    return `resting: ${formatDuration(progress.matchableUntil - progress.now)} left for a match`;
  return `proving: ${formatDuration(deadline - progress.now)} to the deadline`;
}

/** One line on a terminal that each poll rewrites (nothing when stderr is a file or a pipe). */
function statusLine(): { show(text: string): void; clear(): void } {
  const tty = process.stderr.isTTY;
  let shown = false;
  return {
    show(text) {
      if (!tty) return;
      process.stderr.write(`\r\x1b[2K${text}`);
      shown = true;
    },
    clear() {
      if (!tty || !shown) return;
      process.stderr.write("\r\x1b[2K");
      shown = false;
    },
  };
}

/** An order id / job id argument. */
function idArgument(text: string, what: string): bigint {
  return parseCount(text, what, { min: 1n });
}

program
  .command("cancel <orderId>")
  .description(
    "cancel your resting order: a bid's escrow becomes owed to you (then `sovra withdraw`), an ask's unused collateral reservation is freed",
  )
  .action(async (orderIdText: string) => {
    const orderId = idArgument(orderIdText, "order id");
    const { config, deployment, account, publicClient, walletClient, tokens } = await signedSession();
    const market = deployment.contracts.spotMarket;
    const order = await publicClient.readContract({
      address: market,
      abi: spotMarketAbi,
      functionName: "orderOf",
      args: [orderId],
    });
    const tx = await send(publicClient, walletClient, {
      address: market,
      abi: spotMarketAbi,
      functionName: "cancelOrder",
      args: [orderId],
    });
    const owed = await publicClient.readContract({
      address: market,
      abi: spotMarketAbi,
      functionName: "owed",
      args: [account.address],
    });
    if (order.side === 1) {
      say(
        `cancelled bid ${orderId}: its ${formatAmount(order.amount, tokens.payment)} escrow is owed back to you; the market now owes you ${formatAmount(owed, tokens.payment)}: run \`sovra withdraw\` to receive it`,
      );
    } else {
      const freed = order.amount * BigInt(order.remaining);
      say(
        `cancelled ask ${orderId}: ${formatAmount(freed, tokens.stake)} of reserved collateral is back in your free stake`,
      );
    }
    process.stdout.write(
      `${json({
        cancelled: orderId,
        side: order.side === 1 ? "bid" : "ask",
        refunded: order.side === 1 ? formatUnits(order.amount, tokens.payment.decimals) : "0",
        owed: formatUnits(owed, tokens.payment.decimals),
        symbol: tokens.payment.symbol,
        tx: txLink(config, tx.hash),
      })}\n`,
    );
  });

program
  .command("expire <jobId>")
  .description(
    "expire a matched job whose deadline passed unsettled: the buyer gets the price back, the provider's collateral is slashed (anyone may call it)",
  )
  .action(async (jobIdText: string) => {
    const jobId = idArgument(jobIdText, "job id");
    const { config, deployment, account, publicClient, walletClient, tokens } = await signedSession();
    const market = deployment.contracts.spotMarket;
    const fromBlock = BigInt(deployment.startBlock);
    const [placed, matched] = await Promise.all([
      publicClient.getContractEvents({
        address: market,
        abi: spotMarketAbi,
        eventName: "BidPlaced",
        args: { orderId: jobId },
        fromBlock,
        strict: true,
      }),
      publicClient.getContractEvents({
        address: market,
        abi: spotMarketAbi,
        eventName: "JobMatched",
        args: { jobId },
        fromBlock,
        strict: true,
      }),
    ]);
    const bidLog = placed[0];
    const matchLog = matched[0];
    if (bidLog === undefined)
      throw new Error(`job ${jobId} does not exist: no bid with order id ${jobId} on this market`);
    if (matchLog === undefined)
      throw new Error(
        `bid ${jobId} never matched, so there is no job to expire: \`sovra cancel ${jobId}\` takes a resting bid back`,
      );
    const terms = jobTermsFromEvents(bidLog.args, matchLog.args);
    const tx = await send(publicClient, walletClient, {
      address: market,
      abi: spotMarketAbi,
      functionName: "expire",
      args: [jobId, terms],
    });
    const owed = await publicClient.readContract({
      address: market,
      abi: spotMarketAbi,
      functionName: "owed",
      args: [account.address],
    });
    const mine = terms.buyer.toLowerCase() === account.address.toLowerCase();
    say(
      `expired job ${jobId}: ${mine ? "your" : "the buyer's"} ${formatAmount(terms.price, tokens.payment)} is refunded and the provider's collateral slashed; the market now owes you ${formatAmount(owed, tokens.payment)}${owed > 0n ? ": run `sovra withdraw`" : ""}`,
    );
    process.stdout.write(
      `${json({
        expired: jobId,
        refunded: formatUnits(terms.price, tokens.payment.decimals),
        owed: formatUnits(owed, tokens.payment.decimals),
        symbol: tokens.payment.symbol,
        tx: txLink(config, tx.hash),
      })}\n`,
    );
  });

program
  .command("withdraw")
  .description("withdraw what the market owes you (refunds of expired jobs and cancelled bids)")
  .option("--to <address>", "recipient (default: your address)")
  .action(async (options: { to?: string }) => {
    const { config, deployment, account, publicClient, walletClient, tokens } = await signedSession();
    const market = deployment.contracts.spotMarket;
    const to = (options.to ?? account.address) as Address;
    if (!/^0x[0-9a-fA-F]{40}$/.test(to)) throw new Error(`--to ${to} is not an address (0x followed by 40 hex digits)`);
    const owed = await publicClient.readContract({
      address: market,
      abi: spotMarketAbi,
      functionName: "owed",
      args: [account.address],
    });
    if (owed === 0n) throw new Error(`the market owes ${account.address} nothing`);
    const tx = await send(publicClient, walletClient, {
      address: market,
      abi: spotMarketAbi,
      functionName: "withdraw",
      args: [to],
    });
    say(`withdrew ${formatAmount(owed, tokens.payment)} to ${to}`);
    process.stdout.write(
      `${json({
        withdrawn: formatUnits(owed, tokens.payment.decimals),
        symbol: tokens.payment.symbol,
        to,
        tx: txLink(config, tx.hash),
      })}\n`,
    );
  });

program
  .command("faucet")
  .description("get test payment tokens (the local chain's test stablecoin; once an hour per address)")
  .action(async () => {
    const { config, deployment, account, publicClient, walletClient, tokens } = await signedSession();
    const token = deployment.contracts.paymentToken;
    const tx = await send(publicClient, walletClient, {
      address: token,
      abi: testStablecoinAbi,
      functionName: "faucet",
      args: [],
    });
    const balance = await publicClient.readContract({
      address: token,
      abi: erc20PermitAbi,
      functionName: "balanceOf",
      args: [account.address],
    });
    say(`faucet: your balance is now ${formatAmount(balance, tokens.payment)}`);
    process.stdout.write(
      `${json({
        balance: formatUnits(balance, tokens.payment.decimals),
        symbol: tokens.payment.symbol,
        tx: txLink(config, tx.hash as Hex),
      })}\n`,
    );
  });

program
  .command("propose-model <dir>")
  .description(
    "propose to governance to list the model in DIR (a folder written by sovra-model compile): deploys its verifier " +
      "(unless --verifier), then proposes register + approve + one market per policy class; voters check it with " +
      "sovra-model rebuild DIR and vote on the dApp's Governance page",
  )
  .option("--verifier <address>", "an already deployed verifier of this model (default: compile and deploy it)")
  .option("--classes <list>", "policy classes to open markets in, comma-separated", "0")
  .option("--min-vram <mb>", "minimum VRAM a provider must declare (MB)", "0")
  .option("--like-market <id>", "copy the market parameters of this market (default: the deployment's first market)")
  .action(async (dir: string, opts: { verifier?: string; classes: string; minVram: string; likeMarket?: string }) => {
    const folder = await readModelFolder(dir);
    const policyClasses = parsePolicyClasses(opts.classes);
    const minVramMb = Number(parseCount(opts.minVram, "--min-vram", { max: 0xffffffffn }));
    if (opts.verifier !== undefined && !isAddress(opts.verifier))
      throw new Error(`--verifier '${opts.verifier}' is not an address`);
    const { config, deployment, publicClient, walletClient } = await signedSession();
    const name = folder.manifest.name;
    const modelId = modelIdOfName(name);
    const registered = await publicClient.readContract({
      address: deployment.contracts.modelRegistry,
      abi: modelRegistryAbi,
      functionName: "isRegistered",
      args: [modelId],
    });
    if (registered) throw new Error(`model '${name}' (${modelId}) is already registered`);
    const likeMarket = opts.likeMarket === undefined ? deployment.markets[0]?.marketId : Number(opts.likeMarket);
    if (likeMarket === undefined || !Number.isInteger(likeMarket))
      throw new Error("--like-market: no market to copy the parameters of; pass a market id");
    const market = await publicClient.readContract({
      address: deployment.contracts.spotMarket,
      abi: spotMarketAbi,
      functionName: "marketOf",
      args: [likeMarket],
    });

    let verifier: Address;
    if (opts.verifier !== undefined) {
      verifier = getAddress(opts.verifier);
    } else {
      say(`compiling ${folder.manifest.verifier.contract} (solc 0.8.34)...`);
      const { compileModelVerifier } = await import("@sovra/circuits/verifier-build");
      const compiled = compileModelVerifier(dir);
      const hash = await walletClient.deployContract({ abi: compiled.abi, bytecode: compiled.bytecode });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success" || !receipt.contractAddress)
        throw new Error(`verifier deployment ${hash} failed`);
      verifier = getAddress(receipt.contractAddress);
      say(`deployed ${compiled.contract} at ${verifier} (${txLink(config, hash)})`);
    }
    const reported = await publicClient
      .readContract({ address: verifier, abi: inferenceVerifierAbi, functionName: "verifyingKeyHash" })
      .catch(() => zeroHash);
    if (reported !== folder.vkeyHash)
      throw new Error(verifierMismatch({ verifier, reported, expected: folder.vkeyHash }));

    const proposal = modelProposal(deployment.contracts, {
      name,
      weightsMultihash: folder.weightsMultihash,
      vkeyHash: folder.vkeyHash,
      verifier,
      ioSpec: folder.ioSpec,
      minVramMb,
      policyClasses,
      marketParams: market.params,
    });
    const tx = await send(publicClient, walletClient, {
      address: deployment.contracts.governor,
      abi: sovraGovernorAbi,
      functionName: "propose",
      args: [proposal.targets, proposal.values, proposal.calldatas, proposal.description],
    });
    const proposalId = tx.result as bigint;
    say(`proposed: list '${name}' (proposal ${proposalId})`);
    say(`  weights ${folder.manifest.weightsCid} (multihash ${folder.weightsMultihash})`);
    say(`  verifying key hash ${folder.vkeyHash}, verifier ${verifier}`);
    say(`  markets in policy class ${policyClasses.join(", ")}, parameters of market ${likeMarket}`);
    say("voters: check with `npx sovra-model rebuild DIR` (same hashes) and vote on the dApp's Governance page");
    process.stdout.write(
      `${json({
        proposalId: proposalId.toString(),
        modelId,
        verifier,
        weightsCid: folder.manifest.weightsCid,
        weightsMultihash: folder.weightsMultihash,
        vkeyHash: folder.vkeyHash,
        policyClasses,
        description: proposal.description,
        tx: txLink(config, tx.hash),
      })}\n`,
    );
  });

program.parseAsync(process.argv).catch(fail);
