// Device check: GPU detection, onnxruntime provider fallback and measured throughput on a GPU host.
import { readFileSync } from "node:fs";
import { detectGpus, hostInfo } from "../src/hardware/detect.ts";
import { measureMatmul, measureModel, probeExecutionProviders } from "../src/hardware/benchmark.ts";
import { createSession } from "../src/inference.ts";
import { cidOf } from "../src/cid.ts";
import { matmulModel } from "../src/hardware/onnx-writer.ts";

const out = { host: hostInfo() };
Object.assign(out, await detectGpus());
out.probes = await probeExecutionProviders(["cuda", "webgpu", "cpu"]);
const fallback = await createSession(matmulModel(8, "float32"), ["cuda", "webgpu", "cpu"]);
out.fallback = { device: fallback.device, skipped: fallback.skipped };
out.matmul = [];
for (const p of out.probes.filter((p) => p.available)) {
  for (const dtype of ["float32", "float16"]) {
    for (const n of p.device === "cpu" ? [1024] : [1024, 4096]) {
      const r = await measureMatmul(p.device, dtype, n, { minSeconds: 2 });
      out.matmul.push(r.supported ? { ...r, gflops: r.opsPerSecond / 1e9 } : r);
      console.error(JSON.stringify(out.matmul.at(-1)));
    }
  }
}

try {
  const bytes = new Uint8Array(readFileSync("circuits/models/mlp/float.onnx"));
  out.models = [];
  for (const p of out.probes.filter((p) => p.available))
    out.models.push(await measureModel("mlp-float", cidOf(bytes), bytes, [p.device], 200));
} catch (e) {
  out.modelError = String(e);
}
console.log(JSON.stringify(out, null, 2));
