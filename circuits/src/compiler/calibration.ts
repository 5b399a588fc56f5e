// Validation of rows of numbers that come from outside (calibration, evaluation data, one input): each row a
// flat array of `size` finite numbers. Errors are one line naming the row and the value.
import { DataError } from "./errors.ts";

/** Fewer calibration rows than this: the ranges (and the input scale) may not cover real inputs. */
export const FEW_CALIBRATION_ROWS = 20;

const show = (v: unknown): string => {
  if (typeof v === "number") return String(v);
  if (Array.isArray(v)) return "an array";
  if (v === null) return "null";
  return typeof v === "string" ? JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v) : typeof v;
};

/** One row: a flat array of `size` finite numbers. `what` names it in errors ("calibration row 3"). */
export function validateRow(row: unknown, size: number, what: string): number[] {
  if (typeof row !== "object" || row === null || !("length" in row)) {
    throw new DataError(`${what} is ${show(row)}, not an array of ${size} numbers`);
  }
  const r = row as ArrayLike<unknown>;
  if (r.length !== size) throw new DataError(`${what} has ${r.length} values; the model's input takes ${size}`);
  const out = new Array<number>(size);
  for (let i = 0; i < size; i++) {
    const v = r[i];
    if (Array.isArray(v)) throw new DataError(`${what}, value ${i} is an array: rows must be flat (row-major)`);
    if (typeof v !== "number") throw new DataError(`${what}, value ${i} is ${show(v)}, not a number`);
    if (!Number.isFinite(v)) throw new DataError(`${what}, value ${i} is ${v}, not a finite number`);
    out[i] = v;
  }
  return out;
}

/** Rows of `size` finite numbers, at least one. `what` names the set in errors ("calibration"). */
export function validateRows(rows: unknown, size: number, what: string): number[][] {
  if (!Array.isArray(rows)) throw new DataError(`${what}: 'inputs' must be an array of rows, got ${show(rows)}`);
  if (rows.length === 0) throw new DataError(`${what}: no rows (at least one is needed)`);
  return rows.map((r, i) => validateRow(r, size, `${what} row ${i}`));
}
