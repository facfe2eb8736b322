/**
 * Which network addresses a webhook may be sent to (SSRF defence). A webhook URL is chosen by a
 * partner, so without this check Grantry could be made to POST token material to, or probe,
 * internal services and cloud metadata endpoints (OWASP SSRF Prevention Cheat Sheet; OWASP API
 * Security Top 10 2023 API7).
 *
 * The rule: only globally routable unicast addresses are allowed, classified by ipaddr.js ranges
 * (the approach of request-filtering-agent), after unwrapping IPv4-mapped IPv6 (RFC 4291 §2.5.5.2)
 * and NAT64 (RFC 6052) forms so `::ffff:10.0.0.1` cannot smuggle a private IPv4 address. Operators
 * may exempt networks with GRANTRY_WEBHOOK_ALLOWED_NETWORKS (e.g. 127.0.0.0/8 for local development).
 */
import { createRequire } from 'node:module';
import type * as IpAddr from 'ipaddr.js';

// ipaddr.js is a UMD module whose exports Node's ESM loader cannot name, so it is required.
const ipaddr = createRequire(import.meta.url)('ipaddr.js') as typeof IpAddr;

type Address = IpAddr.IPv4 | IpAddr.IPv6;
type Cidr = [Address, number];

/**
 * Instance-metadata services hand out cloud credentials: refused even inside an allowed network,
 * because a broad allow-list (say 169.254.0.0/16 or 0.0.0.0/0) is an easy mistake to make.
 */
const ALWAYS_DENIED = ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200'].map((a) => ipaddr.parse(a).toNormalizedString());

export function isValidCidr(cidr: string): boolean {
  try {
    ipaddr.parseCIDR(cidr);
    return true;
  } catch {
    return false;
  }
}

/** The IPv4 address embedded in an IPv4-mapped or NAT64 (64:ff9b::/96, RFC 6052 §2.1) IPv6 address. */
function unwrap(addr: Address): Address {
  if (addr.kind() === 'ipv6') {
    const v6 = addr as IpAddr.IPv6;
    if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
    if (v6.range() === 'rfc6052') {
      const b = v6.toByteArray();
      return new ipaddr.IPv4(b.slice(12, 16));
    }
  }
  return addr;
}

export type AddressVerdict = { allowed: true; viaAllowList: boolean } | { allowed: false; reason: string };

export class AddressPolicy {
  readonly #allowed: Cidr[];

  constructor(allowedNetworks: readonly string[] = []) {
    this.#allowed = allowedNetworks.map((c) => {
      const [addr, bits] = ipaddr.parseCIDR(c);
      // ::ffff:a.b.c.d/n+96 is the IPv4 network a.b.c.d/n (addresses are unwrapped the same way).
      if (addr.kind() === 'ipv6' && (addr as IpAddr.IPv6).isIPv4MappedAddress() && bits >= 96) return [(addr as IpAddr.IPv6).toIPv4Address(), bits - 96] as Cidr;
      return [addr, bits] as Cidr;
    });
  }

  /** Classifies one resolved or literal address. */
  check(ip: string): AddressVerdict {
    let addr: Address;
    try {
      addr = unwrap(ipaddr.parse(ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '')));
    } catch {
      return { allowed: false, reason: 'not an IP address' };
    }
    if (ALWAYS_DENIED.includes(addr.toNormalizedString())) return { allowed: false, reason: 'a cloud metadata address' };
    if (this.inAllowList(addr)) return { allowed: true, viaAllowList: true };
    const range = addr.range();
    // Everything that is not plain global unicast: private (RFC 1918), loopback, linkLocal
    // (169.254/16, fe80::/10), carrierGradeNat (RFC 6598), unspecified (0/8, ::), broadcast,
    // multicast, reserved/documentation, uniqueLocal (fc00::/7), 6to4, teredo, ...
    if (range !== 'unicast') return { allowed: false, reason: `a ${range} address` };
    return { allowed: true, viaAllowList: false };
  }

  inAllowList(ip: string | Address): boolean {
    const addr = typeof ip === 'string' ? unwrap(ipaddr.parse(ip)) : ip;
    return this.#allowed.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net as never, bits));
  }
}
