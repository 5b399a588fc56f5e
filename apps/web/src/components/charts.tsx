"use client";
// Plain SVG charts: order book depth and price history.
import { cumulative, type Level } from "@/lib/book";

const W = 600;
const H = 220;
const PAD = { left: 44, right: 12, top: 10, bottom: 26 };

function scale(domain: [number, number], range: [number, number]) {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  return (value: number) => r0 + ((value - d0) / span) * (r1 - r0);
}

/** Stepped cumulative depth: bids to the left of the spread, asks to the right. */
export function DepthChart({
  bids,
  asks,
  formatTick,
}: {
  bids: readonly Level[];
  asks: readonly Level[];
  formatTick: (tick: number) => string;
}) {
  const bidSteps = cumulative(bids);
  const askSteps = cumulative(asks);
  if (!bidSteps.length && !askSteps.length) return <p className="empty">The book is empty: no resting asks or bids.</p>;
  const ticks = [...bidSteps, ...askSteps].map((step) => step.tick);
  const minTick = Math.min(...ticks) - 1;
  const maxTick = Math.max(...ticks) + 1;
  const maxTotal = Math.max(1, ...bidSteps.map((s) => s.total), ...askSteps.map((s) => s.total));
  const x = scale([minTick, maxTick], [PAD.left, W - PAD.right]);
  const y = scale([0, maxTotal], [H - PAD.bottom, PAD.top]);
  const base = H - PAD.bottom;

  // From the best price outwards, each level raises the cumulative total.
  const path = (steps: Array<{ tick: number; total: number }>, edge: number) => {
    if (!steps.length) return "";
    const first = steps[0];
    if (!first) return "";
    let d = `M${x(first.tick)},${base}`;
    let previous = 0;
    for (const step of steps) {
      d += ` L${x(step.tick)},${y(previous)} L${x(step.tick)},${y(step.total)}`;
      previous = step.total;
    }
    d += ` L${x(edge)},${y(previous)} L${x(edge)},${base} Z`;
    return d;
  };

  const label = `Depth: ${bidSteps.length} bid levels, best ${bids[0] ? formatTick(bids[0].tick) : "none"}; ${
    askSteps.length
  } ask levels, best ${asks[0] ? formatTick(asks[0].tick) : "none"}`;
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} data-testid="depth-chart">
      <line x1={PAD.left} y1={base} x2={W - PAD.right} y2={base} stroke="var(--line)" />
      <path d={path(bidSteps, minTick)} fill="var(--bid)" fillOpacity={0.3} stroke="var(--bid)" />
      <path d={path(askSteps, maxTick)} fill="var(--ask)" fillOpacity={0.3} stroke="var(--ask)" />
      <text x={PAD.left} y={H - 8}>
        {formatTick(minTick + 1)}
      </text>
      <text x={W - PAD.right} y={H - 8} textAnchor="end">
        {formatTick(maxTick - 1)}
      </text>
      <text x={PAD.left - 6} y={PAD.top + 8} textAnchor="end">
        {maxTotal}
      </text>
      <text x={PAD.left - 6} y={base} textAnchor="end">
        0
      </text>
    </svg>
  );
}

export type PricePoint = { time: number; price: number };

/** Traded prices over time (one point per match). */
export function PriceChart({ points, formatPrice }: { points: readonly PricePoint[]; formatPrice: (price: number) => string }) {
  if (!points.length) return <p className="empty">No trades yet.</p>;
  const times = points.map((p) => p.time);
  const prices = points.map((p) => p.price);
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const p0 = Math.min(...prices);
  const p1 = Math.max(...prices);
  const x = scale([t0, t1 === t0 ? t0 + 1 : t1], [PAD.left, W - PAD.right]);
  const y = scale([p0 === p1 ? p0 - 1 : p0, p0 === p1 ? p1 + 1 : p1], [H - PAD.bottom, PAD.top]);
  const d = points.map((p, i) => `${i ? "L" : "M"}${x(p.time)},${y(p.price)}`).join(" ");
  const last = points[points.length - 1];
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`Price history: ${points.length} trades, last at ${last ? formatPrice(last.price) : ""}`}
      data-testid="price-chart"
    >
      <line x1={PAD.left} y1={H - PAD.bottom} x2={W - PAD.right} y2={H - PAD.bottom} stroke="var(--line)" />
      <path d={d} fill="none" stroke="var(--accent)" strokeWidth={2} />
      {points.map((p, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: stateless dots in time order; two trades can share a time and price.
        <circle key={i} cx={x(p.time)} cy={y(p.price)} r={3} fill="var(--accent)" />
      ))}
      <text x={PAD.left - 6} y={PAD.top + 8} textAnchor="end">
        {formatPrice(p0 === p1 ? p1 : p1)}
      </text>
      <text x={PAD.left - 6} y={H - PAD.bottom} textAnchor="end">
        {formatPrice(p0)}
      </text>
    </svg>
  );
}
