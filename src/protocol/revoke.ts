import { OAuthError } from '../domain/oauth-error.js';
import { REFRESH_TOKEN_PREFIX } from '../domain/installation.js';
import type { Random } from '../domain/random.js';
import { appendAudit } from '../storage/audit.js';
import type { AuthenticatedClient } from './client-auth.js';
import { verifyAccessToken, type AccessTokenCheckDeps } from './access-token-check.js';
import { revokeFamilies } from './installation-tokens.js';
import type { IntrospectDeps } from './introspect.js';

export interface RevokeDeps extends IntrospectDeps, AccessTokenCheckDeps {
  random: Random;
}

const notYours = (): OAuthError => new OAuthError('unauthorized_client', 'the token was not issued to this client');

/**
 * RFC 7009. A refresh token revokes its whole family and the access tokens issued under it (§2.1);
 * an access token is revoked by jti until it expires. Unknown or invalid tokens answer 200 (§2.2):
 * the client's goal, that the token cannot be used, is met.
 */
export async function revoke(token: string, caller: AuthenticatedClient, deps: RevokeDeps): Promise<void> {
  const now = deps.clock.now();
  if (token.startsWith(REFRESH_TOKEN_PREFIX)) {
    const record = await deps.stores.refresh.getToken(deps.hasher.hash(token));
    if (!record) return;
    await deps.stores.transaction(async (tx) => {
      const family = await tx.refresh.getFamily(record.familyId);
      if (!family) return;
      // RFC 7009 §2.1: the server verifies that the token was issued to the requesting client.
      if (family.applicationId !== caller.app.id) throw notYours();
      const revoked = await revokeFamilies(tx, { familyId: family.id }, now, 'revoked_by_client');
      if (revoked.length > 0) {
        await appendAudit(tx, deps.random, now, { actor: `app:${caller.app.clientId}`, action: 'refresh_token.revoked', target: family.installationId === null ? { type: 'user', id: family.subject } : { type: 'installation', id: family.installationId }, data: { family_id: family.id } });
      }
    });
    return;
  }
  const payload = await verifyAccessToken(token, deps);
  if (!payload || typeof payload.jti !== 'string' || typeof payload.exp !== 'number') return;
  if (payload.client_id !== caller.app.clientId) throw notYours();
  await deps.stores.revocations.revokeAccessToken(payload.jti, payload.exp * 1000);
}
