import { importJWK, type JWK } from 'jose';
import { VerifierUnavailableError, VerifyError } from './errors.js';
import type { AsymmetricAlg, FetchLike } from './types.js';

export interface JwksCacheOptions {
  uri: string;
  fetch: FetchLike;
  now: () => number;
  cooldownSeconds: number;
  defaultMaxAgeSeconds: number;
  maxAgeCapSeconds: number;
  timeoutMs: number;
}

/** What a key type may sign with (RFC 7518 §3.1, RFC 8037 §3.1). Symmetric keys are never usable. */
const KTY_FOR_ALG: Record<AsymmetricAlg, (jwk: JWK) => boolean> = {
  RS256: (k) => k.kty === 'RSA',
  ES256: (k) => k.kty === 'EC' && k.crv === 'P-256',
  EdDSA: (k) => k.kty === 'OKP' && k.crv === 'Ed25519',
};

/** A JWKS response larger than this is garbage, not a key set. */
const MAX_JWKS_BYTES = 512 * 1024;
/** With no key at all nothing can be verified: retry sooner than the cooldown, but not on every request. */
const NO_KEYS_RETRY_MS = 1000;

/**
 * Parses Cache-Control for the cache lifetime in seconds: max-age, or 0 for no-store / no-cache
 * (RFC 9111 §5.2.2), or null when it says nothing.
 */
export function cacheLifetime(header: string | null): number | null {
  if (!header) return null;
  let maxAge: number | null = null;
  for (const part of header.split(',')) {
    const [rawName, rawValue] = part.trim().split('=', 2);
    const name = rawName?.trim().toLowerCase();
    if (name === 'no-store' || name === 'no-cache') return 0;
    if (name === 'max-age' && rawValue !== undefined) {
      const n = Number(rawValue.trim().replace(/^"|"$/g, ''));
      if (Number.isInteger(n) && n >= 0) maxAge = n;
    }
  }
  return maxAge;
}

/** What jose imports a JWK as (a CryptoKey). */
type VerificationKey = Awaited<ReturnType<typeof importJWK>>;

interface CachedKey {
  jwk: JWK;
  imported: Map<string, VerificationKey>;
}

/**
 * The issuer's JWK Set, cached.
 * - Fetched on first use; kept for the response's Cache-Control max-age (default when absent, bounded
 *   below by the cooldown and above by the cap; no-store/no-cache mean the cooldown).
 * - An unknown `kid` triggers a refetch only if no fetch happened during the cooldown, so tokens with
 *   attacker-chosen kids cannot turn every request into a JWKS fetch. Concurrent refetches share one call.
 * - A failed fetch (network, non-200, not a key set) never discards keys already held: they stay in use,
 *   and the next attempt waits for the cooldown.
 */
export class JwksCache {
  #keys: Map<string, CachedKey> | null = null;
  #expiresAt = 0;
  #lastAttemptAt: number | null = null;
  #inflight: Promise<void> | null = null;
  /** Number of HTTP fetches made (observability, tests). */
  fetches = 0;

  constructor(private readonly options: JwksCacheOptions) {}

  /** The verification key for `kid` and `alg`, fetching the set when needed. */
  async key(kid: string, alg: AsymmetricAlg): Promise<VerificationKey> {
    const now = this.options.now();
    if (this.#keys === null || now >= this.#expiresAt) await this.#refreshIfAllowed();
    let entry = this.#keys?.get(kid);
    if (!entry) {
      // RFC 7515 §4.1.4 / RFC 7517 §4.5: a kid we do not know may be a key published after our fetch.
      await this.#refreshIfAllowed();
      entry = this.#keys?.get(kid);
    }
    if (!entry) {
      if (this.#keys === null) throw new VerifierUnavailableError('the issuer JWKS could not be fetched');
      throw new VerifyError('invalid_token', 'the signing key is unknown');
    }
    // RFC 7517 §4.4: when the key names its algorithm, the token must use that one.
    if ((entry.jwk.alg !== undefined && entry.jwk.alg !== alg) || !KTY_FOR_ALG[alg](entry.jwk)) {
      throw new VerifyError('invalid_token', 'the token algorithm does not match its key');
    }
    let imported = entry.imported.get(alg);
    if (!imported) {
      try {
        imported = await importJWK(entry.jwk, alg);
      } catch {
        throw new VerifyError('invalid_token', 'the signing key is unusable');
      }
      entry.imported.set(alg, imported);
    }
    return imported;
  }

  clear(): void {
    this.#keys = null;
    this.#expiresAt = 0;
    this.#lastAttemptAt = null;
  }

  async #refreshIfAllowed(): Promise<void> {
    if (this.#inflight) return this.#inflight;
    const now = this.options.now();
    const gap = this.#keys === null ? NO_KEYS_RETRY_MS : this.options.cooldownSeconds * 1000;
    if (this.#lastAttemptAt !== null && now - this.#lastAttemptAt < gap) return;
    this.#lastAttemptAt = now;
    this.#inflight = this.#fetch().finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  async #fetch(): Promise<void> {
    this.fetches++;
    let keys: Map<string, CachedKey>;
    let lifetime: number | null;
    try {
      const res = await this.options.fetch(this.options.uri, {
        headers: { accept: 'application/jwk-set+json, application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => {});
        return;
      }
      const text = await res.text();
      if (text.length > MAX_JWKS_BYTES) return;
      keys = parseJwks(JSON.parse(text));
      lifetime = cacheLifetime(res.headers.get('cache-control'));
    } catch {
      // Network failure, timeout or garbage: the keys we hold (if any) stay in use.
      return;
    }
    if (keys.size === 0) return;
    const { cooldownSeconds, defaultMaxAgeSeconds, maxAgeCapSeconds } = this.options;
    const seconds = Math.min(Math.max(lifetime ?? defaultMaxAgeSeconds, cooldownSeconds), maxAgeCapSeconds);
    // Keys that did not change keep their imported form.
    for (const [kid, entry] of keys) {
      const previous = this.#keys?.get(kid);
      if (previous && JSON.stringify(previous.jwk) === JSON.stringify(entry.jwk)) keys.set(kid, previous);
    }
    this.#keys = keys;
    this.#expiresAt = this.options.now() + seconds * 1000;
  }
}

/** The usable signature keys of a JWK Set: asymmetric, public, with a kid, `use` absent or `sig`. */
function parseJwks(body: unknown): Map<string, CachedKey> {
  const out = new Map<string, CachedKey>();
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { keys?: unknown }).keys)) return out;
  for (const raw of (body as { keys: unknown[] }).keys) {
    if (typeof raw !== 'object' || raw === null) continue;
    const jwk = raw as JWK;
    if (typeof jwk.kid !== 'string' || jwk.kid === '' || out.has(jwk.kid)) continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (!['RSA', 'EC', 'OKP'].includes(jwk.kty ?? '')) continue;
    // A private part has no business in a public key set; never use such a key.
    if (jwk.d !== undefined) continue;
    out.set(jwk.kid, { jwk, imported: new Map() });
  }
  return out;
}
