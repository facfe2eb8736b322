/**
 * Types of grantry/verify. Kept local on purpose: this folder imports nothing from the rest of the
 * server, so resource servers can use it with `jose` alone.
 */

/** The algorithms Grantry signs with. HS* and `none` are never accepted (RFC 8725 §3.1, §3.2). */
export type AsymmetricAlg = 'RS256' | 'ES256' | 'EdDSA';

/** An RFC 9068 access token's claims as Grantry issues them. */
export interface AccessTokenClaims {
  iss: string;
  /** client_credentials: the client_id; installation tokens: the resource owner (merchant) id. */
  sub: string;
  /** The audiences of the token's scopes: one string, or a list when there are several. */
  aud: string | string[];
  /** Space-delimited scopes (RFC 8693 §4.2 / RFC 9068 §2.2.3). */
  scope?: string;
  client_id: string;
  iat: number;
  exp: number;
  nbf?: number;
  jti: string;
  /** The merchant the token acts for (Token Applications and installations). */
  merchant_id?: string;
  /** Installation tokens: the installation they were issued under. */
  installation_id?: string;
  grant_id?: string;
  [claim: string]: unknown;
}

/** A fetch compatible with the global one (injectable for tests or for a proxy-aware client). */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface IntrospectionOptions {
  /** A client allowed to introspect other clients' tokens (in Grantry: scope `grantry:introspect`). */
  clientId: string;
  clientSecret: string;
  /** How long an answer is reused for the same token. Default 5; 0 disables the cache. */
  cacheSeconds?: number;
  /** Default `${issuer}/oauth/introspect`. */
  endpoint?: string;
  /** Most answers kept at once (oldest evicted first). Default 10 000. */
  maxCacheEntries?: number;
}

export interface VerifierOptions {
  /** The issuer the tokens must carry in `iss`, e.g. `https://auth.example.com`. */
  issuer: string;
  /** This resource server's audience, e.g. `payments`; the token's `aud` must contain it. */
  audience: string;
  /** Allowed clock skew for `exp`, `nbf` and `iat`, in seconds. Default 30, at most 300. */
  clockToleranceSeconds?: number;
  /** Accepted signing algorithms. Default all three Grantry supports; only asymmetric ones are allowed. */
  algorithms?: AsymmetricAlg[];
  /** Default `${issuer}/.well-known/jwks.json`. */
  jwksUri?: string;
  /** Injectable fetch (tests, proxies). Default the global fetch. */
  fetch?: FetchLike;
  /** Injectable clock, epoch milliseconds. Default Date.now. */
  now?: () => number;
  /** Turns on introspection after the JWT checks, so revocations are seen within `cacheSeconds`. */
  introspection?: IntrospectionOptions;
  /** Shortest time between two JWKS fetches (unknown kid, or a failed fetch). Default 30 s. */
  jwksCooldownSeconds?: number;
  /** Cache lifetime when the JWKS response has no Cache-Control max-age. Default 300 s. */
  jwksDefaultMaxAgeSeconds?: number;
  /** Upper bound on the JWKS cache lifetime, whatever the response says. Default 86 400 s. */
  jwksMaxAgeCapSeconds?: number;
  /** Timeout of each HTTP call to the issuer. Default 5000 ms. */
  timeoutMs?: number;
  /** The realm of WWW-Authenticate challenges. Default the audience. */
  realm?: string;
}

export interface Verifier {
  /** Verifies a bearer access token and returns its claims, or throws VerifyError / VerifierUnavailableError. */
  verify(token: string): Promise<AccessTokenClaims>;
  /** The realm the middlewares put in WWW-Authenticate. */
  readonly realm: string;
  /** Drops the caches. The verifier holds no timers or sockets, so calling it is optional. */
  close(): void;
}
