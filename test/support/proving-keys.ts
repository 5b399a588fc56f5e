// Vitest global setup: the proving keys of the shipped models kept in the cache are found or built there (digits_cnn's takes
// minutes on a fresh machine) before any test starts a provider node, whose start would otherwise include it.
import { ensureProvingKeys } from "@sovra/deploy";

export default async function setup(): Promise<void> {
  const keys = await ensureProvingKeys();
  const rebuilt = keys.filter((k) => k.from === "rebuilt").map((k) => k.model);
  if (rebuilt.length > 0) console.log(`proving keys built into the cache: ${rebuilt.join(", ")}`);
}
