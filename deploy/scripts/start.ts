// `npm start`: the whole Sovra system on this machine, on embedded defaults. Ctrl-C stops all it started.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { formatUnits } from "viem";
import { deploymentsDir } from "@sovra/contracts/node";
import { localAccount, localRoles } from "../src/accounts.ts";
import { startLocalChain, type LocalChain } from "../src/chain.ts";
import { buildContracts, deploySystem } from "../src/deploy.ts";
import { fundLocalAccounts } from "../src/fund.ts";

const [major, minor] = process.versions.node.split(".").map(Number);
if ((major ?? 0) < 22 || (major === 22 && (minor ?? 0) < 18)) {
  console.error(`Sovra needs Node.js 22.18 or newer (this is ${process.version}).`);
  process.exit(1);
}

const chainPort = Number(process.env.SOVRA_CHAIN_PORT ?? 8545);
const stoppers: Array<() => Promise<void>> = [];
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log("\nstopping…");
    for (const stop of stoppers.reverse()) await stop().catch((error: unknown) => console.error(error));
  }
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

try {
  await step("compiling contracts", buildContracts);
  const chain: LocalChain = await step(`starting the local chain on port ${chainPort}`, () =>
    startLocalChain({ port: chainPort }),
  );
  stoppers.push(() => chain.stop());
  const deployment = await step("deploying the system (Hardhat Ignition)", () => deploySystem({ rpcUrl: chain.rpcUrl }));
  await mkdir(deploymentsDir, { recursive: true });
  const deploymentFile = path.join(deploymentsDir, `${deployment.chainId}.json`);
  await writeFile(deploymentFile, `${JSON.stringify(deployment, null, 2)}\n`);
  const sovEach = 10_000n * 10n ** 18n;
  const accounts = Array.from({ length: 10 }, (_, index) => index);
  await step("funding test accounts (tUSD faucet, SOV, vote delegation)", () =>
    fundLocalAccounts({ rpcUrl: chain.rpcUrl, deployment, accounts, sovEach }),
  );

  console.log(`\nSovra is running on a local chain (id ${deployment.chainId}).`);
  console.log(`  RPC           ${chain.rpcUrl}`);
  console.log(`  deployment    ${path.relative(process.cwd(), deploymentFile)}`);
  console.log("\nContracts");
  for (const [name, address] of Object.entries(deployment.contracts)) console.log(`  ${name.padEnd(20)} ${address}`);
  if (deployment.markets.length === 0) console.log("  (no models registered yet)");
  for (const market of deployment.markets) console.log(`  market ${market.marketId}: ${market.model}, policy class ${market.policyClass}`);
  console.log(`\nTest accounts (public development keys: never use them elsewhere); each has 1,000 tUSD and ${formatUnits(sovEach, 18)} SOV`);
  const roleOf = new Map<number, string>(Object.entries(localRoles).map(([role, index]) => [index, role]));
  for (const index of accounts) {
    const account = localAccount(index);
    const key = account.getHdKey().privateKey;
    const hexKey = key ? Buffer.from(key).toString("hex") : "";
    console.log(`  #${index} ${account.address} 0x${hexKey}${roleOf.has(index) ? `  (${roleOf.get(index)})` : ""}`);
  }
  console.log("\nPress Ctrl-C to stop everything.");
  chain.process.child.once("exit", (code) => {
    if (!stopping) {
      console.error(`the chain stopped unexpectedly (code ${code})`);
      void stopAll(1);
    }
  });
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  await stopAll(1);
}
