// WAV input of the speech-activity model. Buyers upload files, so every header field is checked and a wrong
// file is refused with one line that says what to send instead.
import { z } from "zod";

export const VAD_SAMPLE_RATE = 16_000;
/** Longest audio the runner accepts: bounds a provider's work and memory for one job. */
export const MAX_AUDIO_SECONDS = 600;

const fmtSchema = z.object({
  format: z.literal(1, { error: (i) => `WAV encoding ${String(i.input)} not supported: send 16-bit PCM` }),
  channels: z.literal(1, { error: (i) => `WAV has ${String(i.input)} channels: send mono` }),
  sampleRate: z.literal(VAD_SAMPLE_RATE, {
    error: (i) => `WAV sample rate ${String(i.input)} Hz: send 16000 Hz`,
  }),
  bitsPerSample: z.literal(16, { error: (i) => `WAV has ${String(i.input)}-bit samples: send 16-bit PCM` }),
});

/** Mono samples scaled to [-1, 1), as Silero was trained on. */
export type Audio = { sampleRate: number; samples: Float32Array };

const ascii = (buf: Buffer, at: number): string => buf.toString("ascii", at, at + 4);

/** Parses a 16 kHz mono 16-bit PCM WAV; throws one line on anything else. */
export function parseWav(data: Uint8Array): Audio {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 12 || ascii(buf, 0) !== "RIFF" || ascii(buf, 8) !== "WAVE") throw new Error("not a WAV file");
  let fmt: z.infer<typeof fmtSchema> | undefined;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = ascii(buf, offset);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === "fmt ") {
      if (size < 16 || body + 16 > buf.length) throw new Error("WAV fmt chunk is truncated");
      // 0xFFFE (extensible) names its real encoding in a sub-format GUID whose first two bytes are the code.
      const tag = buf.readUInt16LE(body);
      const format = tag === 0xfffe && size >= 40 && body + 26 <= buf.length ? buf.readUInt16LE(body + 24) : tag;
      const parsed = fmtSchema.safeParse({
        format,
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        bitsPerSample: buf.readUInt16LE(body + 14),
      });
      if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? "WAV format not supported");
      fmt = parsed.data;
    } else if (id === "data") {
      if (fmt === undefined) throw new Error("WAV has no fmt chunk before its data");
      // A streaming writer may leave the size at 0 or 0xFFFFFFFF: the data then runs to the end of the file.
      const end = size === 0 || body + size > buf.length ? buf.length : body + size;
      const count = Math.floor((end - body) / 2);
      if (count > MAX_AUDIO_SECONDS * VAD_SAMPLE_RATE)
        throw new Error(`WAV is ${(count / VAD_SAMPLE_RATE).toFixed(0)} s long: at most ${MAX_AUDIO_SECONDS} s`);
      const samples = new Float32Array(count);
      for (let i = 0; i < count; i++) samples[i] = buf.readInt16LE(body + 2 * i) / 32768;
      return { sampleRate: fmt.sampleRate, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new Error(fmt === undefined ? "WAV has no fmt chunk" : "WAV has no data chunk");
}

/** A 16 kHz mono 16-bit PCM WAV of `samples` (clipped to [-1, 1]): what tests and buyers' tools write. */
export function encodeWav(samples: ArrayLike<number>, sampleRate = VAD_SAMPLE_RATE): Buffer {
  const out = Buffer.alloc(44 + samples.length * 2);
  out.write("RIFF", 0, "ascii");
  out.writeUInt32LE(36 + samples.length * 2, 4);
  out.write("WAVE", 8, "ascii");
  out.write("fmt ", 12, "ascii");
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write("data", 36, "ascii");
  out.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-1, Math.min(1, samples[i] as number));
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * 32768))), 44 + 2 * i);
  }
  return out;
}
