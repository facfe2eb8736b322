import { OAuthError } from '../domain/oauth-error.js';
import { isSecretActive, type Application } from '../domain/application.js';
import type { Clock } from '../domain/clock.js';
import type { Hasher } from '../crypto/hasher.js';
import type { ClientRegistry } from './client-registry.js';
import type { FailureLimiter } from './failure-limiter.js';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface AuthenticatedClient {
  app: Application;
  method: ClientAuthMethod;
}

export interface ClientAuthDeps {
  clients: ClientRegistry;
  hasher: Hasher;
  clock: Clock;
  /** Failed-authentication limits (absent: none, e.g. in unit tests). */
  limiter?: FailureLimiter;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string | undefined;
  method: ClientAuthMethod;
}

// RFC 6749 §2.3.1: the client id and secret are form-url-encoded before Basic encoding.
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/** Reads the credentials of a request without checking them (RFC 6749 §2.3). */
export function readClientCredentials(authorization: string | undefined, params: Record<string, string>): ClientCredentials {
  if (authorization !== undefined) {
    const match = /^Basic +([A-Za-z0-9+/=._~-]+) *$/i.exec(authorization);
    if (!match) {
      throw new OAuthError('invalid_client', 'the Authorization header is not valid HTTP Basic credentials');
    }
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError('invalid_client', 'the Basic credentials have no client secret');
    let clientId: string;
    let clientSecret: string;
    try {
      clientId = formDecode(decoded.slice(0, colon));
      clientSecret = formDecode(decoded.slice(colon + 1));
    } catch {
      throw new OAuthError('invalid_client', 'the Basic credentials are not form-url-encoded');
    }
    // RFC 6749 §2.3: a client MUST NOT use more than one authentication method in a request.
    if (params.client_secret !== undefined) {
      throw new OAuthError('invalid_request', 'the client authenticated with both HTTP Basic and client_secret');
    }
    if (params.client_id !== undefined && params.client_id !== clientId) {
      throw new OAuthError('invalid_request', 'client_id does not match the HTTP Basic credentials');
    }
    return { clientId, clientSecret, method: 'client_secret_basic' };
  }
  const clientId = params.client_id;
  if (clientId === undefined || clientId === '') {
    throw new OAuthError('invalid_client', 'client authentication is required (HTTP Basic or client_id and client_secret)');
  }
  const clientSecret = params.client_secret;
  return { clientId, clientSecret, method: clientSecret === undefined ? 'none' : 'client_secret_post' };
}

/**
 * RFC 6749 App. A.1: client-id = *VSCHAR (%x20-7E). Anything else (NUL, CR/LF, other controls, non-ASCII)
 * cannot be a client of ours, and must not reach a query: PostgreSQL `text` cannot even hold a NUL. The
 * length cap is far above any id Grantry issues or imports (128).
 */
const CLIENT_ID_RE = /^[\x20-\x7e]{1,256}$/;

/** Whether a string can be a client_id at all (App. A.1); anything else is an unknown client, no lookup needed. */
export const isClientIdSyntax = (clientId: string): boolean => CLIENT_ID_RE.test(clientId);

/** Authenticates the client of a token, revocation or introspection request. */
export async function authenticateClient(
  authorization: string | undefined,
  params: Record<string, string>,
  deps: ClientAuthDeps,
  /** The caller's address, for the failure limits. */
  address?: string,
): Promise<AuthenticatedClient> {
  const creds = readClientCredentials(authorization, params);
  const limiter = address === undefined ? undefined : deps.limiter;
  // The limiter keeps a window per client id: a malformed id (up to a body's worth of bytes) is counted
  // under one key, so junk ids cannot grow its memory.
  const limitKey = isClientIdSyntax(creds.clientId) ? creds.clientId : '(malformed client_id)';
  const wait = limiter?.blockedFor(limitKey, address!) ?? 0;
  if (wait > 0) {
    // RFC 6585 §4: 429 with Retry-After. Checked before the secret, so guessing on stops costing us.
    throw new OAuthError('invalid_client', `too many failed client authentications from this address; retry in ${wait} s`, { status: 429, headers: { 'retry-after': String(wait) } });
  }
  try {
    return await verifyClient(creds, deps);
  } catch (err) {
    if (limiter && err instanceof OAuthError && err.code === 'invalid_client') limiter.recordFailure(limitKey, address!);
    throw err;
  }
}

async function verifyClient(creds: ClientCredentials, deps: ClientAuthDeps): Promise<AuthenticatedClient> {
  const fail = (): never => {
    // One message for unknown client and wrong secret: the answer must not tell which it was.
    throw new OAuthError('invalid_client', 'client authentication failed');
  };
  // Refused before any lookup, with the unknown client's answer (and counted by the failure limits).
  if (!isClientIdSyntax(creds.clientId)) return fail();
  const registered = await deps.clients.get(creds.clientId);
  if (!registered) return fail();
  const { app, secrets } = registered;
  if (creds.method === 'none') {
    // Only public clients may omit a secret; they prove possession with PKCE instead (RFC 7636).
    if (app.type !== 'public') return fail();
    return { app, method: 'none' };
  }
  if (app.type === 'public') return fail();
  const now = deps.clock.now();
  let ok = false;
  for (const secret of secrets) {
    // Check every secret (no early exit) so timing does not reveal which one matched.
    if (isSecretActive(secret, now) && deps.hasher.matches(creds.clientSecret!, secret.hash.toString('base64url'))) ok = true;
  }
  if (!ok) return fail();
  return { app, method: creds.method };
}
