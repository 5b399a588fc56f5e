import ort from "onnxruntime-node";
import type { ExecutionProviderName } from "./config.ts";
import type { Logger } from "./logger.ts";

export type Session = ort.InferenceSession;

// onnxruntime logs every failed provider load at error level; the fallback reports them once, in JSON.
ort.env.logLevel = "fatal";

export type LoadedSession = {
  session: Session;
  /** The execution provider the session runs on. */
  device: ExecutionProviderName;
  /** Providers tried before it, with the reason each failed. */
  skipped: { device: ExecutionProviderName; error: string }[];
};

/**
 * Creates a session on the first execution provider of `order` that loads. onnxruntime-node throws (rather
 * than falling back) when a listed provider is missing, so each provider is tried alone, in order.
 */
export async function createSession(
  model: Uint8Array,
  order: readonly ExecutionProviderName[],
  logger?: Logger,
): Promise<LoadedSession> {
  const skipped: LoadedSession["skipped"] = [];
  for (const device of order) {
    try {
      const session = await ort.InferenceSession.create(model, { executionProviders: [device], logSeverityLevel: 3 });
      if (skipped.length > 0) logger?.info({ device, skipped }, "execution provider fallback");
      return { session, device, skipped };
    } catch (error) {
      skipped.push({ device, error: firstLine(error) });
    }
  }
  throw new Error(
    `no execution provider could load the model: ${skipped.map((s) => `${s.device}: ${s.error}`).join("; ")}`,
  );
}

export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split("\n")[0] ?? text).slice(0, 300);
}

function concreteShape(shape: ReadonlyArray<number | string>, length: number): number[] {
  const dims = shape.map((d) => (typeof d === "number" && d > 0 ? d : -1));
  const known = dims.filter((d) => d > 0).reduce((a, b) => a * b, 1);
  // One symbolic dimension (the batch) takes whatever the input length leaves.
  return dims.map((d) => (d > 0 ? d : Math.max(1, Math.floor(length / known))));
}

/** Builds the model's first input from raw values, in the type and shape the model declares. */
export function inputTensor(session: Session, values: ArrayLike<number>): Record<string, ort.Tensor> {
  const meta = session.inputMetadata[0];
  if (meta === undefined) throw new Error("model has no inputs");
  const type = meta.isTensor ? meta.type : "float32";
  const shape = meta.isTensor && meta.shape.length > 0 ? concreteShape(meta.shape, values.length) : [1, values.length];
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== values.length)
    throw new Error(`model input ${meta.name} has shape [${shape.join(",")}] (${size} values), got ${values.length}`);
  let tensor: ort.Tensor;
  switch (type) {
    case "float32":
      tensor = new ort.Tensor("float32", Float32Array.from(values), shape);
      break;
    case "int32":
      tensor = new ort.Tensor("int32", Int32Array.from(values), shape);
      break;
    case "int64":
      tensor = new ort.Tensor("int64", BigInt64Array.from(Array.from(values, (v) => BigInt(v))), shape);
      break;
    case "uint8":
      tensor = new ort.Tensor("uint8", Uint8Array.from(values), shape);
      break;
    default:
      throw new Error(`model input type ${type} not supported`);
  }
  return { [meta.name]: tensor };
}

/** Runs the model on one input and returns its first output as numbers. */
export async function runModel(session: Session, values: ArrayLike<number>): Promise<number[]> {
  const result = await session.run(inputTensor(session, values));
  const name = session.outputNames[0];
  const output = name === undefined ? undefined : result[name];
  if (output === undefined) throw new Error("model produced no output");
  return Array.from(output.data as ArrayLike<number | bigint>, Number);
}
