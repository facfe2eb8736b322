import type { FastifyInstance } from 'fastify';
import { OAuthError } from '../domain/oauth-error.js';
import { authenticateClient } from '../protocol/client-auth.js';
import { requestDecoupledAuthorization } from '../protocol/decoupled.js';
import type { Runtime } from '../runtime.js';
import { oauthParams, registerFormParser } from './oauth-routes.js';

const backchannelResponseSchema = {
  type: 'object',
  properties: { auth_req_id: { type: 'string' }, expires_in: { type: 'integer' }, interval: { type: 'integer' } },
  required: ['auth_req_id', 'expires_in', 'interval'],
} as const;

/**
 * The backchannel authentication endpoint of OpenID CIBA Core (poll mode). Registered in its own
 * scope: the form parser below applies to this plugin only.
 */
export async function cibaRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  registerFormParser(app);

  // CIBA §7.1: an authenticated POST (form-encoded; JSON accepted as at the token endpoint, seed 002).
  app.post('/oauth/bc-authorize', { schema: { hide: true, response: { 200: backchannelResponseSchema } } }, async (req, reply) => {
    const params = oauthParams(req);
    const client = await authenticateClient(req.headers.authorization, params, rt.tokenDeps, req.ip);
    const response = await requestDecoupledAuthorization(rt.tokenDeps, client, params);
    // CIBA §7.3 responses carry a bearer secret (auth_req_id): never cached.
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return response;
  });

  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH'],
    url: '/oauth/bc-authorize',
    schema: { hide: true },
    handler: async () => {
      throw new OAuthError('invalid_request', 'the backchannel authentication endpoint accepts only POST', { status: 405 });
    },
  });
}
