// `npm start`: the whole Sovra system on this machine, on embedded defaults: a local chain with everything
// deployed, Redis, a weights gateway, one provider node (staked, registered, asks listed, running) and the dApp.
// Ctrl-C stops everything it started.
// Entered through `launch.js`, which checks the Node version and compiles the contracts first: this module imports
// the generated ABIs (through @sovra/contracts and @sovra/workers), so they must exist before it is loaded.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createConnection } from "node:net";
import path from "node:path";
import { formatUnits } from "viem";
import { z } from "zod";
import { deploymentsDir } from "@sovra/contracts/node";
import { createInputStore, startGateway } from "@sovra/workers";
import { localAccount, localRoles } from "../src/accounts.ts";
import { freePort, startLocalChain } from "../src/chain.ts";
import { deploySystem } from "../src/deploy.ts";
import { attestLocalProvider } from "../src/attest.ts";
import { fundLocalAccounts } from "../src/fund.ts";
import { repoRoot } from "../src/paths.ts";
import { ensureProvingKeys } from "../src/proving-keys.ts";
import { buyerBin, onboardProvider, privateKeyOf, startProviderNode, writeNodeConfig } from "../src/provider.ts";
import { startLocalRedis } from "../src/redis.ts";
import { buildWeb, startWeb, webIsBuilt } from "../src/web.ts";

const port = (name: string, fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(0)
    .max(65_535)
    .parse(process.env[name] ?? fallback);
const settings = {
  chainPort: port("SOVRA_CHAIN_PORT", 8545),
  webPort: port("SOVRA_WEB_PORT", 3000),
  gatewayPort: port("SOVRA_GATEWAY_PORT", 8081),
  metricsPort: port("SOVRA_METRICS_PORT", 9464),
  web: process.env.SOVRA_NO_WEB !== "1" && !process.argv.includes("--no-web"),
  stateDir: path.join(repoRoot, ".sovra"),
};

// Port 0 means "any free port" (tests run the launcher next to other services).
for (const key of ["chainPort", "webPort", "gatewayPort", "metricsPort"] as const) {
  if (settings[key] === 0) settings[key] = await freePort();
}

const stoppers: Array<() => Promise<void>> = [];
let stopping = false;

async function stopAll(code: number): Promise<void> {
  // A terminal's Ctrl-C reaches this process twice (from the terminal and forwarded by npm): the second signal
  // must not cut the first one's shutdown short and leave children running.
  if (stopping) return;
  stopping = true;
  console.log("\nstopping…");
  for (const stop of stoppers.reverse()) await stop().catch((error: unknown) => console.error(error));
  process.exit(code);
}
process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));

const step = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
  const started = Date.now();
  process.stdout.write(`• ${label}… `);
  const result = await work();
  console.log(`done (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return result;
};

/** Polls `ready` until it holds; fails early when `name`'s process exits, or after `timeoutMs` (see `logFile`). */
async function waitUntilReady(
  name: string,
  ready: () => Promise<boolean>,
  child: { once(event: "exit", listener: () => void): unknown },
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const started = Date.now();
  let gone = false;
  child.once("exit", () => (gone = true));
  for (;;) {
    if (await ready()) return;
    if (gone) throw new Error(`${name} stopped before it was ready; see ${logFile}`);
    if (Date.now() - started > timeoutMs)
      throw new Error(`${name} was not ready within ${timeoutMs / 1000} s; see ${logFile}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

const logHas = (file: string, text: string) => async () =>
  (await readFile(file, "utf8").catch(() => "")).includes(text);
const listening = (port: number) => () =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => {
      socket.end();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

try {
  // Logs and configs are per run; the weights cache in the same folder is kept (warm starts).
  await mkdir(settings.stateDir, { recursive: true });
  for (const file of ["provider.log", "web.log"]) await rm(path.join(settings.stateDir, file), { force: true });
  // Started now and awaited before the provider node: on a fresh machine it builds the proving keys of the models
  // kept in the cache (digits_cnn: minutes, once) while the chain and the deploy proceed.
  const provingKeys = ensureProvingKeys();
  provingKeys.catch(() => {}); // awaited, and so reported, below
  const redis = await step("starting Redis", () => startLocalRedis({ url: process.env.REDIS_URL }));
  stoppers.push(() => redis.stop());
  const chain = await step(`starting the local chain on port ${settings.chainPort}`, () =>
    startLocalChain({ port: settings.chainPort }),
  );
  stoppers.push(() => chain.stop());
  // A block every 2 s even when idle: an optimistic result is final only once blocks past its challenge window exist
  // (Hardhat otherwise mines only on transactions, and a quiet local market would never finalize a job).
  await fetch(chain.rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "evm_setIntervalMining", params: [2000] }),
  });
  const deployment = await step("deploying the system (Hardhat Ignition)", () =>
    deploySystem({ rpcUrl: chain.rpcUrl }),
  );
  await mkdir(deploymentsDir, { recursive: true });
  const deploymentFile = path.join(deploymentsDir, `${deployment.chainId}.json`);
  await writeFile(deploymentFile, `${JSON.stringify(deployment, null, 2)}\n`);
  const sovEach = 10_000n * 10n ** 18n;
  const accounts = Array.from({ length: 10 }, (_, index) => index);
  await step("funding test accounts (tUSD faucet, SOV, vote delegation)", () =>
    fundLocalAccounts({ rpcUrl: chain.rpcUrl, deployment, accounts, sovEach }),
  );

  // The same gateway takes buyers' inputs for the optimistic models (POST /ipfs), kept under .sovra/inputs.
  const gateway = await step("serving model weights and buyers' inputs by CID", () =>
    startGateway({
      dir: path.join(repoRoot, "circuits", "models"),
      port: settings.gatewayPort,
      host: "127.0.0.1",
      inputs: {
        store: createInputStore({ dir: path.join(settings.stateDir, "inputs"), maxTotalBytes: 1024 * 1024 * 1024 }),
      },
    }),
  );
  stoppers.push(() => gateway.close());
  const config = await writeNodeConfig({
    file: path.join(settings.stateDir, "node.config.json"),
    rpcUrl: chain.rpcUrl,
    deploymentFile,
    redisUrl: redis.url,
    gatewayUrl: gateway.url,
    cacheDir: path.join(settings.stateDir, "weights"),
    inputGateway: gateway.url,
    models: deployment.models.map((model) => model.name),
    metricsPort: settings.metricsPort,
  });
  const provider = localAccount(localRoles.provider);
  const asks = deployment.models.map((model) => ({ model: model.name, price: "0.05", capacity: 100 }));
  await step("onboarding the provider (benchmark, register, stake, asks)", () =>
    onboardProvider({
      config,
      account: provider,
      reportFile: path.join(settings.stateDir, "benchmark-report.json"),
      // each ask reserves capacity (100) x collateralPerJob (10 SOV); 500 SOV stay free
      stake: String(asks.length * 1_000 + 500),
      asks,
    }),
  );
  // Class 1 markets need GDPR + SOC2: the development attester vouches for the local provider, so they are usable.
  await step("attesting the provider's compliance (development attester: GDPR, SOC2, TEE)", () =>
    attestLocalProvider({
      rpcUrl: chain.rpcUrl,
      deployment,
      provider: provider.address,
      claims: ["GDPR", "SOC2", "TEE"],
      validFor: 365n * 86_400n,
    }),
  );
  const keys = await step(
    "proving keys (a fresh machine builds digits_cnn's once, minutes; then ~/.cache/sovra)",
    () => provingKeys,
  );
  const rebuilt = keys.filter((k) => k.from === "rebuilt").map((k) => k.model);
  if (rebuilt.length > 0) console.log(`  built into the cache: ${rebuilt.join(", ")}`);
  const providerLog = path.join(settings.stateDir, "provider.log");
  const node = startProviderNode(config, provider, providerLog);
  stoppers.push(() => node.stop());
  await step("starting the provider node (models pre-warmed, prover loaded)", () =>
    waitUntilReady("the provider node", logHas(providerLog, "provider node running"), node.child, providerLog, 180_000),
  );

  let webUrl: string | undefined;
  if (settings.web) {
    if (!webIsBuilt()) await step("building the dApp (first start, or its sources changed)", buildWeb);
    const webPort = settings.webPort;
    const webLog = path.join(settings.stateDir, "web.log");
    const web = startWeb({
      port: webPort,
      rpcUrl: chain.rpcUrl,
      deploymentFile,
      logFile: webLog,
      inputGatewayUrl: gateway.url,
    });
    stoppers.push(() => web.stop());
    // The URL is printed once it answers, so that opening it right away works.
    await step(`serving the dApp on port ${webPort}`, () =>
      waitUntilReady("the dApp server", listening(webPort), web.child, webLog, 120_000),
    );
    webUrl = `http://127.0.0.1:${webPort}`;
  }

  const sample = z
    .object({ label: z.number().int(), input: z.array(z.number().int()) })
    .parse(JSON.parse(await readFile(path.join(repoRoot, "circuits", "fixtures", "mlp-proof.json"), "utf8")));
  const digitFile = path.join(settings.stateDir, `digit-${sample.label}.json`);
  await writeFile(digitFile, JSON.stringify(sample.input));

  console.log(`\nSovra is running on a local chain (id ${deployment.chainId}).`);
  console.log(`  RPC           ${chain.rpcUrl}`);
  if (webUrl !== undefined) console.log(`  dApp          ${webUrl}`);
  console.log(`  weights       ${gateway.url}/ipfs/<cid>`);
  console.log(`  metrics       http://127.0.0.1:${settings.metricsPort}/metrics`);
  console.log(`  Redis         ${redis.url}`);
  console.log(`  deployment    ${path.relative(process.cwd(), deploymentFile)}`);
  console.log(`  provider log  ${path.relative(process.cwd(), providerLog)}`);
  console.log("\nContracts");
  for (const [name, address] of Object.entries(deployment.contracts)) console.log(`  ${name.padEnd(20)} ${address}`);
  console.log("\nModels and markets");
  const nameWidth = Math.max(6, ...deployment.models.map((model) => model.name.length));
  for (const model of deployment.models)
    console.log(`  ${model.name.padEnd(nameWidth)} ${model.weightsCid}  verifier ${model.verifier}`);
  for (const market of deployment.markets)
    console.log(`  market ${market.marketId}: ${market.model}, policy class ${market.policyClass}`);
  console.log(
    `\nTest accounts (public development keys: never use them elsewhere); each has 1,000 tUSD and ${formatUnits(sovEach, 18)} SOV`,
  );
  const roleOf = new Map<number, string>(Object.entries(localRoles).map(([role, index]) => [index, role]));
  for (const index of accounts) {
    const account = localAccount(index);
    console.log(
      `  #${index} ${account.address} ${privateKeyOf(account)}${roleOf.has(index) ? `  (${roleOf.get(index)})` : ""}`,
    );
  }
  const buyerKey = privateKeyOf(localAccount(localRoles.buyer));
  if (webUrl !== undefined) {
    console.log(
      `\nIn the dApp: add the network (RPC ${chain.rpcUrl}, chain id ${deployment.chainId}) to a browser wallet and import the` +
        ` buyer's key (#${localRoles.buyer}) to buy, the provider's (#${localRoles.provider}) to see its node's jobs, or any other to start fresh:`,
    );
    console.log(`  ${buyerKey}`);
  }
  console.log("\nBuy a verified inference (a held-out MNIST digit; prints the predicted digit and the transactions):");
  console.log(
    `  SOVRA_PRIVATE_KEY=${buyerKey} node ${path.relative(process.cwd(), buyerBin)} --config ${path.relative(process.cwd(), config)} bid --model mlp --input ${path.relative(process.cwd(), digitFile)} --max-price 0.05`,
  );
  const cli = `SOVRA_PRIVATE_KEY=${buyerKey} node ${path.relative(process.cwd(), buyerBin)} --config ${path.relative(process.cwd(), config)}`;
  console.log(
    "\nBuy text recognition on the optimistic tier (PP-OCRv4; the text prints at commit, provisional, and again when final after the 300 s challenge window; --verify re-executes it here and challenges a wrong one):",
  );
  console.log(
    `  ${cli} bid --model ocr --input ${path.relative(process.cwd(), path.join(repoRoot, "deploy", "assets", "page.png"))} --max-price 0.05 --verify`,
  );
  console.log("Speech activity (Silero VAD, a 16 kHz mono WAV):");
  console.log(
    `  ${cli} bid --model vad --input ${path.relative(process.cwd(), path.join(repoRoot, "workers", "test", "fixtures", "speech", "front-center.wav"))} --max-price 0.05`,
  );
  console.log("\nPress Ctrl-C to stop everything.");
  const watch = (
    name: string,
    child: { once(event: "exit", listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown },
  ) =>
    child.once("exit", (code, signal) => {
      if (stopping) return;
      // A terminal's Ctrl-C reaches every process of the foreground group: a child may see it before this process.
      if (signal === "SIGINT" || code === 130) return void stopAll(0);
      console.error(`${name} stopped unexpectedly (${signal ?? `code ${code}`})`);
      void stopAll(1);
    });
  watch("the chain", chain.process.child);
  watch("the provider node", node.child);
} catch (error) {
  console.error(`\n${error instanceof Error ? error.message : String(error)}`);
  await stopAll(1);
}
