"use client";
// The input field a market's model asks for, from its on-chain io spec: a drawing/upload field of the model's own
// size (image models), a form with one field per feature name (tabular models), and for any model a JSON upload
// `{"input": [...]}` in the model's own units. Reports the model's integers, or undefined while incomplete.
import { useId, useState } from "react";
import { dequantize, valueRange } from "@sovra/circuits/io/input";
import {
  parseInputJson,
  quantizeInput,
  readFeatureField,
  readFeatureForm,
  type QuantizedInput,
} from "@/lib/input-encoding";
import {
  inputCount,
  inputKind,
  quantizationOf,
  type ModelIo,
  type ModelInput as Input,
  valueQuantization,
} from "@/lib/io-spec";
import { formatReal } from "@/lib/models";
import { ImageCanvas } from "./ImageCanvas";
import { Field } from "./ui";

export function ModelInput({
  io,
  digit,
  onChange,
}: {
  io: ModelIo;
  digit: boolean;
  onChange: (input: QuantizedInput | undefined) => void;
}) {
  const input = io.input;
  const kind = inputKind(input);
  const count = inputCount(input);
  const [texts, setTexts] = useState<string[]>(() => Array.from({ length: count }, () => ""));
  const [loaded, setLoaded] = useState<{ values: number[]; clamped: number[]; seq: number }>();
  const [jsonError, setJsonError] = useState<string>();
  const hintId = useId();

  const setField = (index: number, text: string) => {
    const next = texts.map((old, at) => (at === index ? text : old));
    setTexts(next);
    onChange(readFeatureForm(next, input));
  };

  const loadJson = async (file: File) => {
    const real = parseInputJson(await file.text(), input);
    if (kind === "tabular") {
      // The form shows what was loaded; the form's own reading sends it.
      const next = real.map((value) => String(value));
      setTexts(next);
      onChange(readFeatureForm(next, input));
      return;
    }
    const quantized = quantizeInput(real, input);
    setLoaded({ ...quantized, seq: (loaded?.seq ?? 0) + 1 });
    onChange(quantized);
  };

  return (
    <div data-testid="model-input" data-input-kind={kind}>
      {kind === "image" && input.image ? (
        <>
          <h3 className="field-label">
            {digit ? "Input: draw a digit" : `Input: draw or upload a ${input.image.width}×${input.image.height} image`}
          </h3>
          <ImageCanvas input={{ ...input, image: input.image }} digit={digit} loaded={loaded} onChange={onChange} />
        </>
      ) : kind === "tabular" && input.features ? (
        <FeatureForm input={input} features={input.features} texts={texts} setField={setField} />
      ) : (
        <>
          <h3 className="field-label">Input: {count} values</h3>
          <p className="muted" data-testid="input-loaded">
            {loaded
              ? `Loaded ${count} values${loaded.clamped.length ? ` (${loaded.clamped.length} clamped)` : ""}.`
              : "Upload the input as JSON below."}
          </p>
        </>
      )}
      <div className="field">
        <label className="secondary">
          <span className="field-label">Upload the input as JSON: </span>
          <input
            type="file"
            accept="application/json,.json"
            aria-describedby={hintId}
            onChange={async (event) => {
              const file = event.target.files?.[0];
              if (!file) return;
              try {
                await loadJson(file);
                setJsonError(undefined);
              } catch (error) {
                setJsonError(error instanceof Error ? error.message : "unreadable file");
              }
            }}
          />
        </label>
        <span className="field-hint" id={hintId}>
          {`{"input": [...]}: ${count} numbers in the model's own units (the INPUT.json of sovra-model prove).`}
        </span>
      </div>
      {jsonError && (
        <p className="tx-error" role="alert" data-testid="input-json-error">
          {jsonError}
        </p>
      )}
      {kind !== "tabular" && loaded && loaded.clamped.length > 0 && (
        <p className="warn" role="note">
          {loaded.clamped.length} of {count} values were outside the calibrated range and were clamped into it.
        </p>
      )}
    </div>
  );
}

/** One numeric field per feature, in real units, with the integer each value is sent as. */
function FeatureForm({
  input,
  features,
  texts,
  setField,
}: {
  input: Input;
  features: readonly string[];
  texts: readonly string[];
  setField: (index: number, text: string) => void;
}) {
  const [touched, setTouched] = useState<ReadonlySet<number>>(new Set());
  const { min, max } = valueRange(quantizationOf(input));
  // Each feature's calibrated range in its own units (they differ when the model standardizes its features).
  const rangeOf = (index: number): string => {
    const one = valueQuantization(input, index);
    const [low = 0] = dequantize([min], one);
    const [high = 0] = dequantize([max], one);
    return `${formatReal(low, input.scale)} to ${formatReal(high, input.scale)}`;
  };
  const type = `${input.signed ? "int" : "uint"}${input.bits}`;
  return (
    <fieldset className="features" data-testid="feature-form">
      <legend className="field-label">
        Input: {features.length} features
        {input.standardize ? " (each in its own units)" : ` (calibrated range ${rangeOf(0)})`}
      </legend>
      {features.map((name, index) => {
        const text = texts[index] ?? "";
        const reading = readFeatureField(text, input, index);
        const show = touched.has(index) || text !== "";
        const hint = reading.ok ? (
          reading.clamped ? (
            <span className="warn" data-testid={`feature-note-${index}`}>
              outside the calibrated range ({rangeOf(index)}): sent as {reading.integer} ({type}), i.e.{" "}
              {formatReal(dequantize([reading.integer], valueQuantization(input, index))[0] ?? 0, input.scale)}
            </span>
          ) : (
            <span data-testid={`feature-note-${index}`}>
              sent as {reading.integer} ({type})
            </span>
          )
        ) : show ? (
          <span className="tx-error" role="alert" data-testid={`feature-note-${index}`}>
            {name}: {reading.error}
          </span>
        ) : undefined;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: feature names may repeat; the position is the identity.
          <Field key={index} label={name} hint={hint}>
            <input
              inputMode="decimal"
              name={`feature-${index}`}
              data-testid={`feature-${index}`}
              value={text}
              aria-invalid={show && !reading.ok}
              onChange={(event) => setField(index, event.target.value)}
              onBlur={() => setTouched((old) => new Set(old).add(index))}
            />
          </Field>
        );
      })}
    </fieldset>
  );
}
