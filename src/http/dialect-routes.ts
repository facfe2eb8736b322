import type { FastifyError, FastifyInstance } from 'fastify';
import { OAuthError } from '../domain/oauth-error.js';
import { DIALECTS, type DialectEndpoint } from '../protocol/dialects/index.js';
import type { Runtime } from '../runtime.js';
import { handleError, sendOAuth } from './errors.js';
import { registerFormParser, serveToken } from './oauth-routes.js';

/**
 * The dialects listed in GRANTRY_DIALECTS, each endpoint in its own scope so its error texts are its
 * own: the request is translated (protocol/dialects/), served by the standard token endpoint, and the
 * result written back in the dialect's shape.
 */
export async function dialectRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const endpoints = rt.config.dialects.flatMap((name) => DIALECTS[name as keyof typeof DIALECTS].endpoints(rt.config));
  for (const endpoint of endpoints) await app.register(async (scope) => endpointRoutes(scope, rt, endpoint));
}

async function endpointRoutes(app: FastifyInstance, rt: Runtime, endpoint: DialectEndpoint): Promise<void> {
  registerFormParser(app);
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof OAuthError) return sendOAuth(reply, endpoint.error(err));
    return handleError(err, req, reply, true);
  });
  const deps = { ...rt.tokenDeps, stores: rt.stores };
  app.post(endpoint.path, { schema: { hide: true } }, async (req, reply) => {
    const response = await serveToken(rt, reply, () => endpoint.parse({ headers: req.headers, body: req.body, address: req.ip }, deps), endpoint.label);
    return endpoint.respond(response);
  });
  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH'],
    url: endpoint.path,
    schema: { hide: true },
    handler: async () => {
      throw new OAuthError('invalid_request', 'this endpoint accepts only POST', { status: 405 });
    },
  });
}
