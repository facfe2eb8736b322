import { OAuthError } from '../domain/oauth-error.js';
import { AUTH_REQ_ID_PREFIX, type DecoupledRequest } from '../domain/authorization.js';
import { CIBA_GRANT_TYPE, type Application } from '../domain/application.js';
import type { Organization } from '../domain/organization.js';
import { newId, type Random } from '../domain/random.js';
import { normalizeEmail, type User } from '../domain/user.js';
import type { Clock } from '../domain/clock.js';
import type { Config } from '../config/schema.js';
import type { Hasher } from '../crypto/hasher.js';
import type { Stores } from '../storage/ports.js';
import type { AuthenticatedClient } from './client-auth.js';
import { grantingOrganizations } from './granting.js';
import { userGrantableScopes } from './user-scopes.js';
import { appendAudit } from '../storage/audit.js';

/**
 * Decoupled authorization, OpenID CIBA Core 1.0 in poll mode: the client asks at the backchannel
 * authentication endpoint (§7), the resource owner approves or denies elsewhere (the console, the
 * management API), and the client polls the token endpoint (§10.1, grants/ciba.ts). Framework-free.
 */

export interface DecoupledDeps {
  stores: Stores;
  clock: Clock;
  random: Random;
  hasher: Hasher;
  config: Pick<Config, 'decoupledRequestTtl' | 'decoupledPollInterval'>;
}

/** The successful authentication request response (CIBA §7.3). */
export interface BackchannelResponse {
  auth_req_id: string;
  expires_in: number;
  interval: number;
}

/** CIBA §7.1: the binding message "SHOULD be relatively short and use a limited set of plain text characters". */
const BINDING_MESSAGE_MAX = 64;
const LOGIN_HINT_MAX = 254;

/**
 * POST /oauth/bc-authorize (CIBA §7.1) for an authenticated client: validates the request, stores it
 * with the auth_req_id only as a keyed hash, and answers `{auth_req_id, expires_in, interval}` (§7.3).
 */
export async function requestDecoupledAuthorization(deps: DecoupledDeps, client: AuthenticatedClient, params: Record<string, string>): Promise<BackchannelResponse> {
  const { app } = client;
  // CIBA §4 and §7.1: only confidential clients, and the request MUST be authenticated. A public
  // client (method none) has no credentials to present.
  if (client.method === 'none') throw new OAuthError('invalid_client', 'the backchannel authentication endpoint requires client authentication with a secret');
  // CIBA §13: unauthorized_client "The Client is not authorized to use this authentication flow."
  if (!app.grantTypes.includes(CIBA_GRANT_TYPE)) throw new OAuthError('unauthorized_client', `this client may not use the ${CIBA_GRANT_TYPE} grant`);

  // CIBA §7.1: exactly one of login_hint_token, id_token_hint and login_hint.
  const hints = (['login_hint', 'login_hint_token', 'id_token_hint'] as const).filter((h) => params[h] !== undefined);
  if (hints.length === 0) throw new OAuthError('invalid_request', 'the login_hint parameter is required (an email address of a user, or an organization id)');
  if (hints.length > 1) throw new OAuthError('invalid_request', `only one of login_hint, login_hint_token and id_token_hint may be sent (got ${hints.join(', ')})`);
  if (hints[0] !== 'login_hint') throw new OAuthError('invalid_request', `${hints[0]} is not supported: send login_hint`);

  const scopes = checkScopes(app, params.scope);
  const bindingMessage = checkBindingMessage(params.binding_message);
  const ttl = checkRequestedExpiry(params.requested_expiry, deps.config.decoupledRequestTtl);
  const named = await resolveLoginHint(deps.stores, params.login_hint!);

  const now = deps.clock.now();
  const authReqId = `${AUTH_REQ_ID_PREFIX}${deps.random.token(32)}`;
  const request: DecoupledRequest = {
    id: newId('breq', now, deps.random),
    authReqIdHash: deps.hasher.hash(authReqId),
    applicationId: app.id,
    scopes,
    userId: named.kind === 'user' ? named.user.id : null,
    organizationId: named.kind === 'organization' ? named.organization.id : null,
    bindingMessage,
    status: 'pending',
    interval: deps.config.decoupledPollInterval,
    lastPolledAt: null,
    decidedBy: null,
    decidedAt: null,
    createdAt: now,
    expiresAt: now + ttl * 1000,
    familyId: null,
    installationId: null,
  };
  await deps.stores.transaction(async (tx) => {
    await tx.decoupled.create(request);
    await appendAudit(tx, deps.random, now, {
      actor: `app:${app.clientId}`,
      action: 'decoupled_request.created',
      target: { type: 'decoupled_request', id: request.id },
      data: { application_id: app.id, scopes, user_id: request.userId, organization_id: request.organizationId, expires_at: request.expiresAt },
    });
  });
  return { auth_req_id: authReqId, expires_in: ttl, interval: request.interval };
}

/** CIBA §7.1: scope is REQUIRED; otherwise the rules are the authorization endpoint's (protocol/user-scopes.ts). */
function checkScopes(app: Application, value: string | undefined): string[] {
  // A backchannel request is never the console's own sign-in, so no grantry: scope at all.
  const checked = userGrantableScopes(app, value, { firstParty: false, required: true });
  if (!checked.ok) throw new OAuthError(checked.code, checked.description);
  return checked.scopes;
}

/** CIBA §7.1 and §13 (invalid_binding_message): short, printable text shown on both devices. */
function checkBindingMessage(value: string | undefined): string | null {
  if (value === undefined) return null;
  const chars = [...value];
  if (chars.length > BINDING_MESSAGE_MAX || /[\p{C}]/u.test(value) || value.trim() === '') {
    throw new OAuthError('invalid_binding_message', `binding_message must be 1 to ${BINDING_MESSAGE_MAX} printable characters`);
  }
  return value;
}

/** CIBA §7.1: requested_expiry is a positive integer of seconds; Grantry caps it at its own lifetime. */
function checkRequestedExpiry(value: string | undefined, max: number): number {
  if (value === undefined) return max;
  if (!/^[1-9][0-9]{0,8}$/.test(value)) throw new OAuthError('invalid_request', 'requested_expiry must be a positive integer number of seconds');
  return Math.min(Number(value), max);
}

type Named = { kind: 'user'; user: User; organizations: Organization[] } | { kind: 'organization'; organization: Organization };

/**
 * login_hint names the resource owner: a user by email (who must be able to grant for at least one
 * merchant organization), or a merchant organization by id. Anything else is unknown_user_id
 * (CIBA §13), with one message so the answer does not tell which accounts exist.
 */
async function resolveLoginHint(stores: Stores, hint: string): Promise<Named> {
  const unknown = (): never => {
    throw new OAuthError('unknown_user_id', 'login_hint does not name a user or organization that can approve this request');
  };
  if (hint.length > LOGIN_HINT_MAX) return unknown();
  if (hint.startsWith('org_')) {
    const organization = await stores.organizations.get(hint);
    if (!organization || organization.type !== 'merchant') return unknown();
    return { kind: 'organization', organization };
  }
  const email = normalizeEmail(hint);
  const user = email ? await stores.users.getByEmail(email) : null;
  if (!user || user.status !== 'active') return unknown();
  const organizations = await grantingOrganizations(stores, user);
  if (organizations.length === 0) return unknown();
  return { kind: 'user', user, organizations };
}
