import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { Nav } from "@/components/Nav";
import { Providers } from "@/components/Providers";
import { NetworkBanner, WalletButton } from "@/components/Wallet";
import { loadRuntimeConfig } from "@/lib/server-config";
import "./globals.css";

export const metadata: Metadata = {
  title: "Sovra: verifiable AI inference market",
  description: "Buy AI inference at the best price, with a proof that the output is right.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

// The deployment is read per request, so one build serves whatever chain the server is pointed at.
export const dynamic = "force-dynamic";

export default async function RootLayout({ children }: { children: ReactNode }) {
  const list = await headers();
  const host = list.get("x-forwarded-host") ?? list.get("host") ?? "127.0.0.1:3000";
  const proto = list.get("x-forwarded-proto") ?? "http";
  const config = await loadRuntimeConfig(`${proto}://${host}`);
  return (
    <html lang="en">
      <body>
        <a className="skip" href="#main">
          Skip to content
        </a>
        <Providers config={config}>
          <header className="top">
            <a href="/" className="brand">
              Sovra
            </a>
            <Nav />
            <WalletButton />
          </header>
          <NetworkBanner />
          <main id="main">{children}</main>
          <footer className="muted">Sovra: open spot market for verifiable AI inference. GPL-3.0-or-later.</footer>
        </Providers>
      </body>
    </html>
  );
}
