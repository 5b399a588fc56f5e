// Axis ticks for the charts: "nice" value steps (1, 2, 5 x 10^n) and calendar-friendly time steps. Pure.

/**
 * Round steps covering [min, max] with about `count` ticks; the domain widens to whole steps. `minStep` keeps steps
 * at or above a unit (prices move in whole base units).
 */
export function niceTicks(
  min: number,
  max: number,
  count = 5,
  minStep = 0,
): { ticks: number[]; min: number; max: number } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { ticks: [], min: 0, max: 1 };
  let lo = Math.min(min, max);
  let hi = Math.max(min, max);
  if (lo === hi) {
    // One value: frame it with a step of its own magnitude (or 1 around zero).
    const pad = lo === 0 ? 1 : 10 ** Math.floor(Math.log10(Math.abs(lo)));
    lo -= pad;
    hi += pad;
  }
  const rough = (hi - lo) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(minStep, ([1, 2, 5, 10].find((factor) => factor * magnitude >= rough) ?? 10) * magnitude);
  const start = Math.floor(lo / step) * step;
  const end = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  // Integer multiples of the step, so 0.1 + 0.2 drift never shows.
  for (let i = Math.round(start / step); i <= Math.round(end / step); i += 1) ticks.push(i * step);
  return { ticks, min: start, max: end };
}

/** Like `niceTicks`, for counts (jobs): integer ticks only, from zero. */
export function countTicks(max: number, count = 4): { ticks: number[]; max: number } {
  const top = Math.max(1, Math.ceil(max));
  const step = niceTicks(0, top, count, 1).ticks[1] ?? 1;
  const end = Math.ceil(top / step) * step;
  const ticks: number[] = [];
  for (let value = 0; value <= end; value += step) ticks.push(value);
  return { ticks, max: end };
}

const SECOND = 1;
const MINUTE = 60;
const HOUR = 3_600;
const DAY = 86_400;
const timeSteps = [
  SECOND,
  5 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  30 * DAY,
];

/** Time ticks (unix seconds, UTC) for [t0, t1] with at most about `count` ticks, labelled for that span. */
export function timeTicks(
  t0: number,
  t1: number,
  count = 5,
): { ticks: Array<{ time: number; label: string }>; min: number; max: number } {
  let lo = Math.min(t0, t1);
  let hi = Math.max(t0, t1);
  if (hi - lo < MINUTE) {
    // Trades in one block or a few seconds apart: show a minute around them.
    const middle = (lo + hi) / 2;
    lo = Math.floor(middle - 30);
    hi = Math.ceil(middle + 30);
  }
  const rough = (hi - lo) / Math.max(1, count);
  const step = timeSteps.find((candidate) => candidate >= rough) ?? Math.ceil(rough / DAY) * DAY;
  const ticks: Array<{ time: number; label: string }> = [];
  const first = Math.ceil(lo / step) * step;
  const showDate = hi - lo >= DAY || new Date(lo * 1000).getUTCDate() !== new Date(hi * 1000).getUTCDate();
  for (let time = first; time <= hi; time += step) ticks.push({ time, label: formatTimeTick(time, step, showDate) });
  return { ticks, min: lo, max: hi };
}

/** `14:05`, `14:05:30` (steps under a minute), `11-27` (day steps) or `11-27 14:05` (spans across days). */
export function formatTimeTick(time: number, step: number, showDate: boolean): string {
  const iso = new Date(time * 1000).toISOString();
  const date = iso.slice(5, 10);
  const clock = step < MINUTE ? iso.slice(11, 19) : iso.slice(11, 16);
  if (step >= DAY) return date;
  return showDate ? `${date} ${clock}` : clock;
}
