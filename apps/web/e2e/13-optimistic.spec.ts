// The optimistic tier in the browser, on the real chain and the real input gateway. The `ocr` model (deploy registers
// it with an OptimisticSettlement of its own) is bought from the Buy page: a PNG uploaded through the dApp's route to
// the gateway, the bid committing to its sha2-256 and naming the gateway. The job's provider is an account of this
// flow (its ask undercuts the node's), and its commits are real transactions sent with viem from the test, so the
// job view is driven through committed -> challenge-window countdown -> audit draw -> final -> Finalize, and a wrong
// commit through a challenge on the Disputes page, a committee's votes, overturned, expired and refunded.
// Chain time is moved with evm_increaseTime; nothing waits for a window to pass.
import { Buffer } from "node:buffer";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  keccak256,
  parseEventLogs,
  toHex,
} from "viem";
import { hardhat } from "viem/chains";
import { cidOf } from "@sovra/circuits/io/cid";
import {
  jobTermsFromEvents,
  optimisticSettlementAbi,
  outputHashOf,
  providerRegistryAbi,
  sovraTokenAbi,
  spotMarketAbi,
  testStablecoinAbi,
  voteHash,
} from "@sovra/contracts";
import { localAccount } from "@sovra/deploy";
import { decodeCidInputRef } from "../../../workers/src/inputs/ref.ts";
import { inputCommitment } from "../../../workers/src/optimistic/canonical.ts";
import { renderTextPng, speechAudio, speechClip } from "../../../workers/test/optimistic-fixtures.ts";
import { decodeOptimisticOutput, describeSegments, wordsOfBytes } from "../src/lib/optimistic.ts";
import { chainNow, increaseTime, mine, paymentBalance } from "./chain.ts";
import { expect, expectConfirmed, test } from "./fixtures.ts";

// Hardhat development accounts no other flow uses.
const buyer = localAccount(17);
const provider = localAccount(12);
const challenger = localAccount(13);
const voters = [localAccount(14), localAccount(15), localAccount(16)];

const encoder = new TextEncoder();

test.describe.configure({ mode: "serial" });

function chainClients(rpcUrl: string) {
  const transport = http(rpcUrl);
  const client = createPublicClient({ chain: hardhat, transport });
  /** Sends a transaction as `account` (signed here) and fails the flow when it reverts. */
  async function send(
    account: ReturnType<typeof localAccount>,
    request: Parameters<ReturnType<typeof createWalletClient>["writeContract"]>[0],
  ) {
    const wallet = createWalletClient({ chain: hardhat, transport, account });
    const hash = await wallet.writeContract({ ...request, account, chain: hardhat } as never);
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${String(request.functionName)} reverted in ${hash}`);
    return receipt;
  }
  return { client, send };
}

test("an OCR job: upload, bid, committed, countdown, audit draw, final, Finalize", async ({ page, app }) => {
  test.setTimeout(240_000);
  const { deployment, rpcUrl, gatewayUrl } = app.state;
  const ocr = deployment.models.find((model) => model.name === "ocr");
  const market = deployment.markets.find((entry) => entry.model === "ocr" && entry.policyClass === 0);
  if (!ocr || !market) throw new Error("the deployment has no ocr model with an open market");
  const settlement = ocr.verifier;
  const { client, send } = chainClients(rpcUrl);
  const { contracts } = deployment;

  // The flow's provider: registered, staked, an ask at 0.03 (the node asks 0.05, so this one is the best ask).
  await send(localAccount(0), {
    address: contracts.sovraToken,
    abi: sovraTokenAbi,
    functionName: "transfer",
    args: [provider.address, 3_000n * 10n ** 18n],
  } as never);
  await send(provider, {
    address: contracts.providerRegistry,
    abi: providerRegistryAbi,
    functionName: "register",
    args: [
      {
        gpuModel: "cpu",
        vramMb: 1_024,
        throughputMilliOpsPerSec: 1_000n,
        region: "local",
        benchmarkReport: keccak256("0x01"),
      },
    ],
  } as never);
  await send(provider, {
    address: contracts.sovraToken,
    abi: sovraTokenAbi,
    functionName: "approve",
    args: [contracts.providerRegistry, 2_000n * 10n ** 18n],
  } as never);
  await send(provider, {
    address: contracts.providerRegistry,
    abi: providerRegistryAbi,
    functionName: "stake",
    args: [2_000n * 10n ** 18n],
  } as never);
  const now = await chainNow(rpcUrl);
  await send(provider, {
    address: contracts.spotMarket,
    abi: spotMarketAbi,
    functionName: "placeAsk",
    args: [market.marketId, 30, 10, now + 86_400n],
  } as never);
  await send(buyer, { address: contracts.paymentToken, abi: testStablecoinAbi, functionName: "faucet" } as never);

  // The Buy page: the model's input is a PNG upload, stored on the gateway under its CID.
  const answer = "Sovra reads\nthis page";
  const png = renderTextPng(answer.split("\n"));
  await app.useWallet(buyer.address);
  await app.goto(`/buy?market=${market.marketId}`);
  await app.connect();
  const input = page.getByTestId("optimistic-input");
  await input.getByLabel("Image to read (PNG)").setInputFiles({ name: "page.png", mimeType: "image/png", buffer: png });
  await expect(page.getByTestId("input-cid")).toHaveText(cidOf(png));
  await expect(page.getByTestId("cost-price")).toHaveText("0.03 tUSD");
  await expect(page.getByTestId("cost-charged")).toHaveText("0.03 tUSD");
  await app.screenshot("buy-ocr-cost-before-signing");
  const before = await paymentBalance(app.state, buyer.address);
  await page.getByRole("button", { name: "Place bid" }).click();
  await expectConfirmed(page, "Bid (with permit)");
  const tracker = page.getByTestId("job-tracker");
  await expect(tracker).toHaveAttribute("data-job-state", "working");
  expect(before - (await paymentBalance(app.state, buyer.address))).toBe(30_000n);

  // On chain: the bid commits to the PNG's sha2-256 (top 3 bits cleared) and names the gateway, which serves it.
  const jobId = BigInt(new URL(page.url()).searchParams.get("job") ?? "0");
  const [placed] = await client.getContractEvents({
    address: contracts.spotMarket,
    abi: spotMarketAbi,
    eventName: "BidPlaced",
    args: { orderId: jobId },
    fromBlock: 0n,
    strict: true,
  });
  const [matched] = await client.getContractEvents({
    address: contracts.spotMarket,
    abi: spotMarketAbi,
    eventName: "JobMatched",
    args: { jobId },
    fromBlock: 0n,
    strict: true,
  });
  if (!placed || !matched) throw new Error(`job ${jobId} has no BidPlaced / JobMatched`);
  expect(matched.args.provider).toBe(provider.address);
  expect(placed.args.inputHash).toBe(inputCommitment(png).field);
  expect(decodeCidInputRef(placed.args.inputRef)).toEqual({
    cid: cidOf(png),
    mediaType: "image/png",
    urls: [gatewayUrl],
  });
  const served = await fetch(`${gatewayUrl}/ipfs/${cidOf(png)}`);
  expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);

  // The provider commits its answer: the buyer sees it at once, provisional, with the window counting down.
  const terms = jobTermsFromEvents(placed.args, matched.args);
  const committed = await send(provider, {
    address: settlement,
    abi: optimisticSettlementAbi,
    functionName: "commit",
    args: [jobId, terms, wordsOfBytes(encoder.encode(answer))],
  } as never);
  const [commitLog] = parseEventLogs({
    abi: optimisticSettlementAbi,
    logs: committed.logs,
    eventName: "ResultCommitted",
  });
  if (!commitLog) throw new Error("no ResultCommitted");
  const commitment = commitLog.args.commitment;
  await expect(tracker).toHaveAttribute("data-job-state", "window");
  await expect(page.getByTestId("output-text")).toHaveText(answer);
  await expect(page.getByTestId("job-output")).toContainText("Output (provisional)");
  await expect(page.getByTestId("step-window")).toContainText("closes in");

  // The audit draw (the hash of the block after the commit): no auditor is bonded for ocr here, so it clears.
  await mine(rpcUrl, 1);
  await send(provider, {
    address: settlement,
    abi: optimisticSettlementAbi,
    functionName: "drawAudit",
    args: [jobId, commitment],
  } as never);
  await expect(page.getByTestId("step-audit")).toHaveAttribute("data-audit", "unaudited");
  await app.screenshot("buy-ocr-committed");

  // Past finalAt (chain time): final; the buyer finalizes (anyone may) and the provider is paid through the market.
  await increaseTime(rpcUrl, Number(commitment.finalAt - commitment.committedAt) + 1);
  await expect(tracker).toHaveAttribute("data-job-state", "final");
  await page.getByRole("button", { name: "Finalize" }).click();
  await expectConfirmed(page, "Finalize");
  await expect(tracker).toHaveAttribute("data-job-state", "settled");
  await expect(page.getByTestId("job-output")).toContainText("Output (final)");
  await expect(page.getByTestId("output-text")).toHaveText(answer);
  const [settled] = await client.getContractEvents({
    address: contracts.spotMarket,
    abi: spotMarketAbi,
    eventName: "JobSettled",
    args: { jobId },
    fromBlock: 0n,
    strict: true,
  });
  expect(settled?.args.provider).toBe(provider.address);
  expect(settled?.args.output).toEqual(wordsOfBytes(encoder.encode(answer)));
  await app.screenshot("buy-ocr-final");

  // The Models page prints the tier's incentive defaults for ocr.
  await app.goto("/models");
  const incentives = page.getByRole("region", { name: /^ocr \(/ }).getByTestId("incentives");
  await expect(incentives.getByTestId("incentive-audit-probability-p")).toHaveText("10%");
  await expect(incentives.getByTestId("incentive-collateral-per-job-s")).toHaveText("10 SOV");
  await expect(incentives.getByTestId("incentive-deterrent-p-s")).toHaveText("1 SOV");
  await expect(incentives.getByTestId("incentive-challenge-bond")).toHaveText("1 tUSD");
  await expect(incentives.getByTestId("incentive-rule")).toContainText("p·S > C");
  await incentives.scrollIntoViewIfNeeded();
  await app.screenshot("models-optimistic-incentives");
});

test("a wrong commit challenged on the Disputes page, overturned by the committee, the buyer refunded", async ({
  page,
  app,
}) => {
  test.setTimeout(240_000);
  const { deployment, rpcUrl, baseUrl } = app.state;
  const ocr = deployment.models.find((model) => model.name === "ocr");
  const market = deployment.markets.find((entry) => entry.model === "ocr" && entry.policyClass === 0);
  if (!ocr || !market) throw new Error("the deployment has no ocr model with an open market");
  const settlement = ocr.verifier;
  const { client, send } = chainClients(rpcUrl);
  const { contracts } = deployment;
  const params = await client.readContract({
    address: settlement,
    abi: optimisticSettlementAbi,
    functionName: "paramsAt",
    args: [
      await client.readContract({ address: settlement, abi: optimisticSettlementAbi, functionName: "currentEpoch" }),
    ],
  });

  // Three auditors bonded for ocr: the committee a dispute draws from.
  for (const voter of voters) {
    await send(localAccount(0), {
      address: contracts.sovraToken,
      abi: sovraTokenAbi,
      functionName: "transfer",
      args: [voter.address, params.minAuditorBond],
    } as never);
    await send(voter, {
      address: contracts.providerRegistry,
      abi: providerRegistryAbi,
      functionName: "register",
      args: [
        {
          gpuModel: "cpu",
          vramMb: 1_024,
          throughputMilliOpsPerSec: 1_000n,
          region: "local",
          benchmarkReport: keccak256("0x02"),
        },
      ],
    } as never);
    await send(voter, {
      address: contracts.sovraToken,
      abi: sovraTokenAbi,
      functionName: "approve",
      args: [settlement, params.minAuditorBond],
    } as never);
    await send(voter, {
      address: settlement,
      abi: optimisticSettlementAbi,
      functionName: "bondAuditor",
      args: [ocr.modelId, params.minAuditorBond],
    } as never);
  }

  // A job set up from the node side (the route the Buy page uses stores its input), matched to this flow's
  // provider (its ask from the first test), and a wrong answer committed.
  const upload = await fetch(`${baseUrl}/api/optimistic-input`, {
    method: "POST",
    headers: { "content-type": "image/png" },
    body: new Blob([new Uint8Array(renderTextPng(["Sovra reads this page"]))]),
  });
  expect(upload.status).toBe(200);
  const { inputHash, inputRef } = (await upload.json()) as { inputHash: string; inputRef: Hex };
  const info = await client.readContract({
    address: contracts.spotMarket,
    abi: spotMarketAbi,
    functionName: "marketOf",
    args: [market.marketId],
  });
  await send(buyer, {
    address: contracts.paymentToken,
    abi: testStablecoinAbi,
    functionName: "approve",
    args: [contracts.spotMarket, 30n * info.params.tickSize],
  } as never);
  const deadline = (await chainNow(rpcUrl)) + BigInt(info.params.minJobWindow + 120);
  const bid = await send(buyer, {
    address: contracts.spotMarket,
    abi: spotMarketAbi,
    functionName: "placeBid",
    args: [market.marketId, 30, BigInt(inputHash), inputRef, deadline, false],
  } as never);
  const [placed] = parseEventLogs({ abi: spotMarketAbi, logs: bid.logs, eventName: "BidPlaced" });
  const [matched] = parseEventLogs({ abi: spotMarketAbi, logs: bid.logs, eventName: "JobMatched" });
  if (!placed || !matched) throw new Error("the bid did not match the flow's ask");
  expect(matched.args.provider).toBe(provider.address);
  const jobId = matched.args.jobId;
  const wrong = "Sovra reads tihs page";
  const right = "Sovra reads this page";
  const committed = await send(provider, {
    address: settlement,
    abi: optimisticSettlementAbi,
    functionName: "commit",
    args: [jobId, jobTermsFromEvents(placed.args, matched.args), wordsOfBytes(encoder.encode(wrong))],
  } as never);
  const [commitLog] = parseEventLogs({
    abi: optimisticSettlementAbi,
    logs: committed.logs,
    eventName: "ResultCommitted",
  });
  if (!commitLog) throw new Error("no ResultCommitted");

  // The challenger reads the committed text on the Disputes page, enters its own, and deposits the bond.
  await send(challenger, { address: contracts.paymentToken, abi: testStablecoinAbi, functionName: "faucet" } as never);
  await app.useWallet(challenger.address);
  await app.goto("/disputes");
  await app.connect();
  const form = page.getByTestId("challenge-form");
  await form.getByLabel("Committed result").selectOption({ label: `#${jobId} (ocr)` });
  await expect(form.getByTestId("challenge-committed")).toContainText(wrong);
  await expect(form.getByTestId("challenge-bond")).toContainText("Bond: 1 tUSD");
  await form.getByLabel("Your result").fill(wrong);
  await expect(form.getByTestId("challenge-problem")).toContainText("the committed result itself");
  await form.getByLabel("Your result").fill(right);
  await form.getByRole("button", { name: "Challenge with 1 tUSD" }).click();
  await expectConfirmed(page, "Challenge");
  const row = page.getByTestId(`dispute-${jobId}`);
  await expect(row).toContainText(challenger.address.slice(0, 6));
  await expect(row).toContainText("1 tUSD");
  await expect(row.getByTestId("dispute-outcome")).toContainText("open");
  const [opened] = await client.getContractEvents({
    address: settlement,
    abi: optimisticSettlementAbi,
    eventName: "DisputeOpened",
    args: { jobId },
    fromBlock: 0n,
    strict: true,
  });
  const rightHash = outputHashOf(wordsOfBytes(encoder.encode(right)));
  expect(opened?.args.challenger).toBe(challenger.address);
  expect(opened?.args.challengerOutputHash).toBe(rightHash);

  // The committee (the three bonded auditors) is drawn, re-executes and votes against the commit: overturned.
  await mine(rpcUrl, 1);
  const drawn = await send(challenger, {
    address: settlement,
    abi: optimisticSettlementAbi,
    functionName: "drawCommittee",
    args: [jobId],
  } as never);
  const [committee] = parseEventLogs({ abi: optimisticSettlementAbi, logs: drawn.logs, eventName: "CommitteeDrawn" });
  expect(new Set(committee?.args.committee)).toEqual(new Set(voters.map((voter) => voter.address)));
  const salt = (i: number): Hex => toHex(i + 1, { size: 32 });
  for (const [i, voter] of voters.entries())
    await send(voter, {
      address: settlement,
      abi: optimisticSettlementAbi,
      functionName: "voteCommit",
      args: [jobId, voteHash(jobId, false, rightHash, salt(i), voter.address as Address)],
    } as never);
  await increaseTime(rpcUrl, params.auditWindow + 1);
  for (const [i, voter] of voters.entries())
    await send(voter, {
      address: settlement,
      abi: optimisticSettlementAbi,
      functionName: "voteReveal",
      args: [jobId, false, rightHash, salt(i)],
    } as never);
  await increaseTime(rpcUrl, params.revealWindow + 1);
  await send(challenger, {
    address: settlement,
    abi: optimisticSettlementAbi,
    functionName: "resolve",
    args: [jobId],
  } as never);
  await expect(row.getByTestId("dispute-outcome")).toContainText("overturned");
  await expect(row).toContainText("3 of 3 (0 upheld, 3 overturned)");
  await app.screenshot("disputes-overturned");

  // The job's view: overturned, never paid; after the deadline anyone expires it: the buyer is refunded.
  await app.goto(`/buy?market=${market.marketId}&job=${jobId}`);
  // The wallet connected on the Disputes page reconnects on the next page.
  await expect(page.getByTestId("connected-address")).toBeVisible();
  const tracker = page.getByTestId("job-tracker");
  await expect(tracker).toHaveAttribute("data-job-state", "overturned");
  await expect(page.getByTestId("job-output")).toContainText("Output (overturned: not the answer)");
  const owedBefore = await client.readContract({
    address: contracts.spotMarket,
    abi: spotMarketAbi,
    functionName: "owed",
    args: [buyer.address],
  });
  await increaseTime(rpcUrl, Number(deadline - (await chainNow(rpcUrl))) + 1);
  await page.getByRole("button", { name: "Expire job and refund" }).click();
  await expectConfirmed(page, "Expire job");
  await expect(tracker).toHaveAttribute("data-job-state", "refunded");
  await expect(page.getByTestId("step-final")).toContainText("your payment was refunded and the provider slashed");
  const owedAfter = await client.readContract({
    address: contracts.spotMarket,
    abi: spotMarketAbi,
    functionName: "owed",
    args: [buyer.address],
  });
  expect(owedAfter - owedBefore).toBe(matched.args.price);
  await app.screenshot("buy-ocr-overturned");

  // Leave ocr as the node found it: the auditors stop being drawn, the flow's provider withdraws its ask.
  for (const voter of voters)
    await send(voter, {
      address: settlement,
      abi: optimisticSettlementAbi,
      functionName: "exitAuditor",
      args: [ocr.modelId],
    } as never);
  const asks = await client.getContractEvents({
    address: contracts.spotMarket,
    abi: spotMarketAbi,
    eventName: "AskPlaced",
    args: { provider: provider.address },
    fromBlock: 0n,
    strict: true,
  });
  for (const ask of asks)
    await send(provider, {
      address: contracts.spotMarket,
      abi: spotMarketAbi,
      functionName: "cancelOrder",
      args: [ask.args.orderId],
    } as never);
});

/**
 * Bought from the provider node (its asks at 0.05; no other ask and no auditor on these models): the node fetches
 * the input by CID, runs the real model, commits, and finalizes after the window. The expected answers come from the
 * inputs themselves: the text rendered into the image, the places the recorded words were put in the audio.
 */
test("OCR and VAD bought from the provider node: the real models' answers, committed then final", async ({
  page,
  app,
}) => {
  test.setTimeout(300_000);
  const { deployment, rpcUrl } = app.state;
  const { client } = chainClients(rpcUrl);
  const node = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  const sentence = ["Sovra verifies inference on-chain.", "Price 42 tUSD, deadline 17:30"];
  const { wav, placement } = speechAudio([1000, speechClip("front-center"), 1500, speechClip("rear-right"), 700]);
  await app.useWallet(buyer.address);
  for (const [index, job] of [
    {
      model: "ocr",
      label: "Image to read (PNG)",
      file: { name: "sentence.png", mimeType: "image/png", buffer: renderTextPng(sentence) },
    },
    { model: "vad", label: "Recording (WAV)", file: { name: "speech.wav", mimeType: "audio/wav", buffer: wav } },
  ].entries()) {
    const market = deployment.markets.find((entry) => entry.model === job.model && entry.policyClass === 0);
    const model = deployment.models.find((entry) => entry.name === job.model);
    if (!market || !model) throw new Error(`the deployment has no ${job.model} model with an open market`);
    await app.goto(`/buy?market=${market.marketId}`);
    // Connected once; the wallet reconnects on every later page.
    if (index === 0) await app.connect();
    else await expect(page.getByTestId("connected-address")).toBeVisible();
    await page.getByTestId("optimistic-input").getByLabel(job.label).setInputFiles(job.file);
    await expect(page.getByTestId("input-cid")).toHaveText(cidOf(job.file.buffer));
    await expect(page.getByTestId("cost-charged")).toHaveText("0.05 tUSD");
    await page.getByRole("button", { name: "Place bid" }).click();
    await expectConfirmed(page, "Bid (with permit)");
    const tracker = page.getByTestId("job-tracker");
    await expect(tracker).toHaveAttribute("data-job-state", "window", { timeout: 120_000 });
    const jobId = BigInt(new URL(page.url()).searchParams.get("job") ?? "0");
    const [commit] = await client.getContractEvents({
      address: model.verifier,
      abi: optimisticSettlementAbi,
      eventName: "ResultCommitted",
      args: { jobId },
      fromBlock: 0n,
      strict: true,
    });
    if (!commit) throw new Error(`job ${jobId} has no commit`);
    expect(commit.args.provider).toBe(node);
    if (job.model === "ocr") {
      await expect(page.getByTestId("output-text")).toHaveText(sentence.join("\n"));
    } else {
      // Every committed segment lies in a recorded word (give or take the 30 ms pad and one 32 ms window) and each
      // word holds speech; the page draws the same segments.
      const decoded = decodeOptimisticOutput("segments", commit.args.output);
      if (decoded.kind !== "segments") throw new Error("the VAD commit is not segments");
      expect(decoded.segments.length).toBeGreaterThanOrEqual(placement.length);
      for (const [start, end] of decoded.segments)
        expect(placement.some((p) => start >= p.startMs - 62 && end <= p.endMs + 62)).toBe(true);
      for (const p of placement) expect(decoded.segments.some(([s, e]) => s < p.endMs && e > p.startMs)).toBe(true);
      await expect(page.getByTestId("output-segments")).toContainText(describeSegments(decoded.segments));
      await app.screenshot("buy-vad-committed");
    }
    // Past the window the node finalizes its own job; the page shows it final and paid. The audit draw reads the
    // hash of the block after the commit, so the chain moves on a block first (a quiet local chain mines none).
    await mine(rpcUrl, 1);
    await increaseTime(rpcUrl, Number(commit.args.commitment.finalAt - commit.args.commitment.committedAt) + 1);
    await expect(tracker).toHaveAttribute("data-job-state", "settled", { timeout: 120_000 });
    await expect(page.getByTestId("job-output")).toContainText("Output (final)");
    if (job.model === "ocr") await app.screenshot("buy-ocr-node-final");
  }
});
