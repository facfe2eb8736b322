import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { VerifyError } from './errors.js';
import { IntrospectionClient } from './introspection.js';
import { JwksCache } from './jwks.js';
import type { AccessTokenClaims, AsymmetricAlg, Verifier, VerifierOptions } from './types.js';

const SUPPORTED: readonly AsymmetricAlg[] = ['RS256', 'ES256', 'EdDSA'];
/** Larger than any token Grantry issues by far; bigger inputs are refused before any parsing. */
const MAX_TOKEN_LENGTH = 8192;
/** RFC 9068 §2.2: the claims every access token carries. */
const REQUIRED = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];

/**
 * Creates a verifier of Grantry access tokens (RFC 9068 JWTs) for one resource server (audience).
 * Checks, in order: size and shape, header `alg` in the allow-list and `kid` present, `typ` at+jwt,
 * the key from the issuer's JWKS, the signature, `iss`, `aud`, `exp`/`nbf`/`iat` with the clock
 * tolerance, the claim types; then, in introspection mode, that the issuer still says `active`.
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const issuer = requireString(options.issuer, 'issuer');
  const audience = requireString(options.audience, 'audience');
  const tolerance = options.clockToleranceSeconds ?? 30;
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > 300) throw new TypeError('clockToleranceSeconds must be between 0 and 300');
  const algorithms = [...(options.algorithms ?? SUPPORTED)];
  // RFC 8725 §3.1: an allow-list of algorithms, never `none`; symmetric (HS*) algorithms would let anyone
  // holding the public key material forge tokens, so they are refused even if asked for.
  const unsupported = algorithms.filter((a) => !SUPPORTED.includes(a));
  if (unsupported.length > 0 || algorithms.length === 0) throw new TypeError(`algorithms must be a non-empty subset of ${SUPPORTED.join(', ')}`);
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 5000;
  const base = issuer.replace(/\/+$/, '');

  const jwks = new JwksCache({
    uri: options.jwksUri ?? `${base}/.well-known/jwks.json`,
    fetch: fetchImpl,
    now,
    cooldownSeconds: options.jwksCooldownSeconds ?? 30,
    defaultMaxAgeSeconds: options.jwksDefaultMaxAgeSeconds ?? 300,
    maxAgeCapSeconds: options.jwksMaxAgeCapSeconds ?? 86_400,
    timeoutMs,
  });
  const introspection = options.introspection
    ? new IntrospectionClient(options.introspection.endpoint ?? `${base}/oauth/introspect`, options.introspection, fetchImpl, now, timeoutMs)
    : null;

  async function verify(token: string): Promise<AccessTokenClaims> {
    if (typeof token !== 'string' || token.length === 0) throw new VerifyError('invalid_token', 'no token');
    if (token.length > MAX_TOKEN_LENGTH) throw new VerifyError('invalid_token', 'the token is too large');
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) throw new VerifyError('invalid_token', 'the token is not a signed JWT');

    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new VerifyError('invalid_token', 'the token header is malformed');
    }
    // Checked before any key lookup: a token with a foreign alg (none, HS256) never causes a JWKS fetch.
    if (typeof header.alg !== 'string' || !algorithms.includes(header.alg as AsymmetricAlg)) {
      throw new VerifyError('invalid_token', 'the token algorithm is not accepted');
    }
    // RFC 9068 §4: typ must be at+jwt (application/at+jwt is the same media type).
    if (typeof header.typ !== 'string' || !/^(application\/)?at\+jwt$/i.test(header.typ)) {
      throw new VerifyError('invalid_token', 'the token is not an access token (typ must be at+jwt)');
    }
    if (typeof header.kid !== 'string' || header.kid === '') throw new VerifyError('invalid_token', 'the token header has no kid');
    if (header.crit !== undefined) throw new VerifyError('invalid_token', 'the token header has unsupported critical parameters');

    const key = await jwks.key(header.kid, header.alg as AsymmetricAlg);
    const currentMs = now();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms,
        issuer,
        audience,
        typ: 'at+jwt',
        clockTolerance: tolerance,
        currentDate: new Date(currentMs),
        requiredClaims: REQUIRED,
      }));
    } catch (err) {
      throw new VerifyError('invalid_token', describe(err));
    }
    const claims = checkClaims(payload, Math.floor(currentMs / 1000), tolerance);
    if (introspection && !(await introspection.isActive(token, claims.exp))) {
      throw new VerifyError('invalid_token', 'the token has been revoked');
    }
    return claims;
  }

  return {
    verify,
    realm: options.realm ?? audience,
    close() {
      jwks.clear();
      introspection?.clear();
    },
  };
}

/** A description of a jose failure that says which check failed, and nothing from the token. */
function describe(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'nbf':
        return 'the token is not valid yet';
      case 'iss':
        return 'the token was issued by another issuer';
      case 'aud':
        return 'the token is not meant for this audience';
      case 'typ':
        return 'the token is not an access token (typ must be at+jwt)';
      default:
        return err.reason === 'missing' ? `the token has no "${err.claim}" claim` : `the "${err.claim}" claim is invalid`;
    }
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'the token algorithm is not accepted';
  return 'the token is malformed';
}

function checkClaims(payload: JWTPayload, nowSeconds: number, tolerance: number): AccessTokenClaims {
  const p = payload as Record<string, unknown>;
  for (const name of ['sub', 'client_id', 'jti'] as const) {
    if (typeof p[name] !== 'string' || p[name] === '') throw new VerifyError('invalid_token', `the "${name}" claim is invalid`);
  }
  if (typeof p.exp !== 'number' || typeof p.iat !== 'number') throw new VerifyError('invalid_token', 'the token times are invalid');
  // jose checks iat only against a maximum age; a token issued in the future is refused here.
  if (p.iat > nowSeconds + tolerance) throw new VerifyError('invalid_token', 'the token is issued in the future');
  if (p.scope !== undefined && typeof p.scope !== 'string') throw new VerifyError('invalid_token', 'the "scope" claim is invalid');
  for (const name of ['merchant_id', 'installation_id', 'grant_id'] as const) {
    if (p[name] !== undefined && typeof p[name] !== 'string') throw new VerifyError('invalid_token', `the "${name}" claim is invalid`);
  }
  return p as AccessTokenClaims;
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} is required`);
  return value;
}

/** The token's scopes as a list (RFC 9068 §2.2.3.1: space-delimited `scope`). */
export function scopesOf(claims: Pick<AccessTokenClaims, 'scope'>): string[] {
  return typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
}
