// Progress on a terminal: a bar for steps that report fractions (Groth16 setup), a moving block with the elapsed
// time for those that cannot (circom). On anything but a terminal, one line per finished step.
import type { Reporter, Task } from "../model/progress.ts";
import { lines } from "../model/progress.ts";

const WIDTH = 28;

export function terminal(stream: NodeJS.WriteStream = process.stderr): Reporter {
  if (!stream.isTTY) return lines((l) => stream.write(`${l}\n`));
  const plain = lines((l) => stream.write(`${l}\n`));
  return {
    info: plain.info,
    warn: plain.warn,
    task(label: string, determinate: boolean): Task {
      const t0 = performance.now();
      let fraction = 0;
      let tick = 0;
      const secs = () => ((performance.now() - t0) / 1000).toFixed(1);
      const draw = () => {
        let bar: string;
        if (determinate) {
          const full = Math.round(fraction * WIDTH);
          bar = `${"#".repeat(full)}${".".repeat(WIDTH - full)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
        } else {
          const pos = tick++ % (2 * (WIDTH - 4));
          const at = pos < WIDTH - 4 ? pos : 2 * (WIDTH - 4) - pos;
          bar = `${" ".repeat(at)}<==>${" ".repeat(WIDTH - 4 - at)}]`;
        }
        stream.write(`\r${label} [${bar} ${secs()} s\x1b[K`);
      };
      draw();
      const timer = setInterval(draw, 200);
      timer.unref();
      const end = () => {
        clearInterval(timer);
        stream.write("\r\x1b[K");
      };
      return {
        update(f: number) {
          fraction = Math.max(fraction, Math.min(1, f));
        },
        done(summary: string) {
          end();
          stream.write(`${label}: ${summary} (${secs()} s)\n`);
        },
        fail: end,
      };
    },
  };
}
