"use client";
// Draw a digit with mouse, pen or finger (or upload the 784 pixels as JSON); reports MNIST pixels.
import { useEffect, useRef, useState, type PointerEvent } from "react";
import { encodeRgba, isBlank, parsePixelsJson, IMAGE_SIDE } from "@/lib/input-encoding";

const SIDE = 280;

export function DigitCanvas({ onChange }: { onChange: (pixels: Uint8Array | undefined) => void }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const drawing = useRef<{ x: number; y: number } | null>(null);
  const [uploadError, setUploadError] = useState<string>();

  const context = () => canvasRef.current?.getContext("2d", { willReadFrequently: true }) ?? null;

  const clear = () => {
    const ctx = context();
    if (!ctx) return;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, SIDE, SIDE);
    onChange(undefined);
  };

  // Paint the white paper once the canvas exists.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once on mount; `clear` is rebuilt every render.
  useEffect(() => clear(), []);

  const report = () => {
    const ctx = context();
    if (!ctx) return;
    const pixels = encodeRgba(ctx.getImageData(0, 0, SIDE, SIDE));
    onChange(isBlank(pixels) ? undefined : pixels);
  };

  const point = (event: PointerEvent<HTMLCanvasElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) * SIDE) / rect.width,
      y: ((event.clientY - rect.top) * SIDE) / rect.height,
    };
  };

  const stroke = (from: { x: number; y: number }, to: { x: number; y: number }) => {
    const ctx = context();
    if (!ctx) return;
    ctx.strokeStyle = "#000";
    ctx.lineWidth = 22;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
  };

  /** Paints uploaded pixels back on the canvas so the user sees what will be sent. */
  const paint = (pixels: Uint8Array) => {
    const ctx = context();
    if (!ctx) return;
    const cell = SIDE / IMAGE_SIDE;
    pixels.forEach((value, index) => {
      const grey = 255 - value;
      ctx.fillStyle = `rgb(${grey},${grey},${grey})`;
      ctx.fillRect((index % IMAGE_SIDE) * cell, Math.floor(index / IMAGE_SIDE) * cell, cell, cell);
    });
  };

  return (
    <div className="canvas-wrap">
      <canvas
        ref={canvasRef}
        className="digit"
        width={SIDE}
        height={SIDE}
        role="img"
        aria-label="Drawing area for a digit, 28 by 28 pixels. Draw with a mouse, pen or finger, or upload a JSON file below."
        data-testid="digit-canvas"
        onPointerDown={(event) => {
          event.currentTarget.setPointerCapture(event.pointerId);
          const p = point(event);
          drawing.current = p;
          stroke(p, p);
        }}
        onPointerMove={(event) => {
          if (!drawing.current) return;
          const p = point(event);
          stroke(drawing.current, p);
          drawing.current = p;
        }}
        onPointerUp={() => {
          drawing.current = null;
          report();
        }}
        onPointerLeave={() => {
          if (drawing.current) {
            drawing.current = null;
            report();
          }
        }}
      />
      <div className="row">
        <button type="button" className="secondary" onClick={clear}>
          Clear
        </button>
        <label className="secondary">
          <span className="field-label">Or upload 784 pixels (JSON): </span>
          <input
            type="file"
            accept="application/json,.json"
            onChange={async (event) => {
              const file = event.target.files?.[0];
              if (!file) return;
              try {
                const pixels = parsePixelsJson(await file.text());
                setUploadError(undefined);
                paint(pixels);
                onChange(pixels);
              } catch (error) {
                setUploadError(error instanceof Error ? error.message : "unreadable file");
              }
            }}
          />
        </label>
      </div>
      {uploadError && (
        <p className="tx-error" role="alert">
          {uploadError}
        </p>
      )}
    </div>
  );
}
