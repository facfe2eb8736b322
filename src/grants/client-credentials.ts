import { requireScopes } from '../protocol/scope-check.js';
import { issueAccessToken } from '../protocol/access-token.js';
import type { GrantHandler } from './grant.js';

/**
 * RFC 6749 §4.4. Stateless: nothing is stored per token, so nothing grows with traffic.
 * `sub` is the client itself; a merchant's Token Application also carries `merchant_id` (seed 001).
 */
export const clientCredentialsGrant = {
  grantType: 'client_credentials',
  async handle({ params, client }, deps) {
    const { app } = client;
    const scopes = requireScopes(params.scope, app.scopes);
    const ttl = app.accessTokenTtl ?? deps.config.clientCredentialsTtl;
    const extra: Record<string, string> = {};
    if (app.type === 'merchant') extra.merchant_id = app.organizationId;
    const at = issueAccessToken({ subject: app.clientId, clientId: app.clientId, scopes, ttlSeconds: ttl, extra }, deps);
    return { access_token: at.token, token_type: 'Bearer', expires_in: at.expiresIn, scope: scopes.join(' ') };
  },
} satisfies GrantHandler;
