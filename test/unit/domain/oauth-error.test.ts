import { describe, expect, it } from 'vitest';
import { OAUTH_ERROR_STATUS, OAuthError } from '../../../src/domain/oauth-error.js';

describe('OAuthError status table', () => {
  it('maps the RFC 6749 §5.2 codes', () => {
    expect(OAUTH_ERROR_STATUS).toMatchObject({
      invalid_request: 400,
      invalid_client: 401,
      invalid_grant: 400,
      unauthorized_client: 400,
      unsupported_grant_type: 400,
      invalid_scope: 400,
    });
  });

  it('maps the other families', () => {
    expect(OAUTH_ERROR_STATUS).toMatchObject({
      server_error: 500,
      temporarily_unavailable: 503,
      unsupported_token_type: 400, // RFC 7009 §2.2.1
      invalid_token: 401, // RFC 6750 §3.1
      insufficient_scope: 403,
    });
  });

  it('takes the status from the table for every code', () => {
    for (const [code, status] of Object.entries(OAUTH_ERROR_STATUS)) {
      const err = new OAuthError(code as keyof typeof OAUTH_ERROR_STATUS, 'x');
      expect(err.status, code).toBe(status);
      expect(err.toJSON(), code).toEqual({ error: code, error_description: 'x' });
    }
  });

  it('lets transport errors override the status but keep the code', () => {
    const err = new OAuthError('invalid_request', 'too large', { status: 413 });
    expect(err.status).toBe(413);
    expect(err.toJSON().error).toBe('invalid_request');
    expect(new OAuthError('invalid_request', 'GET', { status: 405 }).status).toBe(405);
  });

  it('carries headers and the cause', () => {
    const cause = new Error('db');
    const err = new OAuthError('invalid_client', 'nope', { headers: { 'retry-after': '1' }, cause });
    expect(err.headers).toEqual({ 'retry-after': '1' });
    expect(err.cause).toBe(cause);
    expect(err).toBeInstanceOf(Error);
    expect(new OAuthError('invalid_client', 'nope').headers).toEqual({});
  });
});
