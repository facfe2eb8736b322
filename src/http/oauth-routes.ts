import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenResponse } from '../grants/grant.js';
import { MAX_PARAMS, flatParams, paramName, refuseNul, tooManyParams } from '../protocol/params.js';
import type { StandardTokenRequest } from '../protocol/dialects/index.js';
import { OAuthError } from '../domain/oauth-error.js';
import { handleTokenRequest } from '../protocol/token.js';
import { authenticateClient } from '../protocol/client-auth.js';
import { introspect } from '../protocol/introspect.js';
import { revoke } from '../protocol/revoke.js';
import type { Runtime } from '../runtime.js';

/**
 * Request parameters as a flat string map. RFC 6749 §3.2: parameters sent without a value are treated
 * as omitted, and request parameters MUST NOT be included more than once. At most MAX_PARAMS of them.
 */
export function parseForm(body: string): Record<string, string> {
  const params: Record<string, string> = Object.create(null);
  const seen = new Set<string>();
  for (const [key, value] of new URLSearchParams(body)) {
    if (seen.has(key)) throw new OAuthError('invalid_request', `the ${paramName(key)} parameter is repeated`);
    seen.add(key);
    if (seen.size > MAX_PARAMS) throw tooManyParams();
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

/** A JSON body (seed 002) must be one flat object of strings, like a form; no value may hold a NUL. */
export function oauthParams(req: FastifyRequest): Record<string, string> {
  return refuseNul(flatParams(req.body));
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

/**
 * One token request, whatever its wire shape: the standard steps (protocol/token.ts), no-store
 * headers and the request metric. `read` turns the HTTP request into a standard token request.
 */
export async function serveToken(rt: Runtime, reply: FastifyReply, read: () => StandardTokenRequest | Promise<StandardTokenRequest>, label?: string): Promise<TokenResponse> {
  const started = performance.now();
  let grantLabel = 'invalid';
  let outcome = 'ok';
  try {
    const { params, authorization, options } = await read();
    grantLabel = label ?? (params.grant_type && KNOWN_GRANTS.has(params.grant_type) ? params.grant_type : 'other');
    const result = await handleTokenRequest(params, authorization, rt.tokenDeps, options);
    rt.usage.record('token_issued', result.client.app.id, grantLabel);
    // RFC 6749 §5.1: token responses MUST NOT be cached.
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return result.response;
  } catch (err) {
    outcome = err instanceof OAuthError ? err.code : 'server_error';
    // Not attributed to an application: the client_id of a failed authentication is the caller's claim.
    if (outcome === 'invalid_client') rt.usage.record('client_auth_failed', '');
    throw err;
  } finally {
    rt.metrics.recordTokenRequest(grantLabel, outcome, (performance.now() - started) / 1000);
  }
}

/**
 * The parameters of a GET token request (GRANTRY_ALLOW_GET_TOKEN): the query, and the body, which
 * Fastify does not read for GET. RFC 6749 §2.3.1: the client secret MUST NOT be in the request URI.
 */
async function getTokenParams(req: FastifyRequest, limit: number): Promise<Record<string, string>> {
  const query = new URL(req.url, 'http://localhost').search.slice(1);
  const fromQuery = parseForm(query);
  if (fromQuery.client_secret !== undefined) throw new OAuthError('invalid_request', 'client_secret must not be sent in the URL; use HTTP Basic');
  const raw = await readBody(req, limit);
  let fromBody: Record<string, string> = {};
  if (raw.length > 0) {
    const type = req.headers['content-type'] ?? '';
    if (/^application\/json\s*(;|$)/i.test(type)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw new OAuthError('invalid_request', 'the request body is malformed');
      }
      fromBody = flatParams(parsed);
    } else if (/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) {
      fromBody = parseForm(raw);
    } else {
      throw new OAuthError('invalid_request', 'unsupported content type: use application/x-www-form-urlencoded or application/json');
    }
  }
  for (const key of Object.keys(fromBody)) {
    if (key in fromQuery) throw new OAuthError('invalid_request', `the ${paramName(key)} parameter is repeated`);
  }
  if (Object.keys(fromQuery).length + Object.keys(fromBody).length > MAX_PARAMS) throw tooManyParams();
  return refuseNul({ ...fromQuery, ...fromBody });
}

function readBody(req: FastifyRequest, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.raw.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new OAuthError('invalid_request', 'the request body is too large', { status: 413 }));
        req.raw.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.raw.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.raw.on('error', reject);
  });
}

/** The OAuth endpoints; registered in their own scope so the form parser applies only here. */
export async function oauthRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  registerFormParser(app);

  app.post('/oauth/token', { schema: { hide: true, response: { 200: tokenResponseSchema } } }, async (req, reply) =>
    serveToken(rt, reply, () => ({ params: oauthParams(req), authorization: req.headers.authorization, options: { address: req.ip } })),
  );

  if (rt.config.allowGetToken) {
    // Seed 001 documents `GET oauth/token` with the parameters in the body; served when configured.
    app.get('/oauth/token', { schema: { hide: true, response: { 200: tokenResponseSchema } } }, async (req, reply) =>
      serveToken(rt, reply, async () => ({ params: await getTokenParams(req, rt.config.bodyLimit), authorization: req.headers.authorization, options: { address: req.ip } })),
    );
  }

  // RFC 7662 §2.1: client-authenticated POST with `token` (and an optional hint we do not need:
  // refresh tokens and JWTs are told apart by their form).
  app.post('/oauth/introspect', { schema: { hide: true } }, async (req, reply) => {
    const params = oauthParams(req);
    const caller = await authenticateClient(req.headers.authorization, params, rt.tokenDeps, req.ip);
    if (!params.token) throw new OAuthError('invalid_request', 'the token parameter is required');
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return introspect(params.token, caller, rt.tokenDeps);
  });

  // RFC 7009 §2.1.
  app.post('/oauth/revoke', { schema: { hide: true } }, async (req, reply) => {
    const params = oauthParams(req);
    const caller = await authenticateClient(req.headers.authorization, params, rt.tokenDeps, req.ip);
    if (!params.token) throw new OAuthError('invalid_request', 'the token parameter is required');
    await revoke(params.token, caller, rt.tokenDeps);
    // RFC 7009 §2.2: 200 whether or not the token was valid.
    reply.header('cache-control', 'no-store').code(200).send();
  });

  // RFC 6749 §3.2: the client MUST use POST. Other methods get 405 with an RFC-shaped body.
  app.route({
    method: rt.config.allowGetToken ? ['PUT', 'DELETE', 'PATCH'] : ['GET', 'PUT', 'DELETE', 'PATCH'],
    url: '/oauth/token',
    schema: { hide: true },
    handler: async () => {
      throw new OAuthError('invalid_request', 'the token endpoint accepts only POST: send the parameters form-encoded in a POST request', { status: 405 });
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
