// @ts-check
// `npm start` enters here. Plain JavaScript on purpose, so that any Node can parse it:
// 1. an old Node gets one line saying which Node is needed and how to get one without root, instead of a stack
//    trace about the ".ts" extension (Node runs TypeScript itself from 22.18 on);
// 2. the contracts are compiled and their ABIs (`contracts/src/abis.ts`, generated, not committed) written BEFORE
//    the TypeScript launcher is loaded: it imports them, and ES modules resolve every static import first.
// Hardhat's build is incremental (about a second when nothing changed), so it runs on every start and the ABIs
// are never stale.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
// Type stripping is on by default from 22.18 (and 23.6).
const supported = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
if (!supported) {
  console.error(
    `Sovra needs Node.js 22.18 or newer (this is ${process.version}); without root: ` +
      "npm install --prefix ~/.sovra-node node@22 && export PATH=~/.sovra-node/node_modules/node/bin:$PATH " +
      "(or nvm install 22 / fnm install 22), then npm start again.",
  );
  process.exit(1);
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const contractsDir = path.join(repoRoot, "contracts");
const hardhatBin = path.join(repoRoot, "node_modules", "hardhat", "dist", "src", "cli.js");

if (!existsSync(hardhatBin)) {
  console.error("Sovra's dependencies are not installed: run `npm install`, then `npm start`.");
  process.exit(1);
}

/** @type {import("node:child_process").ChildProcess | undefined} */
let running;
let interrupted = false;
// Ctrl-C while compiling: stop the compiler too (a signal sent to this process alone would leave it running).
const interrupt = (/** @type {NodeJS.Signals} */ signal) => {
  interrupted = true;
  running?.kill(signal);
};
process.on("SIGINT", interrupt);
process.on("SIGTERM", interrupt);

/**
 * Runs `node <args>` in the contracts folder; resolves with its exit code and everything it printed.
 * @param {string[]} args
 * @returns {Promise<{ code: number | null, output: string }>}
 */
function runNode(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: contractsDir, stdio: ["ignore", "pipe", "pipe"] });
    running = child;
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.once("error", reject);
    child.once("close", (code) => {
      running = undefined;
      resolve({ code, output });
    });
  });
}

const firstBuild = !existsSync(path.join(contractsDir, "src", "abis.ts"));
const started = Date.now();
process.stdout.write(`• compiling contracts${firstBuild ? " (first start: takes a few minutes)" : ""}… `);
for (const args of [[hardhatBin, "build", "--quiet"], [path.join("scripts", "export-abis.ts")]]) {
  const { code, output } = await runNode(args);
  if (interrupted) {
    console.log("\nstopped.");
    process.exit(130);
  }
  if (code !== 0) {
    // Compiler diagnostics are the useful part here, so they are shown as they came.
    console.log("failed");
    console.error(output.trim());
    console.error(`\ncompiling the contracts failed (node ${args.join(" ")} exited with ${code}).`);
    process.exit(1);
  }
}
console.log(`done (${((Date.now() - started) / 1000).toFixed(1)} s)`);

process.off("SIGINT", interrupt);
process.off("SIGTERM", interrupt);
await import("./start.ts");
