// Reading what the user hands the CLI: files that may be missing, not JSON, or JSON of the wrong shape. Every
// error is one line that names the file.
import { readFileSync } from "node:fs";
import { validateRow, validateRows } from "../compiler/calibration.ts";
import { DataError } from "../compiler/errors.ts";

const reason = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  if (err.code === "ENOENT") return "no such file";
  if (err.code === "EISDIR") return "it is a directory";
  if (err.code === "EACCES") return "permission denied";
  return (err.message ?? String(e)).split("\n")[0]!;
};

export function readBytes(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new DataError(`cannot read ${what} ${path}: ${reason(e)}`);
  }
}

export function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new DataError(`cannot read ${what} ${path}: ${reason(e)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new DataError(`${path}: not JSON (${reason(e)})`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** What a model's author says about its io (CALIB.json's optional keys): it goes into the manifest's io spec. */
export interface ModelMeta {
  /** one name per input value (a tabular model's form) */
  features?: string[];
  /** one name per output value: class labels (classify) or quantities (regress) */
  outputNames?: string[];
  /** default: classify */
  task?: "classify" | "regress";
  /** an image model: its input is channels x height x width pixels */
  image?: { height: number; width: number; channels: number };
  /** the float model takes `(x - mean[i]) / std[i]`; buyers give x (calibration rows stay in the model's units) */
  standardize?: { mean: number[]; std: number[] };
}

const names = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string" && s.length > 0);
const positiveInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v > 0;

/**
 * CALIB.json: `{"inputs": rows, "features"?: names, "outputNames"?: names, "task"?: "classify"|"regress",
 * "image"?: {"height", "width", "channels"}}`; rows are checked against the model by the compiler.
 */
export function parseCalibration(json: unknown, path: string): { inputs: unknown } & ModelMeta {
  if (!isObject(json) || !("inputs" in json)) throw new DataError(`${path}: expected {"inputs": [[...], ...]}`);
  const out: { inputs: unknown } & ModelMeta = { inputs: json.inputs };
  const { features, outputNames, task, image, standardize } = json;
  if (features !== undefined) {
    if (!names(features)) throw new DataError(`${path}: "features" must be an array of names`);
    out.features = features;
  }
  if (outputNames !== undefined) {
    if (!names(outputNames)) throw new DataError(`${path}: "outputNames" must be an array of names`);
    out.outputNames = outputNames;
  }
  if (task !== undefined) {
    if (task !== "classify" && task !== "regress")
      throw new DataError(`${path}: "task" must be "classify" or "regress"`);
    out.task = task;
  }
  if (image !== undefined) {
    if (!isObject(image) || !positiveInt(image.height) || !positiveInt(image.width) || !positiveInt(image.channels)) {
      throw new DataError(`${path}: "image" must be {"height": n, "width": n, "channels": n} (positive integers)`);
    }
    out.image = { height: image.height, width: image.width, channels: image.channels };
  }
  if (standardize !== undefined) {
    const finite = (v: unknown): v is number[] =>
      Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isFinite(x));
    if (
      !isObject(standardize) ||
      !finite(standardize.mean) ||
      !finite(standardize.std) ||
      standardize.std.some((x) => x <= 0) ||
      standardize.mean.length !== standardize.std.length
    ) {
      throw new DataError(`${path}: "standardize" must be {"mean": [...], "std": [...]} of equal length, std > 0`);
    }
    out.standardize = { mean: standardize.mean, std: standardize.std };
  }
  return out;
}

export type DataSet =
  | { kind: "classifier"; inputs: number[][]; labels: number[] }
  | { kind: "regressor"; inputs: number[][]; targets: number[][] };

/** DATA.json: `{"inputs", "labels"}` (class indices below `outputs`) or `{"inputs", "targets"}`. */
export function parseDataSet(json: unknown, path: string, inputSize: number, outputs: number): DataSet {
  if (!isObject(json) || !("inputs" in json) || "labels" in json === "targets" in json) {
    throw new DataError(`${path}: expected {"inputs": [...], "labels": [...]} or {"inputs": [...], "targets": [...]}`);
  }
  let inputs: number[][];
  try {
    inputs = validateRows(json.inputs, inputSize, "data");
  } catch (e) {
    throw new DataError(`${path}: ${(e as Error).message}`);
  }
  const col = "labels" in json ? "labels" : "targets";
  const ys = json[col];
  if (!Array.isArray(ys) || ys.length !== inputs.length) {
    throw new DataError(`${path}: "${col}" must be an array of ${inputs.length} entries, one per input`);
  }
  if (col === "labels") {
    ys.forEach((y, i) => {
      if (!Number.isInteger(y) || (y as number) < 0 || (y as number) >= outputs) {
        throw new DataError(`${path}: label ${i} is ${JSON.stringify(y)}, not a class index in [0, ${outputs - 1}]`);
      }
    });
    return { kind: "classifier", inputs, labels: ys as number[] };
  }
  const targets = ys.map((y, i) => {
    try {
      return validateRow(typeof y === "number" ? [y] : y, outputs, `target ${i}`);
    } catch (e) {
      throw new DataError(`${path}: ${(e as Error).message.replace("the model's input takes", "the model outputs")}`);
    }
  });
  return { kind: "regressor", inputs, targets };
}

/** INPUT.json: `{"input": [...]}`, a flat row in the model's own units. */
export function parseInput(json: unknown, path: string, inputSize: number): number[] {
  if (!isObject(json) || !("input" in json)) throw new DataError(`${path}: expected {"input": [...]}`);
  try {
    return validateRow(json.input, inputSize, "input");
  } catch (e) {
    throw new DataError(`${path}: ${(e as Error).message}`);
  }
}
