"use client";
// Lists a model through governance from the Models page: the user uploads the manifest.json and vkey.json that
// `sovra-model compile` wrote and names the verifier they deployed (`sovra propose-model` deploys one); the page
// checks that the verifier reports the key of that vkey.json and proposes register + approve + markets. Voting,
// queueing and executing happen on the Governance page.
import Link from "next/link";
import { useState } from "react";
import { type Address, isAddress } from "viem";
import { useReadContract, useWriteContract } from "wagmi";
import { inferenceVerifierAbi, modelIdOfName, modelProposal } from "@sovra/contracts";
import { TxStatus } from "@/components/TxStatus";
import { Card, Field } from "@/components/ui";
import { ConnectHint, useWriteAccount } from "@/components/Wallet";
import { governorAbi, marketAbi, modelRegistryAbi } from "@/lib/abis";
import { useTx } from "@/lib/hooks";
import { type ListingFields, listingFields, parseClasses } from "@/lib/model-listing";
import type { Deployment } from "@/lib/runtime-config";

type Files = { manifest?: string; vkey?: string };

export function ProposeModel({ deployment }: { deployment: Deployment }) {
  const account = useWriteAccount();
  const [files, setFiles] = useState<Files>({});
  const [verifier, setVerifier] = useState("");
  const [classes, setClasses] = useState("0");
  const { writeContractAsync } = useWriteContract();
  const tx = useTx();
  const likeMarket = deployment.markets[0]?.marketId;
  const market = useReadContract({
    address: deployment.contracts.spotMarket,
    abi: marketAbi,
    functionName: "marketOf",
    args: [likeMarket ?? 0],
    query: { enabled: likeMarket !== undefined },
  });
  const validVerifier = isAddress(verifier);
  const reported = useReadContract({
    address: validVerifier ? (verifier as Address) : undefined,
    abi: inferenceVerifierAbi,
    functionName: "verifyingKeyHash",
    query: { enabled: validVerifier },
  });

  let fields: ListingFields | undefined;
  let fieldsError: string | undefined;
  if (files.manifest !== undefined && files.vkey !== undefined) {
    try {
      fields = listingFields(files.manifest, files.vkey);
    } catch (error) {
      fieldsError = error instanceof Error ? error.message : String(error);
    }
  }
  let policyClasses: number[] | undefined;
  let classesError: string | undefined;
  try {
    policyClasses = parseClasses(classes);
  } catch (error) {
    classesError = error instanceof Error ? error.message : String(error);
  }
  const registered = useReadContract({
    address: deployment.contracts.modelRegistry,
    abi: modelRegistryAbi,
    functionName: "isRegistered",
    args: [modelIdOfName(fields?.manifest.name ?? "")],
    query: { enabled: fields !== undefined },
  });
  if (fields && registered.data === true && fieldsError === undefined)
    fieldsError = `a model named '${fields.manifest.name}' is already registered: registrations are immutable`;
  const keyMatches = fields !== undefined && reported.data === fields.vkeyHash;
  const verifierHint = !verifier
    ? "Deploy it with `sovra propose-model DIR`, or any deployer, from the folder's two .sol files"
    : !validVerifier
      ? "Not an address"
      : reported.isError
        ? "This address reports no verifying key: not a model verifier"
        : fields && reported.data !== undefined && !keyMatches
          ? `It reports key ${reported.data}, not this vkey.json's ${fields.vkeyHash}: not this model's verifier`
          : keyMatches
            ? "Reports this model's verifying key"
            : undefined;
  const ready =
    fields !== undefined &&
    registered.data === false &&
    keyMatches &&
    policyClasses !== undefined &&
    market.data !== undefined;

  const read = (which: keyof Files) => async (event: React.ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    const text = file ? await file.text() : undefined;
    setFiles((prev) => ({ ...prev, [which]: text }));
  };

  return (
    <Card title="List a model (governance proposal)">
      {!account && <ConnectHint what="propose" />}
      <p className="muted">
        Compile it with <code>sovra-model compile</code>, then upload its folder's <code>manifest.json</code> and{" "}
        <code>vkey.json</code>. Voters can check a proposal with <code>sovra-model rebuild</code>: the weights it names
        must rebuild to this verifying key.
      </p>
      <form
        data-testid="propose-model"
        onSubmit={(event) => {
          event.preventDefault();
          if (!ready || !fields || !policyClasses || !market.data) return;
          const proposal = modelProposal(deployment.contracts, {
            name: fields.manifest.name,
            weightsMultihash: fields.weightsMultihash,
            vkeyHash: fields.vkeyHash,
            verifier: verifier as Address,
            ioSpec: fields.ioSpec,
            minVramMb: 0,
            policyClasses,
            marketParams: market.data.params,
          });
          void tx.run("Propose listing", () =>
            writeContractAsync({
              address: deployment.contracts.governor,
              abi: governorAbi,
              functionName: "propose",
              args: [proposal.targets, proposal.values, proposal.calldatas, proposal.description],
            }),
          );
        }}
      >
        <Field label="manifest.json" hint={fieldsError}>
          <input name="manifest" type="file" accept="application/json,.json" onChange={read("manifest")} />
        </Field>
        <Field label="vkey.json">
          <input name="vkey" type="file" accept="application/json,.json" onChange={read("vkey")} />
        </Field>
        {fields && (
          <dl className="kv" data-testid="listing">
            <dt>Model</dt>
            <dd>{fields.manifest.name}</dd>
            <dt>Weights CID</dt>
            <dd className="mono">{fields.manifest.weightsCid}</dd>
            <dt>Verifying key hash</dt>
            <dd className="mono">{fields.vkeyHash}</dd>
            <dt>Constraints</dt>
            <dd>{fields.manifest.circuit.constraints.toLocaleString("en-US")}</dd>
          </dl>
        )}
        <Field label="Verifier address" hint={verifierHint}>
          <input
            name="verifier"
            className="mono"
            value={verifier}
            onChange={(e) => setVerifier(e.target.value.trim())}
          />
        </Field>
        <Field label="Policy classes (one market each)" hint={classesError}>
          <input name="classes" value={classes} onChange={(e) => setClasses(e.target.value)} />
        </Field>
        <button type="submit" disabled={tx.busy || !ready || !account}>
          Propose listing
        </button>
      </form>
      <TxStatus state={tx.state} />
      {tx.state.status === "confirmed" && (
        <p>
          Proposed: vote, queue and execute it on the <Link href="/governance">Governance page</Link>.
        </p>
      )}
    </Card>
  );
}
