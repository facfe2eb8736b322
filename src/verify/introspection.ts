import { createHash } from 'node:crypto';
import { VerifierUnavailableError } from './errors.js';
import type { FetchLike, IntrospectionOptions } from './types.js';

interface Entry {
  active: boolean;
  expiresAt: number;
}

/**
 * RFC 7662 client with a short cache. Answers are kept per token (by SHA-256 of the token, so the
 * cache holds no bearer credentials) for `cacheSeconds`, never past the token's own expiry.
 */
export class IntrospectionClient {
  readonly #cache = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<boolean>>();
  readonly #authorization: string;
  readonly #cacheMs: number;
  readonly #maxEntries: number;
  /** Number of HTTP calls made (observability, tests). */
  calls = 0;

  constructor(
    private readonly endpoint: string,
    options: IntrospectionOptions,
    private readonly fetch: FetchLike,
    private readonly now: () => number,
    private readonly timeoutMs: number,
  ) {
    // RFC 6749 §2.3.1: form-urlencode each part, then Base64 (RFC 7662 §2.1 uses the same client auth).
    const pair = `${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`;
    this.#authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    this.#cacheMs = Math.max(0, options.cacheSeconds ?? 5) * 1000;
    this.#maxEntries = Math.max(1, options.maxCacheEntries ?? 10_000);
  }

  /** Whether the issuer still considers the token active. `exp` (seconds) bounds the cache entry. */
  async isActive(token: string, exp: number): Promise<boolean> {
    const key = createHash('sha256').update(token).digest('base64url');
    const now = this.now();
    const hit = this.#cache.get(key);
    if (hit && hit.expiresAt > now) return hit.active;
    if (hit) this.#cache.delete(key);
    const pending = this.#inflight.get(key);
    if (pending) return pending;
    const call = this.#call(token).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, call);
    const active = await call;
    if (this.#cacheMs > 0) this.#remember(key, { active, expiresAt: Math.min(this.now() + this.#cacheMs, exp * 1000) });
    return active;
  }

  clear(): void {
    this.#cache.clear();
  }

  #remember(key: string, entry: Entry): void {
    if (this.#cache.size >= this.#maxEntries) {
      const now = this.now();
      for (const [k, e] of this.#cache) if (e.expiresAt <= now) this.#cache.delete(k);
      // Still full: evict in insertion order (the oldest answers).
      for (const k of this.#cache.keys()) {
        if (this.#cache.size < this.#maxEntries) break;
        this.#cache.delete(k);
      }
    }
    this.#cache.set(key, entry);
  }

  async #call(token: string): Promise<boolean> {
    this.calls++;
    let res: Response;
    try {
      res = await this.fetch(this.endpoint, {
        method: 'POST',
        headers: {
          authorization: this.#authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        // The request carries client credentials: never replay it to another location.
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new VerifierUnavailableError('the introspection endpoint could not be reached', { cause: err });
    }
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => {});
      // 401 here means this resource server's own client credentials are wrong: not the token's fault.
      throw new VerifierUnavailableError(`the introspection endpoint answered HTTP ${res.status}`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch (err) {
      throw new VerifierUnavailableError('the introspection endpoint answered with invalid JSON', { cause: err });
    }
    if (typeof body !== 'object' || body === null || typeof (body as { active?: unknown }).active !== 'boolean') {
      throw new VerifierUnavailableError('the introspection response has no boolean "active"');
    }
    // RFC 7662 §2.2: "active" is the one required member.
    return (body as { active: boolean }).active;
  }
}

const formEncode = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');
