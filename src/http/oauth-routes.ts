import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OAuthError } from '../domain/oauth-error.js';
import { handleTokenRequest } from '../protocol/token.js';
import { authenticateClient } from '../protocol/client-auth.js';
import { introspect } from '../protocol/introspect.js';
import { revoke } from '../protocol/revoke.js';
import type { Runtime } from '../runtime.js';

/**
 * Request parameters as a flat string map. RFC 6749 §3.2: parameters sent without a value are treated
 * as omitted, and request parameters MUST NOT be included more than once.
 */
export function parseForm(body: string): Record<string, string> {
  const params: Record<string, string> = Object.create(null);
  const seen = new Set<string>();
  for (const [key, value] of new URLSearchParams(body)) {
    if (seen.has(key)) throw new OAuthError('invalid_request', `the ${key.slice(0, 40)} parameter is repeated`);
    seen.add(key);
    if (value !== '') params[key] = value;
  }
  return params;
}

/** Registers the RFC 6749 form parser in a plugin scope (content-type parsers are scoped per plugin). */
export function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseForm(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}

/** A JSON body (seed 002) must be one flat object of strings, like a form. */
export function oauthParams(req: FastifyRequest): Record<string, string> {
  const body = req.body;
  if (body === undefined || body === null) return Object.create(null);
  if (typeof body === 'object' && !Array.isArray(body)) {
    const out: Record<string, string> = Object.create(null);
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (typeof v !== 'string') throw new OAuthError('invalid_request', `the ${k.slice(0, 40)} parameter must be a string`);
      if (v !== '') out[k] = v;
    }
    return out;
  }
  // A JSON array, string, number or boolean: not a set of parameters.
  throw new OAuthError('invalid_request', 'the request body must be a JSON object or a form');
}

const KNOWN_GRANTS = new Set(['client_credentials', 'refresh_token', 'authorization_code', 'urn:openid:params:grant-type:ciba']);

const tokenResponseSchema = {
  type: 'object',
  properties: {
    access_token: { type: 'string' },
    token_type: { type: 'string' },
    expires_in: { type: 'integer' },
    scope: { type: 'string' },
    refresh_token: { type: 'string' },
  },
  required: ['access_token', 'token_type', 'expires_in'],
} as const;

/** The OAuth endpoints; registered in their own scope so the form parser applies only here. */
export async function oauthRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  registerFormParser(app);

  app.post('/oauth/token', { schema: { hide: true, response: { 200: tokenResponseSchema } } }, async (req, reply) => {
    const started = performance.now();
    let grantLabel = 'invalid';
    let outcome = 'ok';
    try {
      const params = oauthParams(req);
      grantLabel = params.grant_type && KNOWN_GRANTS.has(params.grant_type) ? params.grant_type : 'other';
      const result = await handleTokenRequest(params, req.headers.authorization, rt.tokenDeps);
      // RFC 6749 §5.1: token responses MUST NOT be cached.
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return result.response;
    } catch (err) {
      outcome = err instanceof OAuthError ? err.code : 'server_error';
      throw err;
    } finally {
      rt.metrics.recordTokenRequest(grantLabel, outcome, (performance.now() - started) / 1000);
    }
  });

  // RFC 7662 §2.1: client-authenticated POST with `token` (and an optional hint we do not need:
  // refresh tokens and JWTs are told apart by their form).
  app.post('/oauth/introspect', { schema: { hide: true } }, async (req, reply) => {
    const params = oauthParams(req);
    const caller = await authenticateClient(req.headers.authorization, params, rt.tokenDeps);
    if (!params.token) throw new OAuthError('invalid_request', 'the token parameter is required');
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return introspect(params.token, caller, rt.tokenDeps);
  });

  // RFC 7009 §2.1.
  app.post('/oauth/revoke', { schema: { hide: true } }, async (req, reply) => {
    const params = oauthParams(req);
    const caller = await authenticateClient(req.headers.authorization, params, rt.tokenDeps);
    if (!params.token) throw new OAuthError('invalid_request', 'the token parameter is required');
    await revoke(params.token, caller, rt.tokenDeps);
    // RFC 7009 §2.2: 200 whether or not the token was valid.
    reply.header('cache-control', 'no-store').code(200).send();
  });

  // RFC 6749 §3.2: the client MUST use POST. Other methods get 405 with an RFC-shaped body.
  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH'],
    url: '/oauth/token',
    schema: { hide: true },
    handler: async () => {
      throw new OAuthError('invalid_request', 'the token endpoint accepts only POST', { status: 405 });
    },
  });
  for (const url of ['/oauth/introspect', '/oauth/revoke']) {
    app.route({
      method: ['GET', 'PUT', 'DELETE', 'PATCH'],
      url,
      schema: { hide: true },
      handler: async () => {
        throw new OAuthError('invalid_request', 'this endpoint accepts only POST', { status: 405 });
      },
    });
  }
}
