"use client";
// A committed optimistic output: recognized text as lines, speech segments on a timeline.
import {
  decodeOptimisticOutput,
  describeOptimisticOutput,
  formatMs,
  type OptimisticKind,
  timelineBars,
} from "@/lib/optimistic";

const WIDTH = 600;

export function OptimisticOutput({ kind, output }: { kind: OptimisticKind; output: readonly bigint[] }) {
  const decoded = decodeOptimisticOutput(kind, output);
  if (decoded.kind === "text")
    return (
      <pre className="ocr-text" data-testid="output-text">
        {decoded.text === "" ? "(no text found)" : decoded.text}
      </pre>
    );
  if (decoded.kind === "segments") {
    const total = Math.max(...decoded.segments.map(([, end]) => end), 1);
    const bars = timelineBars(decoded.segments, WIDTH, total);
    return (
      <figure className="timeline" data-testid="output-segments">
        <svg
          viewBox={`0 0 ${WIDTH} 40`}
          role="img"
          aria-label={`Speech segments: ${describeOptimisticOutput(decoded)}`}
        >
          <rect x={0} y={14} width={WIDTH} height={12} className="timeline-track" />
          {bars.map((bar, i) => (
            <rect
              key={decoded.segments[i]?.[0] ?? i}
              x={bar.x}
              y={8}
              width={bar.width}
              height={24}
              className="timeline-speech"
            />
          ))}
        </svg>
        <figcaption className="muted">
          {describeOptimisticOutput(decoded)} (timeline 0 – {formatMs(total)})
        </figcaption>
      </figure>
    );
  }
  return (
    <p className="mono" data-testid="output-opaque">
      {describeOptimisticOutput(decoded)}
    </p>
  );
}
