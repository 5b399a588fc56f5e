import { unpackOutput } from "@sovra/circuits/io/pack";
import { argmax } from "./input.ts";
import type { OutputSpec } from "./io-spec.ts";
import { formatReal } from "./model-input.ts";

/** A settled job's answer, read by the model's io spec. */
export type Answer = {
  task: "classify" | "regress";
  /** classify: index of the largest score; regress: null */
  predicted: number | null;
  /** classify: the predicted class's label (its index when the spec names none); regress: null */
  label: string | null;
  /** the proven integers, unpacked from the on-chain output */
  scores: number[];
  /** real values (integer x scale) by name: class labels, or the regressor's quantities */
  values: Record<string, number>;
  /** what to print, one line each */
  lines: string[];
};

const nameOf = (spec: OutputSpec, i: number): string =>
  spec.labels?.[i] ?? (spec.task === "classify" ? String(i) : spec.count === 1 ? "value" : `output[${i}]`);

/** Unpacks the on-chain output and says what it means: the argmax label and scores, or the predicted values. */
export function describeOutput(spec: OutputSpec, packed: readonly bigint[]): Answer {
  const scores = unpackOutput(packed, spec.count, spec.laneBits);
  const values: Record<string, number> = {};
  scores.forEach((v, i) => {
    values[nameOf(spec, i)] = Number((v * spec.scale).toPrecision(6));
  });
  const listed = (limit: number): string => {
    const entries = Object.entries(values);
    const shown = entries.slice(0, limit).map(([k, v]) => `${k} = ${formatReal(v)}`);
    return entries.length > limit ? `${shown.join(", ")}, ... (${entries.length} in all)` : shown.join(", ");
  };
  if (spec.task === "regress") {
    const lines = Object.entries(values)
      .slice(0, 16)
      .map(([k, v]) => `answer: ${k} = ${formatReal(v)}`);
    if (scores.length > 16) lines.push(`(${scores.length - 16} more values in the JSON output)`);
    return { task: "regress", predicted: null, label: null, scores, values, lines };
  }
  const predicted = argmax(scores);
  const label = nameOf(spec, predicted);
  // A label that is not the index says which class it is; without labels the index is the class.
  const shown =
    spec.labels === undefined
      ? `class ${predicted}`
      : label === String(predicted)
        ? label
        : `${label} (class ${predicted})`;
  return {
    task: "classify",
    predicted,
    label,
    scores,
    values,
    lines: [`answer: ${shown}`, `scores${spec.softmax === true ? " (logits)" : ""}: ${listed(16)}`],
  };
}
