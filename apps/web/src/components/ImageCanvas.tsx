"use client";
// Draw the input of an image model with mouse, pen or finger, or upload a PNG (scaled to the model's size) or its
// pixels as JSON; reports the model's integers. MNIST: a 28x28 field, 784 uint8 pixels, ink = 255.
import { useEffect, useRef, useState, type PointerEvent } from "react";
import { imageInput, imageLevels, isBlank, levelsOf, parsePixelsJson, type QuantizedInput } from "@/lib/input-encoding";
import { inputCount, type ModelInput } from "@/lib/io-spec";

/** The largest side of the drawing area, in canvas pixels (MNIST: 10 canvas pixels per model pixel). */
const TARGET_SIDE = 280;

export function ImageCanvas({
  input,
  digit,
  loaded,
  onChange,
}: {
  input: ModelInput & { image: NonNullable<ModelInput["image"]> };
  /** the MNIST digit task: say "digit" */
  digit: boolean;
  /** values loaded elsewhere (the JSON upload in model units): painted so the buyer sees what is sent */
  loaded?: { values: number[]; seq: number };
  onChange: (input: QuantizedInput | undefined) => void;
}) {
  const { height, width, channels } = input.image;
  const cell = Math.max(1, Math.round(TARGET_SIDE / Math.max(height, width)));
  const canvasWidth = width * cell;
  const canvasHeight = height * cell;
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const drawing = useRef<{ x: number; y: number } | null>(null);
  const [uploadError, setUploadError] = useState<string>();

  const context = () => canvasRef.current?.getContext("2d", { willReadFrequently: true }) ?? null;

  const clear = () => {
    const ctx = context();
    if (!ctx) return;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvasWidth, canvasHeight);
    onChange(undefined);
  };

  // Paint the white paper once the canvas exists (and again if the model's size changes).
  // biome-ignore lint/correctness/useExhaustiveDependencies: `clear` is rebuilt every render; the size is what matters.
  useEffect(() => clear(), [canvasWidth, canvasHeight]);

  const report = () => {
    const ctx = context();
    if (!ctx) return;
    const levels = imageLevels(ctx.getImageData(0, 0, canvasWidth, canvasHeight), input.image);
    onChange(isBlank(levels, input.image) ? undefined : imageInput(levels, input));
  };

  const point = (event: PointerEvent<HTMLCanvasElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) * canvasWidth) / rect.width,
      y: ((event.clientY - rect.top) * canvasHeight) / rect.height,
    };
  };

  const stroke = (from: { x: number; y: number }, to: { x: number; y: number }) => {
    const ctx = context();
    if (!ctx) return;
    ctx.strokeStyle = "#000";
    // A stroke about 2.2 model pixels wide, as MNIST's pen.
    ctx.lineWidth = 2.2 * cell;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
  };

  /** Paints the model's integers back on the canvas, one cell per model pixel. */
  const paint = (values: readonly number[]) => {
    const ctx = context();
    if (!ctx) return;
    const levels = levelsOf(values, input);
    const plane = height * width;
    for (let index = 0; index < plane; index += 1) {
      const [r, g, b] =
        channels === 1
          ? [255 - (levels[index] ?? 0), 255 - (levels[index] ?? 0), 255 - (levels[index] ?? 0)]
          : [levels[index] ?? 0, levels[plane + index] ?? 0, levels[2 * plane + index] ?? 0];
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect((index % width) * cell, Math.floor(index / width) * cell, cell, cell);
    }
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: paints each new load once (`seq`), not on every render.
  useEffect(() => {
    if (loaded) paint(loaded.values);
  }, [loaded?.seq]);

  /** A PNG (or any image the browser decodes) scaled onto the canvas, then read like a drawing. */
  const loadImage = async (file: File) => {
    const ctx = context();
    if (!ctx) return;
    const bitmap = await createImageBitmap(file).catch(() => {
      throw new Error("the file is not an image the browser can read");
    });
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvasWidth, canvasHeight);
    // Whole-cell upscaling keeps an image of the model's own size exact after area averaging.
    ctx.imageSmoothingEnabled = bitmap.width > width || bitmap.height > height;
    ctx.drawImage(bitmap, 0, 0, canvasWidth, canvasHeight);
    bitmap.close();
    report();
  };

  const count = inputCount(input);
  const what = digit ? "a digit" : `the model's image`;
  return (
    <div className="canvas-wrap">
      <canvas
        ref={canvasRef}
        className="digit"
        width={canvasWidth}
        height={canvasHeight}
        style={{ width: `${canvasWidth}px`, height: "auto", aspectRatio: `${width} / ${height}` }}
        role="img"
        aria-label={`Drawing area for ${what}, ${width} by ${height} pixels. Draw with a mouse, pen or finger, or upload a file below.`}
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
          <span className="field-label">Or upload an image (PNG, scaled to {`${width}×${height}`}): </span>
          <input
            type="file"
            accept="image/png,image/*"
            onChange={async (event) => {
              const file = event.target.files?.[0];
              if (!file) return;
              try {
                await loadImage(file);
                setUploadError(undefined);
              } catch (error) {
                setUploadError(error instanceof Error ? error.message : "unreadable file");
              }
            }}
          />
        </label>
        <label className="secondary">
          <span className="field-label">Or upload {count} pixels (JSON): </span>
          <input
            type="file"
            accept="application/json,.json"
            onChange={async (event) => {
              const file = event.target.files?.[0];
              if (!file) return;
              try {
                const values = parsePixelsJson(await file.text(), input);
                setUploadError(undefined);
                paint(values);
                onChange({ values, clamped: [] });
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
