// How the long steps (circom, Groth16 setup) report progress. The library only calls these; the command line
// draws them (src/cli/progress.ts), scripts print lines, tests stay silent.

export interface Task {
  /** fraction done, 0..1 (ignored by tasks without a known total) */
  update(fraction: number): void;
  /** the step finished: `summary` says what it made */
  done(summary: string): void;
  /** the step failed: leaves the line clean for the error */
  fail(): void;
}

export interface Reporter {
  /** a line of information (the quantization report, a file written) */
  info(line: string): void;
  /** a warning the user must see */
  warn(line: string): void;
  /** a long step; `determinate` when it reports fractions */
  task(label: string, determinate: boolean): Task;
}

const noTask: Task = { update() {}, done() {}, fail() {} };

/** Says nothing. */
export const silent: Reporter = { info() {}, warn() {}, task: () => noTask };

/** Plain lines (scripts, logs): one line when a long step ends. */
export function lines(write: (line: string) => void): Reporter {
  return {
    info: write,
    warn: (l) => write(`warning: ${l}`),
    task(label) {
      const t0 = performance.now();
      return {
        update() {},
        done: (summary) => write(`${label}: ${summary} (${((performance.now() - t0) / 1000).toFixed(1)} s)`),
        fail() {},
      };
    },
  };
}
