import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { cidOf } from "@sovra/circuits/io/cid";
import { createInferenceEngine } from "../src/engine.ts";
import { measureMatmul, measureModel, probeExecutionProviders } from "../src/hardware/benchmark.ts";
import { hostInfo, parseNvidiaSmi } from "../src/hardware/detect.ts";
import { linearModel, matmulModel } from "../src/hardware/onnx-writer.ts";
import {
  REPORT_SCHEMA,
  canonicalJson,
  reportBytes,
  reportDigest,
  signReport,
  summarize,
  verifyReport,
  type BenchmarkReport,
} from "../src/hardware/report.ts";
import { createSession, runModel } from "../src/inference.ts";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createWeightStore } from "../src/weights/store.ts";

describe("execution providers", () => {
  it("falls back down the list when a provider cannot load (cuda is not bundled here)", async () => {
    const loaded = await createSession(matmulModel(4, "float32"), ["cuda", "cpu"]);
    expect(loaded.device).not.toBe("cuda");
    expect(loaded.skipped.map((s) => s.device)).toContain("cuda");
    const probes = await probeExecutionProviders(["cuda", "cpu"]);
    expect(probes.find((p) => p.device === "cpu")?.available).toBe(true);
    expect(probes.find((p) => p.device === "cuda")?.available).toBe(false);
    await expect(createSession(matmulModel(4, "float32"), ["cuda"])).rejects.toThrow(/no execution provider/);
  });

  it("runs the generated micro-model correctly and measures it", async () => {
    const { session } = await createSession(matmulModel(2, "float32"), ["cpu"]);
    const a = await session.run({
      a: new (await import("onnxruntime-node")).default.Tensor("float32", Float32Array.from([1, 2, 3, 4]), [2, 2]),
      b: new (await import("onnxruntime-node")).default.Tensor("float32", Float32Array.from([5, 6, 7, 8]), [2, 2]),
    });
    expect(Array.from(a.c?.data as Float32Array)).toEqual([19, 22, 43, 50]);
    const m = await measureMatmul("cpu", "float32", 64, { minSeconds: 0, minRuns: 2 });
    expect(m.supported).toBe(true);
    if (m.supported) expect(m.opsPerSecond).toBeGreaterThan(0);
  });
});

describe("benchmark report", () => {
  it("parses nvidia-smi's CSV", () => {
    expect(parseNvidiaSmi("NVIDIA H100 80GB HBM3, 81559, 550.54.15, GPU-abc\n")).toEqual([
      { name: "NVIDIA H100 80GB HBM3", memoryMb: 81559, driver: "550.54.15", uuid: "GPU-abc" },
    ]);
  });

  it("is signed by the provider, and its digest and CID are of the file's bytes", async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    const host = hostInfo();
    const matmul = [
      {
        device: "cpu" as const,
        dtype: "float32" as const,
        n: 64,
        runs: 2,
        seconds: 1,
        opsPerSecond: 1.5e9,
        supported: true as const,
      },
    ];
    const report: BenchmarkReport = {
      schema: REPORT_SCHEMA,
      provider: account.address,
      createdAt: new Date(0).toISOString(),
      host,
      onnxruntime: "1.30.0",
      gpus: [],
      executionProviders: [{ device: "cpu", available: true }],
      matmul,
      models: [],
      summary: summarize(host, [], matmul),
    };
    // A CPU-only host registers the RAM the cpu execution provider can use (the registry refuses 0).
    expect(report.summary.vramMb).toBe(
      Math.floor(Math.min(host.memoryBytes, host.memoryLimitBytes ?? Infinity) / 1024 ** 2),
    );
    expect(report.summary.vramMb).toBeGreaterThan(0);
    expect(report.summary.memorySource).toBe("host-ram");
    expect(summarize(host, [{ name: "NVIDIA H200", memoryMb: 143_771, driver: "1", uuid: "u" }], matmul)).toMatchObject(
      { vramMb: 143_771, memorySource: "gpu" },
    );
    expect(report.summary.gpuModel).toMatch(/^none \(CPU: /);
    expect(report.summary.throughputMilliOpsPerSec).toBe("1500000000000");
    const signed = await signReport(report, account);
    expect(await verifyReport(signed)).toBe(true);
    expect(
      await verifyReport({ ...signed, report: { ...report, summary: { ...report.summary, vramMb: 80_000 } } }),
    ).toBe(false);
    const bytes = reportBytes(signed);
    const { digest, cid } = reportDigest(bytes);
    expect(cid).toBe(cidOf(bytes));
    expect(digest).toMatch(/^0x[0-9a-f]{64}$/);
    expect(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe('{"a":[2,{"c":4,"d":3}],"b":1}');
  });
});

describe("inference engine", () => {
  it("loads a model by CID through the weight store (cold, then warm) and runs it", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "sovra-engine-"));
    const bytes = linearModel(4, 3);
    writeFileSync(path.join(root, "m.onnx"), bytes);
    const cid = cidOf(bytes);
    const store = createWeightStore({
      cacheDir: path.join(root, "cache"),
      maxBytes: 1e6,
      sources: [{ kind: "dir", path: root }],
    });
    const engine = createInferenceEngine({ store, order: ["cuda", "cpu"] });
    const loaded = await engine.load(cid);
    expect(loaded.from).toBe("dir");
    expect(loaded.device).toBe("cpu");
    await engine.close();
    const second = createInferenceEngine({ store, order: ["cpu"] });
    expect((await second.load(cid)).from).toBe("cache");
    // W[i][j] = ((i*3 + j) * 7 % 5) - 2; x = [1, 2, 3, 4].
    const result = await second.run(cid, Uint8Array.from([1, 2, 3, 4]));
    const expected = [0, 1, 2].map((j) =>
      [0, 1, 2, 3].reduce((sum, i) => sum + (i + 1) * ((((i * 3 + j) * 7) % 5) - 2), 0),
    );
    expect(result.output).toEqual(expected);
    expect(result.device).toBe("cpu");
    const latency = await measureModel("linear", cid, bytes, ["cpu"], 5);
    expect(latency.runs).toBe(5);
    await expect(
      measureModel("mm", cidOf(matmulModel(2, "float32")), matmulModel(2, "float32"), ["cpu"], 1),
    ).rejects.toThrow(/2 inputs/);
    const { session } = await createSession(bytes, ["cpu"]);
    await expect(runModel(session, [1, 2, 3])).rejects.toThrow(/shape/);
    await second.close();
  });
});
