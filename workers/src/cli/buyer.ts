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
  .description("bid for one inference and wait for its verified result (JobSettled)")
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
    const [orderId, matchedJob] = bid.result as readonly [bigint, bigint];
    process.stderr.write(`bid placed: ${txLink(config, bid.hash)} (max ${formatUnits(escrow, decimals)}, order ${orderId}, job ${matchedJob || "pending"})\n`);
    if (!options.wait) {
      process.stdout.write(json({ orderId, jobId: matchedJob, tx: txLink(config, bid.hash), inputHash }) + "\n");
      await prover.close();
      return;
    }
    let jobId = matchedJob;
    let from = bid.blockNumber;
    const receipt = await publicClient.getTransactionReceipt({ hash: bid.hash });
    const matchedNow = parseEventLogs({ abi: spotMarketAbi, eventName: "JobMatched", logs: receipt.logs })[0];
    if (jobId === 0n && matchedNow !== undefined) jobId = matchedNow.args.jobId;
    while (jobId === 0n) {
      const head = await publicClient.getBlockNumber();
      const logs = await publicClient.getContractEvents({ address: market, abi: spotMarketAbi, eventName: "JobMatched", args: { marketId: entry.marketId }, fromBlock: from, toBlock: head, strict: true });
      const mine = logs.find((l) => l.args.bidId === orderId);
      if (mine !== undefined) jobId = mine.args.jobId;
      else {
        from = head + 1n;
        await sleep(1000);
      }
    }
    process.stderr.write(`matched: job ${jobId}; waiting for the provider's proof...\n`);
    for (;;) {
      const head = await publicClient.getBlockNumber();
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
          json({
            jobId,
            predicted: values !== undefined ? argmax(values) : null,
            scores: values ?? null,
            output: packed,
            provider: done.args.provider,
            paid: formatUnits(done.args.providerAmount + done.args.fee, decimals),
            bidTx: txLink(config, bid.hash),
            settleTx: txLink(config, done.transactionHash as Hex),
          }) + "\n",
        );
        break;
      }
      const expired = await publicClient.getContractEvents({ address: market, abi: spotMarketAbi, eventName: "JobExpired", args: { jobId }, fromBlock: bid.blockNumber, toBlock: head, strict: true });
      if (expired[0] !== undefined) throw new Error(`job ${jobId} expired: refunded, provider slashed (tx ${txLink(config, expired[0].transactionHash as Hex)})`);
      const now = (await publicClient.getBlock()).timestamp;
      if (now > deadline) throw new Error(`job ${jobId} passed its deadline unsettled: call expire(${jobId}) on the market (${market as Address}) for a refund`);
      await sleep(1000);
    }
    await prover.close();
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
    process.stdout.write(json({ balance: formatUnits(balance, decimals), tx: txLink(config, tx.hash) }) + "\n");
  });

program.parseAsync(process.argv).catch(fail);
