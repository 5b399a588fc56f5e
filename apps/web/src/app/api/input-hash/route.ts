// Poseidon input hash of 784 pixels, as the model circuits compute it (computed on the server: the Poseidon
// implementation is a Node package).
import { hashBytes } from "@sovra/circuits/io/hash";
import { pixelsSchema } from "@/lib/input-encoding";

export const dynamic = "force-dynamic";

export async function POST(request: Request): Promise<Response> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return Response.json({ error: "not JSON" }, { status: 400 });
  }
  const parsed = pixelsSchema.safeParse(body);
  if (!parsed.success) return Response.json({ error: parsed.error.issues[0]?.message ?? "bad input" }, { status: 400 });
  const inputHash = await hashBytes(parsed.data);
  return Response.json({ inputHash: inputHash.toString() });
}
