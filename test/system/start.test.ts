// `npm start` as a new user runs it: the launcher comes up, prints the system's addresses, those addresses answer
// plain viem calls, governance holds every role, the bid command it prints returns a verified result from the
// provider node it started, and Ctrl-C stops everything the launcher started. (The dApp is left out here: the
// browser suite in apps/web serves and drives it.)
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createConnection } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, createTestClient, http, type Address } from "viem";
import {
  accessManagerAbi,
  attestationRegistryAbi,
  parseDeployment,
  sovraTokenAbi,
  testStablecoinAbi,
  timelockControllerAbi,
  type Deployment,
} from "@sovra/contracts";
import { freePort, localAccount, localRoles } from "@sovra/deploy";

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => {
      socket.end();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("npm start", () => {
  let launcher: ChildProcess;
  let output = "";
  let rpcUrl = "";
  let deployment: Deployment;

  beforeAll(async () => {
    const port = await freePort();
    launcher = spawn(process.execPath, ["deploy/scripts/start.ts"], {
      cwd: repoRoot,
      env: {
        ...process.env,
        SOVRA_CHAIN_PORT: String(port),
        SOVRA_GATEWAY_PORT: "0",
        SOVRA_METRICS_PORT: "0",
        SOVRA_NO_WEB: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    launcher.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    launcher.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (output.includes("Press Ctrl-C")) {
          clearInterval(timer);
          resolve();
        }
      }, 200);
      launcher.once("exit", (code) => {
        clearInterval(timer);
        reject(new Error(`npm start exited with ${code}:\n${output}`));
      });
    });
    rpcUrl = /RPC\s+(http:\S+)/.exec(output)?.[1] ?? "";
    const file = /deployment\s+(\S+\.json)/.exec(output)?.[1] ?? "";
    deployment = parseDeployment(JSON.parse(await readFile(path.resolve(repoRoot, file), "utf8")));
  });

  afterAll(() => {
    if (launcher.exitCode === null) launcher.kill("SIGKILL");
  });

  it("prints addresses that answer plain viem calls", async () => {
    expect(rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = createPublicClient({ transport: http(rpcUrl) });
    for (const [name, address] of Object.entries(deployment.contracts)) {
      expect(output, `${name} printed`).toContain(address);
      const code = await client.getCode({ address: address as Address });
      expect(code?.length ?? 0, `${name} has code`).toBeGreaterThan(2);
    }
    const symbol = await client.readContract({
      address: deployment.contracts.sovraToken,
      abi: sovraTokenAbi,
      functionName: "symbol",
    });
    expect(symbol).toBe("SOV");
  });

  it("funds the test accounts and hands every role to the timelock", async () => {
    const client = createPublicClient({ transport: http(rpcUrl) });
    const printed = [...output.matchAll(/#\d+ (0x[0-9a-fA-F]{40})/g)].map((match) => match[1] as Address);
    // #1 is the provider (it staked part of its SOV); #4 has no role.
    const [deployer, holder] = [printed[0], printed[4]];
    if (deployer === undefined || holder === undefined) throw new Error(`accounts not printed:\n${output}`);
    const tusd = await client.readContract({
      address: deployment.contracts.paymentToken,
      abi: testStablecoinAbi,
      functionName: "balanceOf",
      args: [holder],
    });
    expect(tusd).toBe(1_000_000_000n);
    const votes = await client.readContract({
      address: deployment.contracts.sovraToken,
      abi: sovraTokenAbi,
      functionName: "getVotes",
      args: [holder],
    });
    expect(votes).toBe(10_000n * 10n ** 18n);

    const { accessManager, timelock, governor } = deployment.contracts;
    const [timelockIsAdmin] = await client.readContract({
      address: accessManager,
      abi: accessManagerAbi,
      functionName: "hasRole",
      args: [0n, timelock],
    });
    const [deployerIsAdmin] = await client.readContract({
      address: accessManager,
      abi: accessManagerAbi,
      functionName: "hasRole",
      args: [0n, deployer],
    });
    expect(timelockIsAdmin).toBe(true);
    expect(deployerIsAdmin).toBe(false);
    const adminRole = await client.readContract({
      address: timelock,
      abi: timelockControllerAbi,
      functionName: "DEFAULT_ADMIN_ROLE",
    });
    const proposerRole = await client.readContract({
      address: timelock,
      abi: timelockControllerAbi,
      functionName: "PROPOSER_ROLE",
    });
    expect(
      await client.readContract({
        address: timelock,
        abi: timelockControllerAbi,
        functionName: "hasRole",
        args: [adminRole, deployer],
      }),
    ).toBe(false);
    expect(
      await client.readContract({
        address: timelock,
        abi: timelockControllerAbi,
        functionName: "hasRole",
        args: [proposerRole, governor],
      }),
    ).toBe(true);
    // Every policy class with a market is usable: the local provider holds the claims class 1 requires.
    const provider = localAccount(localRoles.provider).address;
    for (const { policyClass } of deployment.markets) {
      expect(
        await client.readContract({
          address: deployment.contracts.attestationRegistry,
          abi: attestationRegistryAbi,
          functionName: "isEligible",
          args: [provider, policyClass],
        }),
        `provider eligible for class ${policyClass}`,
      ).toBe(true);
    }
  });

  it("prints a bid command that returns a verified result", async () => {
    const line = output.split("\n").find((text) => text.includes("bid --model mlp"));
    if (line === undefined) throw new Error(`no bid command printed:\n${output}`);
    const [assignment, ...args] = line.trim().split(/\s+/);
    const key = assignment?.replace("SOVRA_PRIVATE_KEY=", "") ?? "";
    expect(args[0]).toBe("node");
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, args.slice(1), {
        cwd: repoRoot,
        env: { ...process.env, SOVRA_PRIVATE_KEY: key },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.once("exit", (code) => resolve({ code, stdout, stderr }));
    });
    expect(result.code, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout) as { predicted: number; settleTx: string };
    const digit = Number(/digit-(\d)\.json/.exec(line)?.[1]);
    expect(answer.predicted).toBe(digit);
    const client = createPublicClient({ transport: http(rpcUrl) });
    const receipt = await client.getTransactionReceipt({ hash: answer.settleTx as `0x${string}` });
    expect(receipt.status).toBe("success");
  });

  it("prints an OCR bid command whose text is provisional at commit and final after the challenge window", async () => {
    const line = output.split("\n").find((text) => text.includes("bid --model ocr"));
    if (line === undefined) throw new Error(`no OCR bid command printed:\n${output}`);
    const [assignment, ...args] = line.trim().split(/\s+/);
    const key = assignment?.replace("SOVRA_PRIVATE_KEY=", "") ?? "";
    expect(args).toContain("--verify");
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, args.slice(1), {
        cwd: repoRoot,
        env: { ...process.env, SOVRA_PRIVATE_KEY: key },
      });
      let stdout = "";
      let stderr = "";
      let moved = false;
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        // Committed and verified: move the chain past the 300 s challenge window (npm start mines every 2 s).
        if (!moved && stderr.includes("verified: re-executed here")) {
          moved = true;
          void createTestClient({ mode: "hardhat", transport: http(rpcUrl) }).increaseTime({ seconds: 301 });
        }
      });
      child.once("exit", (code) => resolve({ code, stdout, stderr }));
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("committed (provisional");
    const answer = JSON.parse(result.stdout) as { outcome: string; output: string };
    expect(answer.outcome).toBe("final");
    expect(answer.output).toBe("Sovra reads this page");
  });

  it("stops the chain it started on Ctrl-C", async () => {
    const exited = new Promise<number | null>((resolve) => launcher.once("exit", (code) => resolve(code)));
    launcher.kill("SIGINT");
    expect(await exited).toBe(0);
    const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 2_000 }) });
    await expect(client.getChainId()).rejects.toThrow();
    // Redis, the weights gateway and the provider node's metrics endpoint are gone too.
    const ports = [
      /Redis\s+redis:\/\/127\.0\.0\.1:(\d+)/,
      /weights\s+http:\/\/127\.0\.0\.1:(\d+)/,
      /metrics\s+http:\/\/127\.0\.0\.1:(\d+)/,
    ].map((pattern) => Number(pattern.exec(output)?.[1]));
    for (const port of ports) {
      expect(port).toBeGreaterThan(0);
      expect(await listening(port), `port ${port} still open`).toBe(false);
    }
  });
});
