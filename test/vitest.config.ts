import { defineConfig } from "vitest/config";

// End-to-end suites start real processes (chain, Redis, workers): run files one at a time, with room to boot.
export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**"],
    fileParallelism: false,
    // the proving keys the cache holds (digits_cnn's), built once before any provider node starts
    globalSetup: ["support/proving-keys.ts"],
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
