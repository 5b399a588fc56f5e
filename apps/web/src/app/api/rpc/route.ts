// Forwards the browser's JSON-RPC reads to the configured node, so the browser needs neither CORS on the node
// nor a route to it. Only JSON-RPC bodies of bounded size pass.
import { serverRpcUrl } from "@/lib/server-config";

export const dynamic = "force-dynamic";

const MAX_BODY = 1_000_000;

export async function POST(request: Request): Promise<Response> {
  const body = await request.text();
  if (body.length > MAX_BODY) return Response.json({ error: "request too large" }, { status: 413 });
  try {
    JSON.parse(body);
  } catch {
    return Response.json({ error: "not JSON" }, { status: 400 });
  }
  try {
    const upstream = await fetch(serverRpcUrl(), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      cache: "no-store",
    });
    return new Response(await upstream.text(), {
      status: upstream.status,
      headers: { "content-type": "application/json", "cache-control": "no-store" },
    });
  } catch {
    return Response.json({ error: "the chain's RPC node is not reachable" }, { status: 502 });
  }
}
