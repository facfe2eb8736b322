/**
 * The one error type of the OAuth endpoints. The HTTP status of every code lives in one table so the
 * endpoints cannot disagree; docs/errors.md is checked against it by test/unit/docs.test.ts.
 */
export const OAUTH_ERROR_STATUS = {
  // RFC 6749 §5.2
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  // RFC 6749 §4.1.2.1 (authorization endpoint)
  access_denied: 400,
  unsupported_response_type: 400,
  server_error: 500,
  temporarily_unavailable: 503,
  // OpenID Connect Core §3.1.2.6 (prompt=none)
  login_required: 400,
  consent_required: 400,
  // OpenID CIBA Core §13 (authentication request) and §11 (token polling, as RFC 8628 §3.5)
  unknown_user_id: 400,
  invalid_binding_message: 400,
  authorization_pending: 400,
  slow_down: 400,
  expired_token: 400,
  // RFC 7009 §2.2.1
  unsupported_token_type: 400,
  // RFC 6750 §3.1
  invalid_token: 401,
  insufficient_scope: 403,
} as const;

export type OAuthErrorCode = keyof typeof OAUTH_ERROR_STATUS;

export interface OAuthErrorOptions {
  cause?: unknown;
  headers?: Record<string, string>;
  /**
   * Transport-level answers keep an RFC 6749 code but a different status: 405 for a wrong method,
   * 413 for an oversized body, 429 for a rate limit (RFC 6585 §4).
   */
  status?: 405 | 413 | 429;
}

export class OAuthError extends Error {
  readonly code: OAuthErrorCode;
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(code: OAuthErrorCode, description: string, options: OAuthErrorOptions = {}) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OAuthError';
    this.code = code;
    this.status = options.status ?? OAUTH_ERROR_STATUS[code];
    this.headers = options.headers ?? {};
  }

  /** The RFC 6749 §5.2 JSON body. The description is written for the client and never carries a secret. */
  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.message };
  }
}
