// Listing a model a user brought, from the Models page: the user compiled it with sovra-model and deployed its
// verifier; the page reads the folder's manifest.json and vkey.json, refuses a verifier of another key (here the
// launch mlp's), and proposes register + approve + market to the Governor with the calldata `modelProposal` builds
// (voting and execution are the Governance page's, flow 05).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPublicClient, createWalletClient, decodeFunctionData, http, getAddress } from "viem";
import { hardhat } from "viem/chains";
import { modelIdOfName, modelRegistryAbi, multihashOfCid, sovraGovernorAbi } from "@sovra/contracts";
import { vkeyHash } from "../../../circuits/src/io/vkey.ts";
import { compileModelVerifier } from "../../../circuits/src/model/verifier-build.ts";
import { expect, expectConfirmed, test } from "./fixtures.ts";

/** Hardhat's development account #8: used by no other flow. */
const proposer = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f" as const;
const circuitsDir = path.resolve(import.meta.dirname, "..", "..", "..", "circuits");

/** The user's side: the example tabular model compiled with sovra-model into `dir`, its verifier deployed. */
async function userModel(dir: string, rpcUrl: string) {
  execFileSync(process.execPath, [path.join(circuitsDir, "scripts", "example-tabular.ts"), dir]);
  const folder = path.join(dir, "model");
  execFileSync(process.execPath, [
    path.join(circuitsDir, "bin", "sovra-model.js"),
    "compile",
    path.join(dir, "tabular.onnx"),
    "--calibration",
    path.join(dir, "calib.json"),
    "--out",
    folder,
    "--name",
    "tabular",
  ]);
  const transport = http(rpcUrl);
  const client = createPublicClient({ transport });
  const wallet = createWalletClient({ transport, account: proposer, chain: hardhat });
  const compiled = compileModelVerifier(folder);
  const deployed = await client.waitForTransactionReceipt({
    hash: await wallet.deployContract({ abi: compiled.abi, bytecode: compiled.bytecode }),
  });
  const manifestText = readFileSync(path.join(folder, "manifest.json"), "utf8");
  const vkeyText = readFileSync(path.join(folder, "vkey.json"), "utf8");
  return {
    client,
    verifier: getAddress(deployed.contractAddress ?? "0x"),
    manifestText,
    vkeyText,
    weightsCid: (JSON.parse(manifestText) as { weightsCid: string }).weightsCid,
    key: vkeyHash(JSON.parse(vkeyText)),
  };
}

const dir = mkdtempSync(path.join(tmpdir(), "sovra-propose-"));
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a user's model folder is proposed for listing from the Models page", async ({ page, app }) => {
  test.setTimeout(240_000);
  const { deployment, rpcUrl } = app.state;
  const { client, verifier, manifestText, vkeyText, weightsCid, key } = await userModel(dir, rpcUrl);

  await app.useWallet(proposer);
  await app.goto("/models");
  await app.connect();
  const form = page.getByTestId("propose-model");
  await form.getByLabel("manifest.json").setInputFiles({
    name: "manifest.json",
    mimeType: "application/json",
    buffer: Buffer.from(manifestText),
  });
  await form.getByLabel("vkey.json").setInputFiles({
    name: "vkey.json",
    mimeType: "application/json",
    buffer: Buffer.from(vkeyText),
  });
  await expect(page.getByTestId("listing")).toContainText(weightsCid);
  await expect(page.getByTestId("listing")).toContainText(key);

  // Another model's verifier (the launch mlp's) reports another key: refused before anything is signed.
  const mlp = deployment.models.find((m) => m.name === "mlp");
  if (!mlp) throw new Error("mlp not deployed");
  await form.getByLabel("Verifier address").fill(mlp.verifier);
  await expect(form).toContainText("not this model's verifier");
  await expect(form.getByRole("button", { name: "Propose listing" })).toBeDisabled();

  await form.getByLabel("Verifier address").fill(verifier);
  await expect(form).toContainText("Reports this model's verifying key");
  await form.getByRole("button", { name: "Propose listing" }).click();
  await expectConfirmed(page, "Propose listing");

  // On chain: the proposal registers exactly the folder's weights and key with this verifier.
  const created = await client.getContractEvents({
    address: deployment.contracts.governor,
    abi: sovraGovernorAbi,
    eventName: "ProposalCreated",
    fromBlock: BigInt(deployment.startBlock),
    strict: true,
  });
  const proposal = created.find((event) => event.args.proposer === proposer);
  if (!proposal) throw new Error("no proposal from the proposer");
  expect(proposal.args.targets[0]).toBe(deployment.contracts.modelRegistry);
  const register = decodeFunctionData({ abi: modelRegistryAbi, data: proposal.args.calldatas[0] ?? "0x" });
  expect(register.functionName).toBe("registerModel");
  expect(register.args).toEqual([
    modelIdOfName("tabular"),
    multihashOfCid(weightsCid),
    key,
    verifier,
    expect.stringContaining('"name":"tabular"'),
    0,
  ]);
  expect(proposal.args.targets).toHaveLength(3); // register, approve, one market (policy class 0)
});
