/**
 * Errors of grantry/verify. Descriptions are written for the caller of the resource server: they never
 * contain the token, a key, or a client secret.
 */

/** RFC 6750 §3.1 error codes a resource server answers with. */
export type VerifyErrorCode = 'invalid_token' | 'insufficient_scope';

/** The token is not acceptable (401 invalid_token) or lacks a scope (403 insufficient_scope). */
export class VerifyError extends Error {
  override readonly name = 'VerifyError';
  constructor(
    readonly code: VerifyErrorCode,
    readonly description: string,
    /** For insufficient_scope: the scopes the request needs (RFC 6750 §3 `scope` attribute). */
    readonly scopes: readonly string[] = [],
  ) {
    super(`${code}: ${description}`);
  }

  /** The HTTP status RFC 6750 §3.1 gives the code. */
  get status(): 401 | 403 {
    return this.code === 'insufficient_scope' ? 403 : 401;
  }
}

/**
 * The token could not be checked because the authorization server could not be reached (no JWKS has
 * ever been fetched, or the introspection endpoint failed). Not the token's fault: the middlewares
 * answer 503, never 401, so clients do not throw away good tokens during an outage.
 */
export class VerifierUnavailableError extends Error {
  override readonly name = 'VerifierUnavailableError';
  constructor(readonly description: string, options?: { cause?: unknown }) {
    super(description, options);
  }
}
