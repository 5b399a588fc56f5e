"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useSovraConfig } from "./Providers";
import { isLocalChain } from "@/lib/runtime-config";

const links = [
  { href: "/", label: "Market" },
  { href: "/buy", label: "Buy" },
  { href: "/orders", label: "My orders" },
  { href: "/provider", label: "Provider" },
  { href: "/disputes", label: "Disputes" },
  { href: "/governance", label: "Governance" },
  { href: "/models", label: "Models" },
];

export function Nav() {
  const pathname = usePathname();
  const { chainId } = useSovraConfig();
  const all = isLocalChain(chainId) ? [...links, { href: "/faucet", label: "Faucet" }] : links;
  return (
    <nav aria-label="Main">
      <ul>
        {all.map((link) => (
          <li key={link.href}>
            <Link href={link.href} aria-current={pathname === link.href ? "page" : undefined}>
              {link.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
