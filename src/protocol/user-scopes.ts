import type { Application } from '../domain/application.js';
import { CONSOLE_SCOPE, RESERVED_SCOPE_PREFIX, parseScopeParam } from '../domain/scope.js';

/**
 * The scopes a person may grant an application: the one rule behind both the authorization endpoint
 * (protocol/authorize.ts, consent) and the backchannel endpoint (protocol/decoupled.ts, CIBA approval).
 * A person grants a subset of what the application may hold, and never a `grantry:` scope (an
 * installation token carrying grantry:admin would open the management API to whoever installed the
 * app), except `grantry:console` asked for by a first-party application of the platform.
 */

export type UserScopeResult =
  | { ok: true; scopes: string[] }
  | { ok: false; code: 'invalid_request' | 'invalid_scope'; description: string };

export interface UserScopeRules {
  /** A first-party (platform) application may ask for grantry:console (the console's own sign-in). */
  firstParty: boolean;
  /**
   * CIBA §7.1 makes `scope` REQUIRED (missing or empty is invalid_request). Without it, RFC 6749 §3.3
   * lets the server apply a default: the authorization endpoint asks for everything grantable.
   */
  required: boolean;
}

export function userGrantableScopes(app: Pick<Application, 'scopes'>, param: string | undefined, rules: UserScopeRules): UserScopeResult {
  const grantable = (s: string) => !s.startsWith(RESERVED_SCOPE_PREFIX) || (rules.firstParty && s === CONSOLE_SCOPE);
  const fail = (code: 'invalid_request' | 'invalid_scope', description: string): UserScopeResult => ({ ok: false, code, description });
  let scopes: string[];
  if (param === undefined) {
    if (rules.required) return fail('invalid_request', 'the scope parameter is required');
    scopes = app.scopes.filter(grantable);
  } else {
    const parsed = parseScopeParam(param);
    if (parsed === null) return fail('invalid_scope', 'the scope parameter is malformed');
    scopes = parsed;
  }
  if (scopes.length === 0) {
    return rules.required ? fail('invalid_request', 'the scope parameter is required') : fail('invalid_scope', 'no scope to grant: the application has none');
  }
  const reserved = scopes.filter((s) => !grantable(s));
  if (reserved.length > 0) return fail('invalid_scope', `these scopes cannot be granted by a user: ${reserved.join(' ')}`);
  // RFC 6749 §3.3: the granted scope is at most what the client may have.
  const unknown = scopes.filter((s) => !app.scopes.includes(s));
  if (unknown.length > 0) return fail('invalid_scope', `scope not allowed for this application: ${unknown.join(' ')}`);
  return { ok: true, scopes };
}
