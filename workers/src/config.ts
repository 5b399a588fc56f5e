import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";

export const LOCAL_CHAIN_ID = 31337;
export const executionProviderNames = ["cuda", "webgpu", "cpu"] as const;
export type ExecutionProviderName = (typeof executionProviderNames)[number];

const weightSource = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("dir"), path: z.string().min(1) }),
  z.object({ kind: z.literal("http"), url: z.url() }),
]);
export type WeightSource = z.infer<typeof weightSource>;

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 20-byte address");

/** Provider-node configuration: a JSON file overridden by `SOVRA_*` environment variables. */
export const configSchema = z.object({
  chainId: z.number().int().positive().default(LOCAL_CHAIN_ID),
  rpcUrl: z.url().default("http://127.0.0.1:8545"),
  /** Deployment JSON (addresses, models, markets); default: `@sovra/contracts` deployments/<chainId>.json. */
  deploymentFile: z.string().optional(),
  /** Blocks a JobMatched log must be buried under before the node acts on it. */
  confirmations: z.number().int().nonnegative().default(1),
  pollIntervalMs: z.number().int().positive().default(1000),
  /** Largest block range one eth_getLogs call may cover. */
  logRange: z.number().int().positive().default(2000),
  keystore: z.string().default(path.join(os.homedir(), ".sovra", "keystore.json")),
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, "expected redis://host:port")
    .default("redis://127.0.0.1:6379"),
  /** Model names (as in the deployment) this node serves and pre-warms. */
  models: z.array(z.string().min(1)).min(1).default(["mlp"]),
  /**
   * Model name -> the folder `sovra-model compile` wrote (manifest, circuit, zkey), for models outside the
   * circuits package's `models/<name>`.
   */
  modelDirs: z.record(z.string(), z.string().min(1)).default({}),
  weights: z
    .object({
      cacheDir: z.string().default(path.join(os.homedir(), ".sovra", "weights")),
      maxBytes: z
        .number()
        .int()
        .positive()
        .default(2 * 1024 ** 3),
      sources: z.array(weightSource).default([]),
    })
    .prefault({}),
  inference: z
    .object({
      executionProviders: z.array(z.enum(executionProviderNames)).min(1).default(["cuda", "webgpu", "cpu"]),
      concurrency: z.number().int().positive().default(1),
    })
    .prefault({}),
  prover: z.object({ concurrency: z.number().int().positive().default(1) }).prefault({}),
  metrics: z
    .object({
      port: z.number().int().min(0).max(65_535).default(9464),
      host: z.string().default("127.0.0.1"),
    })
    .prefault({}),
  region: z.string().default("unknown"),
  /** Gateway the buyer CLI uploads optimistic models' inputs to (`sovra bid --gateway` overrides it). */
  inputGateway: z.url().optional(),
  /** Block explorer base URL for links (`<url>/tx/<hash>`); none on the local chain. */
  explorerUrl: z.url().optional(),
  /** Overrides of deployment addresses (rarely needed). */
  contracts: z.record(z.string(), address).optional(),
});
export type Config = z.output<typeof configSchema>;

/** Environment variables and the config path they override. */
const envMap: Record<string, { path: string[]; parse: (v: string) => unknown }> = {
  SOVRA_CHAIN_ID: { path: ["chainId"], parse: Number },
  SOVRA_RPC_URL: { path: ["rpcUrl"], parse: String },
  SOVRA_DEPLOYMENT: { path: ["deploymentFile"], parse: String },
  SOVRA_CONFIRMATIONS: { path: ["confirmations"], parse: Number },
  SOVRA_POLL_INTERVAL_MS: { path: ["pollIntervalMs"], parse: Number },
  SOVRA_KEYSTORE: { path: ["keystore"], parse: String },
  SOVRA_REDIS_URL: { path: ["redisUrl"], parse: String },
  SOVRA_MODELS: {
    path: ["models"],
    parse: (v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
  },
  SOVRA_WEIGHTS_DIR: { path: ["weights", "cacheDir"], parse: String },
  SOVRA_WEIGHTS_MAX_BYTES: { path: ["weights", "maxBytes"], parse: Number },
  SOVRA_EXECUTION_PROVIDERS: {
    path: ["inference", "executionProviders"],
    parse: (v) => v.split(",").map((s) => s.trim()),
  },
  SOVRA_METRICS_PORT: { path: ["metrics", "port"], parse: Number },
  SOVRA_REGION: { path: ["region"], parse: String },
  SOVRA_INPUT_GATEWAY: { path: ["inputGateway"], parse: String },
};

/** Thrown with one line per problem, each naming the field, where it came from and what is expected. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

export type LoadConfigOptions = {
  /** Explicit config file; an error when missing. Without it `./sovra.config.json` is read when present. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, applied last. */
  overrides?: Record<string, unknown>;
};

/** Reads, merges and validates the configuration. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.SOVRA_CONFIG ?? (existsSync("sovra.config.json") ? "sovra.config.json" : undefined);
  let raw: Record<string, unknown> = {};
  if (file !== undefined) {
    if (!existsSync(file))
      throw new ConfigError(`config file ${file} not found: create it (see workers/README.md) or drop --config`);
    try {
      raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`config file ${file} is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw))
      throw new ConfigError(`config file ${file} must hold a JSON object`);
  }
  const origin = new Map<string, string>();
  for (const [name, spec] of Object.entries(envMap)) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    setPath(raw, spec.path, spec.parse(value));
    origin.set(spec.path.join("."), `environment ${name}`);
  }
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    setPath(raw, key.split("."), value);
    origin.set(key, "command line");
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const key = issue.path.join(".") || "(root)";
      const from = origin.get(key) ?? (file !== undefined ? `file ${file}` : "defaults");
      return `  - ${key} (from ${from}): ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}
