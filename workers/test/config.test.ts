import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "sovra-config-"));
function file(content: unknown): string {
  const p = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(p, typeof content === "string" ? content : JSON.stringify(content));
  return p;
}

describe("config", () => {
  it("applies defaults, then the file, then the environment", () => {
    const config = loadConfig({
      file: file({ rpcUrl: "http://10.0.0.1:8545", confirmations: 3, inference: { concurrency: 2 } }),
      env: { SOVRA_CONFIRMATIONS: "5", SOVRA_MODELS: "mnist-mlp, mnist-cnn" },
    });
    expect(config.rpcUrl).toBe("http://10.0.0.1:8545");
    expect(config.confirmations).toBe(5);
    expect(config.models).toEqual(["mnist-mlp", "mnist-cnn"]);
    expect(config.inference).toEqual({ concurrency: 2, executionProviders: ["cuda", "webgpu", "cpu"] });
    expect(config.chainId).toBe(31337);
  });

  it("names the field, its origin and the expectation for each error", () => {
    let error: unknown;
    try {
      loadConfig({
        file: file({ rpcUrl: "not a url", weights: { sources: [{ kind: "ftp", path: "/x" }] } }),
        env: { SOVRA_METRICS_PORT: "99999", SOVRA_EXECUTION_PROVIDERS: "cuda,tpu" },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as Error).message;
    expect(text).toMatch(/rpcUrl \(from file .*\.json\)/);
    expect(text).toMatch(/metrics\.port \(from environment SOVRA_METRICS_PORT\)/);
    expect(text).toMatch(/inference\.executionProviders\.1 .*"cuda"\|"webgpu"\|"cpu"|inference\.executionProviders\.1/);
    expect(text).toMatch(/weights\.sources\.0/);
  });

  it("says how to fix a missing or broken file", () => {
    expect(() => loadConfig({ file: path.join(dir, "missing.json"), env: {} })).toThrow(/not found/);
    expect(() => loadConfig({ file: file("{ nope"), env: {} })).toThrow(/not valid JSON/);
  });
});
