import { z } from 'zod';

const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/);
export const manifestSchema = z.object({
  format: z.literal('sovra-model-manifest/1'),
  name: z.string(),
  /** keccak256(utf8(name)) */
  modelId: hex32,
  /** CIDv1(raw, sha2-256) of model.onnx, base32 */
  weightsCid: z.string().regex(/^b[a-z2-7]+$/),
  files: z.object({
    onnx: z.string(),
    floatOnnx: z.string(),
    intModel: z.string(),
    circuit: z.string(),
    wasm: z.string(),
    zkey: z.string(),
    vkey: z.string(),
  }),
  io: z.object({
    input: z.object({
      shape: z.array(z.number().int().positive()),
      dtype: z.literal('uint8'),
      /** real value = integer * scale */
      scale: z.number().positive(),
      hash: z.literal('poseidon(n_bytes, 31-byte LE field elements, chunks of 15)'),
    }),
    output: z.object({
      shape: z.array(z.number().int().positive()),
      count: z.number().int().positive(),
      /** signed integers; real logits ~= integer * scale */
      scale: z.number().positive(),
      min: z.number().int(),
      max: z.number().int(),
      laneBits: z.number().int().positive(),
      lanesPerField: z.number().int().positive(),
      packedLength: z.number().int().positive(),
    }),
  }),
  circuit: z.object({
    constraints: z.number().int().positive(),
    publicSignals: z.number().int().positive(),
    provingSystem: z.literal('groth16'),
    ptau: z.string(),
    trustedSetup: z.string(),
  }),
  verifier: z.object({
    contract: z.string(),
    groth16Contract: z.string(),
    source: z.string(),
  }),
  accuracy: z.object({ heldOut: z.number().int(), float: z.number(), quantized: z.number() }),
});
export type Manifest = z.infer<typeof manifestSchema>;
