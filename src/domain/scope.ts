/** The scope that grants the management API; only applications of a platform organization may hold it. */
export const ADMIN_SCOPE = 'grantry:admin';
/** Lets a resource server introspect tokens issued to other clients (RFC 7662 §4). */
export const INTROSPECT_SCOPE = 'grantry:introspect';
/**
 * A signed-in person using Grantry's own console: the management API acts for that user (only on the
 * routes that support people, with their rights). Held by first-party applications of the platform.
 */
export const CONSOLE_SCOPE = 'grantry:console';
/**
 * Scopes that govern Grantry itself. A merchant's user never grants them through consent or decoupled
 * approval: an installation token carrying grantry:admin would open the management API to whoever
 * installed the app.
 */
export const RESERVED_SCOPE_PREFIX = 'grantry:';

/**
 * Scopes are `audience:operation` (seed 001). The audience is the resource server that accepts the
 * token and ends up in its `aud` claim.
 */

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). We narrow it to the catalogue's form.
const SCOPE_RE = /^[a-z0-9][a-z0-9_.-]{0,62}:[a-z0-9][a-z0-9_.*-]{0,62}$/;

export function isValidScopeName(scope: string): boolean {
  return SCOPE_RE.test(scope);
}

export function audienceOf(scope: string): string {
  const i = scope.indexOf(':');
  return i < 0 ? scope : scope.slice(0, i);
}

export function operationOf(scope: string): string {
  const i = scope.indexOf(':');
  return i < 0 ? '' : scope.slice(i + 1);
}

/**
 * Parses a `scope` parameter: RFC 6749 §3.3 says space-delimited, so tokens are split on single
 * spaces; runs of spaces and duplicates are tolerated, anything else unusual is not a scope.
 * Returns null when a token is not a valid scope-token.
 */
export function parseScopeParam(value: string): string[] | null {
  const out: string[] = [];
  for (const token of value.split(' ')) {
    if (token === '') continue;
    // RFC 6749 §3.3 scope-token characters.
    if (!/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(token)) return null;
    if (!out.includes(token)) out.push(token);
  }
  return out;
}

/** The audiences of a set of scopes, in order of first appearance. */
export function audiencesOf(scopes: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of scopes) {
    const a = audienceOf(s);
    if (!out.includes(a)) out.push(a);
  }
  return out;
}
