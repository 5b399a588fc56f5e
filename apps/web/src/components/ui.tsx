"use client";
// Small shared pieces: loading and empty states, the deployment gate, section cards.
import { cloneElement, isValidElement, useId, type ReactElement, type ReactNode } from "react";
import type { Deployment } from "@/lib/runtime-config";
import { useSovraConfig } from "./Providers";

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status" aria-live="polite" aria-busy="true">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function Card({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  const headingId = `${id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-heading`;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {children}
    </section>
  );
}

/** Renders its children only when a deployment was found, else says why not. */
export function WithDeployment({ children }: { children: (deployment: Deployment) => ReactNode }) {
  const config = useSovraConfig();
  if (!config.deployment) {
    return (
      <div className="card" role="alert">
        <h2>No Sovra deployment</h2>
        <p>
          The dApp found no deployment for chain {config.chainId}. Start the local chain with <code>npm start</code> at
          the repository root, or set <code>SOVRA_DEPLOYMENT_FILE</code>.
        </p>
        {config.deploymentError && <p className="muted">{config.deploymentError}</p>}
      </div>
    );
  }
  return <>{children(config.deployment)}</>;
}

/** A labelled form field: the label and hint are tied to the control by id (not by wrapping, so a select's
 * current option does not leak into its accessible name). */
export function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: ReactNode;
  children: ReactElement<FieldControlProps>;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const control = isValidElement(children)
    ? cloneElement(children, { id, ...(hint ? { "aria-describedby": hintId } : {}) })
    : children;
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {control}
      {hint && (
        <span className="field-hint" id={hintId}>
          {hint}
        </span>
      )}
    </div>
  );
}

type FieldControlProps = { id?: string; "aria-describedby"?: string };
