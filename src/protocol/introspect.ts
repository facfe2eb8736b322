import { REFRESH_TOKEN_PREFIX } from '../domain/installation.js';
import { seconds } from '../domain/clock.js';
import type { Hasher } from '../crypto/hasher.js';
import { ADMIN_SCOPE, INTROSPECT_SCOPE } from '../domain/scope.js';
import type { AuthenticatedClient } from './client-auth.js';
import { liveFamilyScopes } from './installation-tokens.js';
import { isAccessTokenLive, verifyAccessToken, type AccessTokenCheckDeps } from './access-token-check.js';

export interface IntrospectDeps extends AccessTokenCheckDeps {
  hasher: Hasher;
}

/** Scopes that let a client (a resource server) introspect tokens issued to other clients. */
export const INTROSPECTION_SCOPES = [INTROSPECT_SCOPE, ADMIN_SCOPE];

const INACTIVE = { active: false } as const;

/**
 * RFC 7662. Answers for access tokens (JWTs) and refresh tokens. A client may introspect its own
 * tokens; others only with grantry:introspect (RFC 7662 §4: the caller must be authorized, and an
 * unauthorized caller learns nothing but active=false).
 */
export async function introspect(token: string, caller: AuthenticatedClient, deps: IntrospectDeps): Promise<Record<string, unknown>> {
  const privileged = caller.app.scopes.some((s) => INTROSPECTION_SCOPES.includes(s));
  const maySee = (clientId: unknown): boolean => privileged || clientId === caller.app.clientId;

  if (token.startsWith(REFRESH_TOKEN_PREFIX)) return introspectRefresh(token, maySee, deps);
  const payload = await verifyAccessToken(token, deps);
  if (!payload || !maySee(payload.client_id) || !(await isAccessTokenLive(payload, deps))) return INACTIVE;
  const { iss, sub, aud, scope, client_id, iat, exp, jti, installation_id, merchant_id } = payload;
  return { active: true, token_type: 'Bearer', scope, client_id, sub, aud, iss, iat, exp, jti, installation_id, merchant_id };
}


async function introspectRefresh(token: string, mayShow: (clientId: unknown) => boolean, deps: IntrospectDeps): Promise<Record<string, unknown>> {
  const now = deps.clock.now();
  const found = await deps.stores.refresh.lookup(deps.hasher.hash(token));
  if (!found) return INACTIVE;
  const { token: record, family, installation } = found;
  if (family.status !== 'active') return INACTIVE;
  if (record.expiresAt !== null && record.expiresAt <= now) return INACTIVE;
  if (family.absoluteExpiresAt !== null && family.absoluteExpiresAt <= now) return INACTIVE;
  // Under rotation a spent token is dead (its replay window only serves the lost-response retry).
  if (family.policy === 'rotate' && record.spentAt !== null) return INACTIVE;
  const app = await deps.stores.applications.get(family.applicationId);
  if (!app || !mayShow(app.clientId)) return INACTIVE;
  const scopes = await liveFamilyScopes(deps.stores, family, installation, app);
  if (scopes === null || scopes.length === 0) return INACTIVE;
  return {
    active: true,
    token_type: 'refresh_token',
    scope: scopes.join(' '),
    client_id: app.clientId,
    sub: family.subject,
    iat: seconds(record.createdAt),
    ...(record.expiresAt !== null ? { exp: seconds(record.expiresAt) } : {}),
    ...(family.installationId !== null ? { installation_id: family.installationId } : {}),
  };
}
