import { createHash } from 'node:crypto';
import type { Application } from '../domain/application.js';
import { OAuthError } from '../domain/oauth-error.js';
import { AUTHORIZATION_CODE_PREFIX, AUTHORIZATION_CODE_TTL_MS, S256_CHALLENGE_RE } from '../domain/authorization.js';
import type { Clock } from '../domain/clock.js';
import type { Random } from '../domain/random.js';
import type { Hasher } from '../crypto/hasher.js';
import { userGrantableScopes } from './user-scopes.js';
import type { Stores } from '../storage/ports.js';
import type { ClientRegistry } from './client-registry.js';
import { isClientIdSyntax } from './client-auth.js';
import { appendAudit } from '../storage/audit.js';

/** A validated authorization request (RFC 6749 §4.1.1 with RFC 7636 §4.3). */
export interface AuthorizationRequest {
  app: Application;
  redirectUri: string;
  /** Whether redirect_uri was in the request (then the token request must repeat it, RFC 6749 §4.1.3). */
  redirectUriGiven: boolean;
  scopes: string[];
  state: string | undefined;
  codeChallenge: string | null;
  /** OpenID Connect `prompt`: `none` asks for no page at all, `login` for a fresh sign-in, `consent` for the consent page. */
  prompt: 'none' | 'login' | 'consent' | undefined;
  /**
   * An application of the platform organization itself (Grantry's console, the platform's own tools):
   * it acts for the signed-in person, not for a merchant, so there is no consent page and no
   * installation; its tokens carry the user as `sub`.
   */
  firstParty: boolean;
}

export type AuthorizationCheck =
  | { ok: true; request: AuthorizationRequest }
  /** RFC 6749 §4.1.2.1: an invalid client or redirect URI is told to the user, never redirected. */
  | { ok: false; redirect: null; error: OAuthError }
  | { ok: false; redirect: { uri: string; state: string | undefined }; error: OAuthError };

export interface AuthorizeDeps {
  clients: ClientRegistry;
  clock: Clock;
  random: Random;
  hasher: Hasher;
  issuer: string;
}


/** The parameters the authorization endpoint reads; the others are ignored (RFC 6749 §3.1). */
export const AUTHORIZATION_PARAMS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'prompt'] as const;

/**
 * Reads the query of an authorization request. RFC 6749 §3.1: parameters sent without a value are
 * treated as omitted and MUST NOT be included more than once.
 */
export function readAuthorizationParams(search: URLSearchParams): { params: Record<string, string>; repeated: string | null } {
  const params: Record<string, string> = Object.create(null);
  let repeated: string | null = null;
  const seen = new Set<string>();
  for (const [key, value] of search) {
    if (seen.has(key) && (AUTHORIZATION_PARAMS as readonly string[]).includes(key)) repeated ??= key;
    seen.add(key);
    if (value !== '' && (AUTHORIZATION_PARAMS as readonly string[]).includes(key)) params[key] = value;
  }
  return { params, repeated };
}

/**
 * Validates an authorization request in the order RFC 6749 §4.1.2.1 requires: first the client and
 * its redirect URI (errors shown to the user), then everything else (errors sent to the client).
 */
export async function checkAuthorizationRequest(params: Record<string, string>, repeated: string | null, deps: Pick<AuthorizeDeps, 'clients'> & { stores: Pick<Stores, 'organizations'> }): Promise<AuthorizationCheck> {
  const page = (description: string): AuthorizationCheck => ({ ok: false, redirect: null, error: new OAuthError('invalid_request', description) });
  if (repeated === 'client_id' || repeated === 'redirect_uri') return page(`the ${repeated} parameter is repeated`);
  const clientId = params.client_id;
  if (!clientId) return page('the client_id parameter is required');
  // RFC 6749 App. A.1: anything else cannot be a client id (and a NUL cannot even be looked up on PostgreSQL).
  const registered = isClientIdSyntax(clientId) ? await deps.clients.get(clientId) : null;
  if (!registered) return { ok: false, redirect: null, error: new OAuthError('invalid_client', 'no application has this client_id') };
  const { app } = registered;

  // RFC 6749 §3.1.2.3 and RFC 9700 §4.1.3: the redirect URI is compared exactly, as a string, against
  // the registered ones; it may be omitted only when exactly one is registered.
  let redirectUri = params.redirect_uri;
  const redirectUriGiven = redirectUri !== undefined;
  if (redirectUri === undefined) {
    if (app.redirectUris.length !== 1) return page(app.redirectUris.length === 0 ? 'the application has no registered redirect URI' : 'the redirect_uri parameter is required: the application registered several');
    redirectUri = app.redirectUris[0]!;
  } else if (!app.redirectUris.includes(redirectUri)) {
    return page('the redirect_uri is not registered for this application');
  }

  const state = params.state;
  const fail = (code: ConstructorParameters<typeof OAuthError>[0], description: string): AuthorizationCheck => ({
    ok: false,
    redirect: { uri: redirectUri, state },
    error: new OAuthError(code, description),
  });
  if (repeated) return fail('invalid_request', `the ${repeated} parameter is repeated`);
  if (params.response_type === undefined) return fail('invalid_request', 'the response_type parameter is required');
  // Only the code flow: the implicit grant is gone in RFC 9700 §2.1.2.
  if (params.response_type !== 'code') return fail('unsupported_response_type', 'only response_type=code is supported');
  if (!app.grantTypes.includes('authorization_code')) return fail('unauthorized_client', 'this client may not use the authorization code grant');

  // RFC 7636 §4.3 and RFC 9700 §2.1.1: S256 only; `plain` exposes the verifier to anyone who sees the request.
  const method = params.code_challenge_method;
  const challenge = params.code_challenge;
  if (method !== undefined && challenge === undefined) return fail('invalid_request', 'code_challenge_method was given without code_challenge');
  if (challenge !== undefined) {
    if (method === undefined || method === 'plain') return fail('invalid_request', 'code_challenge_method must be S256 (plain is not accepted)');
    if (method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256');
    if (!S256_CHALLENGE_RE.test(challenge)) return fail('invalid_request', 'code_challenge must be 43 base64url characters (the S256 of the verifier)');
  } else if (app.type === 'public') {
    // RFC 9700 §2.1.1: public clients MUST use PKCE.
    return fail('invalid_request', 'a public client must send code_challenge with code_challenge_method=S256 (PKCE)');
  }

  const owner = await deps.stores.organizations.get(app.organizationId);
  const firstParty = owner?.type === 'platform';
  // RFC 6749 §3.3: without a scope parameter the request asks for everything the application may grant.
  const checked = userGrantableScopes(app, params.scope, { firstParty, required: false });
  if (!checked.ok) return fail(checked.code, checked.description);
  const scopes = checked.scopes;

  const prompt = params.prompt;
  if (prompt !== undefined && prompt !== 'none' && prompt !== 'login' && prompt !== 'consent') {
    return fail('invalid_request', 'prompt must be none, login or consent');
  }
  return { ok: true, request: { app, redirectUri, redirectUriGiven, scopes, state, codeChallenge: challenge ?? null, prompt, firstParty } };
}

/**
 * The client's redirect URI with response parameters added to its query (RFC 6749 §4.1.2: the
 * registered URI's own query is kept) and `iss`, so the client can tell which server answered
 * (RFC 9207 §2).
 */
export function redirectWith(redirectUri: string, issuer: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.append(k, v);
  url.searchParams.append('iss', issuer);
  return url.toString();
}

/** The redirect that reports an error to the client (RFC 6749 §4.1.2.1). */
export function errorRedirect(redirect: { uri: string; state: string | undefined }, error: OAuthError, issuer: string): string {
  return redirectWith(redirect.uri, issuer, { error: error.code, error_description: error.message, state: redirect.state });
}

/** Issues a code for an approved request: 256 random bits, stored only as a keyed hash, 60 s, single use. */
export async function issueAuthorizationCode(
  stores: Stores,
  deps: AuthorizeDeps,
  request: AuthorizationRequest,
  grant: { userId: string; organizationId: string },
): Promise<string> {
  const now = deps.clock.now();
  const code = `${AUTHORIZATION_CODE_PREFIX}${deps.random.token(32)}`;
  await stores.transaction(async (tx) => {
    await tx.authorizationCodes.create({
      hash: deps.hasher.hash(code),
      applicationId: request.app.id,
      userId: grant.userId,
      organizationId: grant.organizationId,
      redirectUri: request.redirectUri,
      redirectUriGiven: request.redirectUriGiven,
      scopes: request.scopes,
      codeChallenge: request.codeChallenge,
      createdAt: now,
      expiresAt: now + AUTHORIZATION_CODE_TTL_MS,
      redeemedAt: null,
      familyId: null,
      installationId: null,
    });
    await appendAudit(tx, deps.random, now, {
      actor: `user:${grant.userId}`,
      action: 'authorization.approved',
      target: { type: 'application', id: request.app.id },
      data: { organization_id: grant.organizationId, scopes: request.scopes, client_id: request.app.clientId },
    });
  });
  return code;
}

/** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge. */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
