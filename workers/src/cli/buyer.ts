import { Command } from "commander";
import { formatUnits, parseEventLogs, parseUnits, type Address, type Hex } from "viem";
import { erc20PermitAbi, spotMarketAbi, testStablecoinAbi } from "../chain/abis.ts";
import { deploymentFor, loadAccount, publicClientFor, txLink, walletClientFor } from "../chain/context.ts";
import { readMnistInputFile } from "../image.ts";
import { argmax, encodeMnistInput } from "../input.ts";
import { loadCircuitsProver } from "../prover.ts";
import { configFrom, fail, json, promptHidden, send, type GlobalOptions } from "./common.ts";

const program = new Command("sovra")
  .description("Sovra buyer CLI: buy one verified inference on the Sovra market")
  .option("-c, --config <file>", "config file (default ./sovra.config.json, or SOVRA_CONFIG)")
  .option("--rpc-url <url>", "JSON-RPC endpoint")
  .option("--chain-id <id>", "chain id")
  .option("--keystore <file>", "buyer keystore (else SOVRA_PRIVATE_KEY on the local chain)")
  .option("--password-file <file>", "file holding the keystore password")
  .showHelpAfterError();

async function context() {
  const options = program.opts<GlobalOptions & { keystore?: string; passwordFile?: string }>();
  const config = configFrom(options);
  const deployment = await deploymentFor(config);
  const account = await loadAccount(
    { chainId: config.chainId, keystore: options.keystore ?? config.keystore },
    { prompt: promptHidden, ...(options.passwordFile !== undefined ? { passwordFile: options.passwordFile } : {}) },
  );
  return { config, deployment, account, publicClient: publicClientFor(config), walletClient: walletClientFor(config, account) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

program
  .command("bid")
  .description("bid for one inference and wait for its verified result: the bid's order id is the job id (JobSettled, or JobExpired)")
  .option("-m, --model <name>", "model", "mlp")
  .requiredOption("-i, --input <file>", "input: a PNG of a digit, or JSON with 784 pixels 0..255")
  .requiredOption("-p, --max-price <amount>", "most you pay, in the payment token (e.g. 0.05)")
  .option("--deadline <seconds>", "seconds the provider gets to deliver", "600")
  .option("--no-wait", "return after the bid is placed")
  .action(async (options: { model: string; input: string; maxPrice: string; deadline: string; wait: boolean }) => {
    const { config, deployment, account, publicClient, walletClient } = await context();
    const entry = deployment.markets.find((m) => m.model === options.model);
    if (entry === undefined) throw new Error(`no market for model '${options.model}' (markets: ${deployment.markets.map((m) => m.model).join(", ") || "none"})`);
    const market = deployment.contracts.spotMarket;
    const token = deployment.contracts.paymentToken;
    const pixels = readMnistInputFile(options.input);
    const inputRef = encodeMnistInput(pixels);
    const prover = await loadCircuitsProver();
    const inputHash = await prover.inputHash(options.model, pixels);
    const info = await publicClient.readContract({ address: market, abi: spotMarketAbi, functionName: "marketOf", args: [entry.marketId] });
    const decimals = await publicClient.readContract({ address: token, abi: erc20PermitAbi, functionName: "decimals" });
    const maxTick = parseUnits(options.maxPrice, decimals) / info.params.tickSize;
    if (maxTick < 1n || maxTick > 65_535n) throw new Error(`max price must be between 1 and 65535 ticks of ${formatUnits(info.params.tickSize, decimals)}`);
    const escrow = maxTick * info.params.tickSize;
    const allowance = await publicClient.readContract({ address: token, abi: erc20PermitAbi, functionName: "allowance", args: [account.address, market] });
    if (allowance < escrow) await send(publicClient, walletClient, { address: token, abi: erc20PermitAbi, functionName: "approve", args: [market, escrow] });
    const block = await publicClient.getBlock();
    const deadline = block.timestamp + BigInt(options.deadline);
    const bid = await send(publicClient, walletClient, {
      address: market,
      abi: spotMarketAbi,
      functionName: "placeBid",
      args: [entry.marketId, Number(maxTick), inputHash, inputRef, deadline, false],
    });
    // The ids come from the mined transaction's events, not from the simulation: another bid landing in between
    // would shift the simulated ids.
    const receipt = await publicClient.getTransactionReceipt({ hash: bid.hash });
    const placed = parseEventLogs({ abi: spotMarketAbi, eventName: "BidPlaced", logs: receipt.logs }).find((l) => l.address.toLowerCase() === market.toLowerCase());
    const orderId = placed?.args.orderId ?? 0n;
    const matchedJob = parseEventLogs({ abi: spotMarketAbi, eventName: "JobMatched", logs: receipt.logs }).some((l) => l.args.jobId === orderId && orderId !== 0n) ? orderId : 0n;
    process.stderr.write(`bid placed: ${txLink(config, bid.hash)} (max ${formatUnits(escrow, decimals)}, order ${orderId}, job ${matchedJob || "pending"})\n`);
    if (!options.wait) {
      process.stdout.write(`${json({ orderId, jobId: matchedJob, tx: txLink(config, bid.hash), inputHash })}\n`);
      await prover.close();
      return;
    }
    // A job's id is its bid's order id: a bid that matched on arrival returned it as `jobId`; a resting bid
    // becomes job `orderId` when an arriving ask fills it (JobMatched with jobId == orderId).
    const jobId = orderId;
    if (orderId === 0n) throw new Error(`bid not placed (stale asks were swept first): place it again (tx ${txLink(config, bid.hash)})`);
    if (matchedJob === 0n) process.stderr.write(`bid ${orderId} rests in the book; waiting for a provider's ask to match it...\n`);
    let matched = matchedJob !== 0n;
    let announced = false;
    for (;;) {
      const head = await publicClient.getBlockNumber();
      if (!matched) {
        const logs = await publicClient.getContractEvents({ address: market, abi: spotMarketAbi, eventName: "JobMatched", args: { jobId }, fromBlock: bid.blockNumber, toBlock: head, strict: true });
        matched = logs.length > 0;
      }
      if (matched && !announced) {
        process.stderr.write(`matched: job ${jobId}; waiting for the provider's proof...\n`);
        announced = true;
      }
      const settled = await publicClient.getContractEvents({ address: market, abi: spotMarketAbi, eventName: "JobSettled", args: { jobId }, fromBlock: bid.blockNumber, toBlock: head, strict: true });
      const done = settled[0];
      if (done !== undefined) {
        const packed = [...done.args.output];
        let values: number[] | undefined;
        try {
          values = await prover.decodeOutput?.(options.model, packed);
        } catch {
          values = undefined;
        }
        process.stdout.write(
          `${json({
            jobId,
            predicted: values !== undefined ? argmax(values) : null,
            scores: values ?? null,
            output: packed,
            provider: done.args.provider,
            paid: formatUnits(done.args.providerAmount + done.args.fee, decimals),
            bidTx: txLink(config, bid.hash),
            settleTx: txLink(config, done.transactionHash as Hex),
          })}\n`,
        );
        break;
      }
      const expired = await publicClient.getContractEvents({ address: market, abi: spotMarketAbi, eventName: "JobExpired", args: { jobId }, fromBlock: bid.blockNumber, toBlock: head, strict: true });
      if (expired[0] !== undefined) throw new Error(
          `job ${jobId} expired (tx ${txLink(config, expired[0].transactionHash as Hex)}): the market owes you the price back plus your share of the provider's slashed collateral; \`sovra withdraw\` pays it out`,
        );
      const now = (await publicClient.getBlock()).timestamp;
      if (now > deadline) {
        throw new Error(
          matched
            ? `job ${jobId} passed its deadline unsettled: anyone may call expire(${jobId}, terms) on the market (${market as Address}) to refund you and slash the provider`
            : `bid ${orderId} passed its deadline unmatched: cancel it (cancelOrder) on the market (${market as Address}) to get the escrow back`,
        );
      }
      await sleep(1000);
    }
    await prover.close();
  });

program
  .command("withdraw")
  .description("withdraw what the market owes you (refunds of expired jobs and cancelled bids, slashing shares)")
  .option("--to <address>", "recipient (default: your address)")
  .action(async (options: { to?: string }) => {
    const { config, deployment, account, publicClient, walletClient } = await context();
    const market = deployment.contracts.spotMarket;
    const owed = await publicClient.readContract({ address: market, abi: spotMarketAbi, functionName: "owed", args: [account.address] });
    if (owed === 0n) throw new Error(`the market owes ${account.address} nothing`);
    const to = (options.to ?? account.address) as Address;
    const tx = await send(publicClient, walletClient, { address: market, abi: spotMarketAbi, functionName: "withdraw", args: [to] });
    const decimals = await publicClient.readContract({ address: deployment.contracts.paymentToken, abi: erc20PermitAbi, functionName: "decimals" });
    process.stdout.write(`${json({ withdrawn: formatUnits(owed, decimals), to, tx: txLink(config, tx.hash) })}\n`);
  });

program
  .command("faucet")
  .description("get test payment tokens (local chain's test stablecoin)")
  .action(async () => {
    const { config, deployment, account, publicClient, walletClient } = await context();
    const token = deployment.contracts.paymentToken;
    const tx = await send(publicClient, walletClient, { address: token, abi: testStablecoinAbi, functionName: "faucet", args: [] });
    const balance = await publicClient.readContract({ address: token, abi: erc20PermitAbi, functionName: "balanceOf", args: [account.address] });
    const decimals = await publicClient.readContract({ address: token, abi: erc20PermitAbi, functionName: "decimals" });
    process.stdout.write(`${json({ balance: formatUnits(balance, decimals), tx: txLink(config, tx.hash) })}\n`);
  });

program.parseAsync(process.argv).catch(fail);
