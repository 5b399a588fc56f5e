// Whether a re-executed result and a committed one are the same result, by the model's comparison rule: what an
// auditor, a committee member and a buyer's --verify all decide with.
import { outputHash, sameResult } from "./canonical.ts";
import type { OptimisticModelName } from "./models.ts";
import { decodeOutputWords } from "./output-words.ts";

export function agreesWith(model: OptimisticModelName, mine: Uint8Array, words: readonly bigint[]): boolean {
  let decoded: ReturnType<typeof decodeOutputWords>;
  try {
    decoded = decodeOutputWords(words);
  } catch {
    return false; // committed words that are not an output at all are wrong
  }
  if (decoded.kind === "hash") return BigInt(decoded.commitment) === outputHash(mine).field;
  try {
    return sameResult(model, mine, decoded.bytes);
  } catch {
    return false; // committed bytes that do not parse as the model's output are wrong
  }
}
