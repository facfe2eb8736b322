import { OAuthError } from '../domain/oauth-error.js';
import { parseScopeParam } from '../domain/scope.js';

/**
 * Checks a requested `scope` against what the client may have. Seed 001: no scope → 400, a scope not
 * linked to the application → 400; RFC 6749 §5.2 names the code invalid_scope for both.
 */
export function requireScopes(requested: string | undefined, allowed: readonly string[]): string[] {
  if (requested === undefined || requested.trim() === '') {
    throw new OAuthError('invalid_scope', 'the scope parameter is required');
  }
  const scopes = parseScopeParam(requested);
  if (scopes === null) throw new OAuthError('invalid_scope', 'the scope parameter is malformed');
  if (scopes.length === 0) throw new OAuthError('invalid_scope', 'the scope parameter is required');
  const missing = scopes.filter((s) => !allowed.includes(s));
  if (missing.length > 0) {
    throw new OAuthError('invalid_scope', `scope not granted to this client: ${missing.join(' ')}`);
  }
  return scopes;
}
