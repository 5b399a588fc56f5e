import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 900_000,
    hookTimeout: 900_000,
    // The machine is shared and small: one test file at a time.
    fileParallelism: false,
    // `npm test` (SOVRA_REBUILD_EARLY=1): the large models' rebuilds start first and run beside the other files
    globalSetup: ["test/rebuild-early.ts"],
  },
});
