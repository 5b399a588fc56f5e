// The verifying key's hash, as the model registry records it and a verifier reports it
// (`IInferenceVerifier.verifyingKeyHash`): keccak256 of the key's coordinates as 32-byte big-endian words, in the
// order of the constants of snarkjs's Solidity verifier (alpha, beta, gamma, delta with each G2 coordinate's two
// limbs swapped as that template stores them, then every IC point). A light entry point: it loads no prover.
import { concat, type Hex, keccak256, numberToHex } from "viem";
import { z } from "zod";

const field = z.string().regex(/^\d+$/);
const g1 = z.tuple([field, field]).rest(field);
const g2 = z.tuple([z.tuple([field, field]), z.tuple([field, field])]).rest(z.array(field));

/** The fields of a snarkjs Groth16 `vkey.json` the hash covers. */
export const vkeySchema = z.object({
  protocol: z.literal("groth16"),
  curve: z.literal("bn128"),
  vk_alpha_1: g1,
  vk_beta_2: g2,
  vk_gamma_2: g2,
  vk_delta_2: g2,
  IC: z.array(g1).min(1),
});

/** keccak256 of the verifying key, as the verifier contract computes it from its constants. */
export function vkeyHash(vkey: unknown): Hex {
  const k = vkeySchema.parse(vkey);
  const g2Words = (p: z.infer<typeof g2>): string[] => [p[0][1], p[0][0], p[1][1], p[1][0]];
  const words = [
    k.vk_alpha_1[0],
    k.vk_alpha_1[1],
    ...g2Words(k.vk_beta_2),
    ...g2Words(k.vk_gamma_2),
    ...g2Words(k.vk_delta_2),
    ...k.IC.flatMap((p) => [p[0], p[1]]),
  ];
  return keccak256(concat(words.map((w) => numberToHex(BigInt(w), { size: 32 }))));
}
