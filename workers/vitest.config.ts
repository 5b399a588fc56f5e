import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/redis-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Redis and onnxruntime are shared per file; the machine has two cores.
    fileParallelism: false,
  },
});
