import { z } from "zod";

const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/);
const heldOutSchema = z.object({ heldOut: z.number().int(), float: z.number(), quantized: z.number() });

/** Any model's manifest, as `sovra-model compile` writes it (`manifestSchema` adds what the registry needs). */
export const modelManifestSchema = z.object({
  format: z.literal("sovra-model-manifest/1"),
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
      /** how each value travels and is hashed: little-endian, two's complement when signed (io/input.ts) */
      dtype: z.enum(["uint8", "int8", "uint16", "int16"]),
      /** bits of each value (range checked in the circuit); absent in manifests older than the field: 8 */
      bits: z.number().int().min(1).max(16).default(8),
      signed: z.boolean().default(false),
      /** real value = (integer - zeroPoint) * scale */
      scale: z.number().positive(),
      zeroPoint: z.number().int().default(0),
      /** one name per value, when the model's author gave them (a tabular model's form shows them) */
      features: z.array(z.string()).optional(),
      /** the model takes `(x - mean[i]) / std[i]`: buyers give x in the feature's own units, clients standardize */
      standardize: z.object({ mean: z.array(z.number()), std: z.array(z.number().positive()) }).optional(),
      /** an image model: values are its pixels, row-major channels x height x width (a drawing/upload field) */
      image: z
        .object({
          height: z.number().int().positive(),
          width: z.number().int().positive(),
          channels: z.number().int().positive(),
        })
        .optional(),
      /** over the input's bytes (`dtype`): n_bytes, then the bytes packed 31 per field element, 15 elements a call */
      hash: z.literal("poseidon(n_bytes, 31-byte LE field elements, chunks of 15)"),
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
      /**
       * true: the float model ended in a Softmax. The proven output is its logits (real logits ~= integer * scale,
       * same argmax); the buyer may compute softmax(integer * scale) itself. Absent: the output is the float model's.
       */
      softmax: z.boolean().optional(),
      /** classify: the outputs are class scores (the answer is the argmax); regress: real value = integer * scale */
      task: z.enum(["classify", "regress"]).default("classify"),
      /** one name per output value: class labels (classify) or quantities (regress), when the author gave them */
      labels: z.array(z.string()).optional(),
    }),
  }),
  circuit: z.object({
    constraints: z.number().int().positive(),
    publicSignals: z.number().int().positive(),
    provingSystem: z.literal("groth16"),
    ptau: z.string(),
    trustedSetup: z.string(),
  }),
  verifier: z.object({
    contract: z.string(),
    groth16Contract: z.string(),
    source: z.string(),
  }),
  /** classifiers compiled with held-out data: top-1 accuracy of the float and the quantized model */
  accuracy: heldOutSchema.optional(),
  /** regressors compiled with held-out data: mean absolute error of the float and the quantized model */
  meanAbsError: heldOutSchema.optional(),
});
export type ModelManifest = z.infer<typeof modelManifestSchema>;

/** A manifest fit for the market's model registry: it publishes the model's held-out accuracy. */
export const manifestSchema = modelManifestSchema.extend({ accuracy: heldOutSchema });
export type Manifest = z.infer<typeof manifestSchema>;

/**
 * The io spec a model is registered with (ModelRegistry `ioSpec`): its name (clients show it; they accept it only
 * when keccak256 of it is the model id), the manifest's io section and its published held-out figures (a
 * classifier's accuracy, a regressor's mean absolute error), as compact JSON.
 */
export function ioSpecOf(manifest: ModelManifest): string {
  return JSON.stringify({
    name: manifest.name,
    ...manifest.io,
    ...(manifest.accuracy ? { accuracy: manifest.accuracy.quantized } : {}),
    ...(manifest.meanAbsError ? { meanAbsError: manifest.meanAbsError.quantized } : {}),
  });
}
