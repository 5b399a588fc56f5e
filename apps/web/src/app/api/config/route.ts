import { loadRuntimeConfig } from "@/lib/server-config";

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  const config = await loadRuntimeConfig(new URL(request.url).origin);
  return Response.json(config, { headers: { "cache-control": "no-store" } });
}
