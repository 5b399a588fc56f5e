import type { NextConfig } from "next";

const config: NextConfig = {
  // The workspace packages ship TypeScript sources (relative imports with `.ts` extensions).
  transpilePackages: ["@sovra/contracts", "@sovra/circuits"],
  // Poseidon (input hash) runs in the /api/input-hash route; load it from node_modules at run time.
  serverExternalPackages: ["circomlibjs"],
  reactStrictMode: true,
  poweredByHeader: false,
  // Nothing may be fetched from an outside host: no remote images, no telemetry.
  images: { unoptimized: true },
  distDir: process.env.SOVRA_WEB_DIST_DIR ?? ".next",
};

export default config;
