"use client";
// The input of an optimistic model: a file (a PNG for OCR, a WAV for VAD) uploaded through the dApp's server to the
// input gateway. The bid then commits to the file's sha2-256 (inputHash) and names the gateway (inputRef).
import { useState } from "react";
import type { Hex } from "viem";
import type { OptimisticInputKind } from "@/lib/optimistic";
import { uploadOptimisticInput, type UploadedInput } from "@/lib/optimistic-input";
import { Field } from "./ui";

export type PreparedInput = { inputHash: bigint; inputRef: Hex; cid: string };

export function OptimisticInput({
  kind,
  onChange,
}: {
  kind: OptimisticInputKind;
  onChange: (input: PreparedInput | undefined) => void;
}) {
  const [state, setState] = useState<
    | { status: "idle" }
    | { status: "uploading"; name: string }
    | { status: "done"; name: string; uploaded: UploadedInput; preview?: string }
    | { status: "failed"; message: string }
  >({ status: "idle" });

  async function choose(file: File | undefined) {
    onChange(undefined);
    if (!file) return setState({ status: "idle" });
    setState({ status: "uploading", name: file.name });
    try {
      const uploaded = await uploadOptimisticInput(file, kind.mediaType);
      const preview = kind.mediaType === "image/png" ? URL.createObjectURL(file) : undefined;
      setState({ status: "done", name: file.name, uploaded, ...(preview ? { preview } : {}) });
      onChange({ inputHash: BigInt(uploaded.inputHash), inputRef: uploaded.inputRef as Hex, cid: uploaded.cid });
    } catch (error) {
      setState({ status: "failed", message: error instanceof Error ? error.message : "the upload failed" });
    }
  }

  return (
    <div data-testid="optimistic-input">
      <Field
        label={kind.output === "text" ? "Image to read (PNG)" : "Recording (WAV)"}
        hint={`Upload ${kind.noun}: it goes to the input gateway, and the bid commits to its hash.`}
      >
        <input type="file" accept={kind.accept} onChange={(event) => void choose(event.target.files?.[0])} />
      </Field>
      {state.status === "uploading" && (
        <p className="muted" role="status">
          Uploading {state.name}…
        </p>
      )}
      {state.status === "failed" && (
        <p className="tx-error" role="alert" data-testid="input-error">
          {state.message}
        </p>
      )}
      {state.status === "done" && (
        <div data-testid="input-uploaded">
          {state.preview && (
            // biome-ignore lint/performance/noImgElement: a blob: URL of the buyer's own file; nothing to optimize or fetch.
            <img src={state.preview} alt={`Input to read: ${state.name}`} className="input-preview" />
          )}
          <dl className="kv">
            <dt>File</dt>
            <dd>
              {state.name} ({state.uploaded.bytes.toLocaleString("en-US")} bytes)
            </dd>
            <dt>Content id</dt>
            <dd className="mono" data-testid="input-cid">
              {state.uploaded.cid}
            </dd>
            <dt>Stored on</dt>
            <dd className="mono">{state.uploaded.gateway}</dd>
          </dl>
        </div>
      )}
    </div>
  );
}
