"use client";
// Plain SVG charts with real axes: order book depth (price x cumulative jobs) and price history (time x price).
import { cumulative, type Level } from "@/lib/book";
import { countTicks, niceTicks, timeTicks } from "@/lib/chart-scale";

/** Drawing sizes in SVG units: the depth chart sits in a half-width card, the price history spans the page. */
type Frame = { W: number; H: number; left: number; right: number; top: number; bottom: number };
const depthFrame: Frame = { W: 460, H: 280, left: 54, right: 16, top: 26, bottom: 46 };
const historyFrame: Frame = { W: 960, H: 300, left: 64, right: 24, top: 26, bottom: 46 };

function scale(domain: [number, number], range: [number, number]) {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  return (value: number) => r0 + ((value - d0) / span) * (r1 - r0);
}

/** Axis lines, ticks with labels, grid lines and the two axis titles. */
function Axes({
  frame,
  xTicks,
  yTicks,
  xTitle,
  yTitle,
}: {
  frame: Frame;
  xTicks: Array<{ x: number; label: string }>;
  yTicks: Array<{ y: number; label: string }>;
  xTitle: string;
  yTitle: string;
}) {
  const { W, H, left, right, top } = frame;
  const base = H - frame.bottom;
  return (
    <g className="axes">
      {yTicks.map((tick, i) => (
        <g key={`y${tick.y}`} data-testid="y-tick">
          <line
            x1={left}
            y1={tick.y}
            x2={W - right}
            y2={tick.y}
            stroke="var(--line)"
            strokeDasharray={i === 0 ? undefined : "2 4"}
          />
          <text x={left - 8} y={tick.y + 3} textAnchor="end">
            {tick.label}
          </text>
        </g>
      ))}
      <line x1={left} y1={top} x2={left} y2={base} stroke="var(--line)" />
      <line x1={left} y1={base} x2={W - right} y2={base} stroke="var(--line)" />
      {xTicks.map((tick) => (
        <g key={`x${tick.x}`} data-testid="x-tick">
          <line x1={tick.x} y1={base} x2={tick.x} y2={base + 4} stroke="var(--muted)" />
          <text x={tick.x} y={base + 16} textAnchor="middle">
            {tick.label}
          </text>
        </g>
      ))}
      <text className="axis-title" x={left} y={top - 10} textAnchor="middle">
        {yTitle}
      </text>
      <text className="axis-title" x={left + (W - left - right) / 2} y={H - 6} textAnchor="middle">
        {xTitle}
      </text>
    </g>
  );
}

/** Stepped cumulative depth: bids to the left of the spread, asks to the right. */
export function DepthChart({
  bids,
  asks,
  formatTick,
  unit,
}: {
  bids: readonly Level[];
  asks: readonly Level[];
  /** A tick's price as a plain number (no unit). */
  formatTick: (tick: number) => string;
  /** The price unit, e.g. `tUSD`. */
  unit: string;
}) {
  const bidSteps = cumulative(bids);
  const askSteps = cumulative(asks);
  if (!bidSteps.length && !askSteps.length) return <p className="empty">The book is empty: no resting asks or bids.</p>;
  const ticks = [...bidSteps, ...askSteps].map((step) => step.tick);
  const xAxis = niceTicks(Math.max(0, Math.min(...ticks) - 1), Math.max(...ticks) + 1, 5, 1);
  const minTick = xAxis.min;
  const maxTick = xAxis.max;
  const yAxis = countTicks(Math.max(1, ...bidSteps.map((s) => s.total), ...askSteps.map((s) => s.total)));
  const { W, H, left, right, top } = depthFrame;
  const BASE = H - depthFrame.bottom;
  const x = scale([minTick, maxTick], [left, W - right]);
  const y = scale([0, yAxis.max], [BASE, top]);

  // From the best price outwards, each level raises the cumulative total.
  const path = (steps: Array<{ tick: number; total: number }>, edge: number) => {
    const first = steps[0];
    if (!first) return "";
    let d = `M${x(first.tick)},${BASE}`;
    let previous = 0;
    for (const step of steps) {
      d += ` L${x(step.tick)},${y(previous)} L${x(step.tick)},${y(step.total)}`;
      previous = step.total;
    }
    d += ` L${x(edge)},${y(previous)} L${x(edge)},${BASE} Z`;
    return d;
  };

  const label = `Depth: ${bidSteps.length} bid levels, best ${bids[0] ? `${formatTick(bids[0].tick)} ${unit}` : "none"}; ${
    askSteps.length
  } ask levels, best ${asks[0] ? `${formatTick(asks[0].tick)} ${unit}` : "none"}`;
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} data-testid="depth-chart">
      <Axes
        frame={depthFrame}
        xTicks={xAxis.ticks.map((tick) => ({ x: x(tick), label: formatTick(tick) }))}
        yTicks={yAxis.ticks.map((count) => ({ y: y(count), label: count.toLocaleString("en-US") }))}
        xTitle={`price per job (${unit})`}
        yTitle="jobs"
      />
      <path d={path(bidSteps, minTick)} fill="var(--bid)" fillOpacity={0.3} stroke="var(--bid)" />
      <path d={path(askSteps, maxTick)} fill="var(--ask)" fillOpacity={0.3} stroke="var(--ask)" />
    </svg>
  );
}

export type PricePoint = { time: number; price: number };

/** Traded prices over time (one point per match), on a UTC time axis. */
export function PriceChart({
  points,
  formatPrice,
  unit,
  minStep = 1,
}: {
  points: readonly PricePoint[];
  /** A price in base units as a plain number (no unit). */
  formatPrice: (price: number) => string;
  unit: string;
  /** Smallest price step shown on the axis (the market's tick size). */
  minStep?: number;
}) {
  if (!points.length) return <p className="empty">No trades yet.</p>;
  const sorted = [...points].sort((a, b) => a.time - b.time);
  const times = sorted.map((p) => p.time);
  const prices = sorted.map((p) => p.price);
  const xAxis = timeTicks(Math.min(...times), Math.max(...times), 5);
  const yRaw = niceTicks(Math.min(...prices), Math.max(...prices), 4, minStep);
  const yTicks = yRaw.ticks.filter((tick) => tick >= 0);
  const yMin = Math.max(0, yRaw.min);
  const { W, H, left, right, top } = historyFrame;
  const BASE = H - historyFrame.bottom;
  const x = scale([xAxis.min, xAxis.max], [left, W - right]);
  const y = scale([yMin, yRaw.max], [BASE, top]);
  const d = sorted.map((p, i) => `${i ? "L" : "M"}${x(p.time)},${y(p.price)}`).join(" ");
  const last = sorted[sorted.length - 1];
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`Price history: ${points.length} trades, last at ${last ? `${formatPrice(last.price)} ${unit}` : ""}`}
      data-testid="price-chart"
    >
      <Axes
        frame={historyFrame}
        xTicks={xAxis.ticks.map((tick) => ({ x: x(tick.time), label: tick.label }))}
        yTicks={yTicks.map((tick) => ({ y: y(tick), label: formatPrice(tick) }))}
        xTitle="time of the match (UTC)"
        yTitle={`${unit} per job`}
      />
      <path d={d} fill="none" stroke="var(--accent)" strokeWidth={2} />
      {sorted.map((p, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: points have no identity (two matches may share time and price) and the list is always redrawn whole
        <circle key={i} cx={x(p.time)} cy={y(p.price)} r={3.5} fill="var(--accent)">
          <title>{`${formatPrice(p.price)} ${unit}`}</title>
        </circle>
      ))}
    </svg>
  );
}
