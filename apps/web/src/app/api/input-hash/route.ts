// Poseidon hash of a bid's input bytes (its `inputRef`, any model's encoding), as the model circuits compute it
// (computed on the server: the Poseidon implementation is a Node package).
import { hexToBytes } from "viem";
import { hashBytes } from "@sovra/circuits/io/hash";
import { inputHashRequestSchema } from "@/lib/input-encoding";
import { MAX_INPUT_BYTES } from "@/lib/io-spec";

export const dynamic = "force-dynamic";

// The JSON body: the hex of at most MAX_INPUT_BYTES bytes and its key; anything longer is refused unread.
const MAX_BODY_CHARS = 2 * MAX_INPUT_BYTES + 64;

export async function POST(request: Request): Promise<Response> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_CHARS) return Response.json({ error: "the input is too large" }, { status: 413 });
  const text = await request.text();
  if (text.length > MAX_BODY_CHARS) return Response.json({ error: "the input is too large" }, { status: 413 });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return Response.json({ error: "not JSON" }, { status: 400 });
  }
  const parsed = inputHashRequestSchema.safeParse(body);
  if (!parsed.success) return Response.json({ error: parsed.error.issues[0]?.message ?? "bad input" }, { status: 400 });
  const inputHash = await hashBytes(hexToBytes(parsed.data.inputRef as `0x${string}`));
  return Response.json({ inputHash: inputHash.toString() });
}
