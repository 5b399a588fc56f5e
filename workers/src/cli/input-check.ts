import type { MnistInput } from "../image.ts";
import type { ModelInput } from "../model-input.ts";

/**
 * What `sovra bid` would change about an input, or why it would be worth nothing, in words: empty when the pixels
 * go as they are and hold a digit. The CLI stops on any of these unless `--yes`, since the bid is paid for.
 */
export function inputConcerns(file: string, input: MnistInput): string[] {
  const concerns: string[] = [];
  if (input.blank)
    return [`${file} is blank (no two pixels differ by more than 32 grey levels): there is no digit to classify`];
  if (input.source.kind === "png" && input.prepared !== null) {
    const { width, height } = input.source;
    const p = input.prepared;
    const steps = [
      p.inverted ? "inverted to white ink on black" : undefined,
      p.box !== null && p.scaledTo !== null
        ? `cropped to the ink's ${p.box.width}x${p.box.height} box, scaled to ${p.scaledTo.width}x${p.scaledTo.height} and centred in 28x28`
        : "scaled to 28x28",
    ].filter((s) => s !== undefined);
    concerns.push(`${file} is a ${width}x${height} PNG, not MNIST's 28x28 white-on-black: it is ${steps.join(", ")}`);
  }
  return concerns;
}

/** The one-line refusal printed (after the preview) when an input has concerns and `--yes` was not given. */
export function inputRefusal(file: string, input: MnistInput): string {
  if (input.blank)
    return `not sent: ${file} is blank, so a provider would be paid to classify nothing; run again with --yes to send it anyway`;
  const size = input.source.kind === "png" ? `${input.source.width}x${input.source.height}` : "28x28";
  return `not sent: ${file} was rescaled from ${size} to MNIST's 28x28 (what would be sent is shown above); check it, then run again with --yes to send it as shown`;
}

/** `inputConcerns` for any model's input: an MNIST picture's, or an image rescaled to the model's size. */
export function modelInputConcerns(file: string, input: ModelInput): string[] {
  if (input.mnist !== undefined) return inputConcerns(file, input.mnist);
  if (input.resized === undefined) return [];
  const { from, to } = input.resized;
  return [`${file} is a ${from.width}x${from.height} PNG: it is scaled to the model's ${to.width}x${to.height}`];
}

/** `inputRefusal` for any model's input (only called when `modelInputConcerns` found something). */
export function modelInputRefusal(file: string, input: ModelInput): string {
  if (input.mnist !== undefined) return inputRefusal(file, input.mnist);
  const r = input.resized;
  const sizes = r !== undefined ? ` from ${r.from.width}x${r.from.height} to ${r.to.width}x${r.to.height}` : "";
  return `not sent: ${file} was rescaled${sizes}; check it, then run again with --yes to send it as it was scaled`;
}
