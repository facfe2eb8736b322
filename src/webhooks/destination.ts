/**
 * Where a webhook may go: URL rules at registration, and the address check at connect time.
 *
 * Checking a hostname once at registration is not enough: DNS can answer a public address then and
 * 127.0.0.1 at send time (DNS rebinding; OWASP SSRF cheat sheet). So the sender resolves the name
 * itself on every attempt, checks every address, and connects to the checked address only (the
 * approach of GitLab's webhook protection and Svix's NonLocalDnsResolver).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AddressPolicy } from './address-policy.js';
import type { Config } from '../config/schema.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a hostname to every A and AAAA address. Injected so tests can simulate rebinding. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** Refusal of a destination; `message` is generic (no resolved address) and safe to show a partner. */
export class BlockedDestinationError extends Error {
  override name = 'BlockedDestinationError';
  readonly code = 'EGRANTRY_BLOCKED';
}

export class DnsError extends Error {
  override name = 'DnsError';
  readonly code = 'EGRANTRY_DNS';
}

export interface DestinationPolicyOptions {
  /** NODE_ENV=production: only https, unless every address is inside an allowed network. */
  production: boolean;
  allowedNetworks: readonly string[];
  resolver?: Resolver;
}

const MAX_URL_LENGTH = 2000;

export class DestinationPolicy {
  readonly production: boolean;
  readonly addresses: AddressPolicy;
  readonly resolver: Resolver;

  constructor(options: DestinationPolicyOptions) {
    this.production = options.production;
    this.addresses = new AddressPolicy(options.allowedNetworks);
    this.resolver = options.resolver ?? systemResolver;
  }

  /** Syntax rules of a webhook URL (OWASP API7: parse with a standard parser, allow-list schemes). Returns a reason, or null. */
  urlProblem(raw: string): string | null {
    if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return 'is not an absolute URL';
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https';
    // Credentials in a URL end up in logs (GitHub's webhook best practices); fragments are never sent.
    if (url.username || url.password) return 'must not contain a user name or password';
    if (url.hash) return 'must not have a fragment';
    if (!url.hostname) return 'has no host';
    return null;
  }

  /**
   * Resolves the URL's host and checks every address. Throws BlockedDestinationError or DnsError.
   * Used at registration (fast feedback) and by the sender's lookup on every attempt.
   */
  async resolve(url: URL): Promise<ResolvedAddress[]> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const literal = isIP(host);
    let addresses: ResolvedAddress[];
    if (literal) {
      addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
    } else {
      try {
        addresses = await this.resolver(host);
      } catch (err) {
        throw new DnsError(`the host name could not be resolved (${(err as { code?: string }).code ?? 'error'})`);
      }
      if (addresses.length === 0) throw new DnsError('the host name has no address');
    }
    this.checkAddresses(url, addresses);
    return addresses;
  }

  /** Every address must pass: one private answer among public ones is how rebinding attacks hide. */
  checkAddresses(url: URL, addresses: readonly ResolvedAddress[]): void {
    let allAllowListed = true;
    for (const a of addresses) {
      const verdict = this.addresses.check(a.address);
      if (!verdict.allowed) throw new BlockedDestinationError('the destination address is not allowed (private, loopback, link-local or otherwise non-public)');
      if (!verdict.viaAllowList) allAllowListed = false;
    }
    // Standard Webhooks "Enforcing HTTPS": token material only travels encrypted in production,
    // except to networks the operator explicitly trusts.
    if (this.production && url.protocol !== 'https:' && !allAllowListed) throw new BlockedDestinationError('the URL must use https');
  }
}

/** The policy the server applies, from its configuration (the worker, the admin API and the CLI share it). */
export function destinationPolicyFor(config: Pick<Config, 'production' | 'webhookAllowedNetworks'>, resolver?: Resolver): DestinationPolicy {
  return new DestinationPolicy({ production: config.production, allowedNetworks: config.webhookAllowedNetworks, ...(resolver ? { resolver } : {}) });
}
