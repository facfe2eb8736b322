import type { FastifyReply, FastifyRequest } from 'fastify';
import { jwtVerify, type JWTPayload } from 'jose';
import { ADMIN_SCOPE, CONSOLE_SCOPE } from '../../admin/applications.js';
import { problem } from '../../admin/problem.js';
import { isAccessTokenLive } from '../../protocol/access-token-check.js';
import type { Principal } from '../../admin/access.js';
import type { Runtime } from '../../runtime.js';

/**
 * Who calls the management API: an administrator (an admin application's token), or a person signed in
 * to a first-party app with their memberships (admin/access.ts). It is also the decoupled-requests
 * principal (admin/decoupled.ts), passed through as is.
 */
export type { Principal };

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling the management API, for the audit log. */
    actor: string;
    /** Who is calling, for the rules: set by adminAuth, memberships loaded once per request. */
    principal: Principal;
  }
}

export interface AdminAuthOptions {
  /**
   * Whether the routes accept people (tokens with grantry:console of a first-party application); the
   * operations then enforce that person's rights (admin/access.ts). Otherwise only grantry:admin tokens pass.
   */
  people?: boolean;
}

function deny(reply: FastifyReply, status: 401 | 403, detail: string, error: 'invalid_token' | 'insufficient_scope' | null): void {
  // RFC 6750 §3: the Bearer challenge names the error so clients know whether to get a new token.
  const params = ['realm="grantry"'];
  if (error) params.push(`error="${error}"`);
  if (error === 'insufficient_scope') params.push(`scope="${ADMIN_SCOPE}"`);
  reply.header('www-authenticate', `Bearer ${params.join(', ')}`);
  const body = problem(status === 401 ? 'unauthorized' : 'forbidden', detail);
  reply.code(status).type('application/problem+json').send(body);
}

/**
 * The management API accepts Grantry's own access tokens with scope grantry:admin (RFC 6750 bearer),
 * and with `people` also a person's grantry:console token from a first-party application.
 * The token is verified against this server's keys, and its application must still exist and still
 * hold the scope, so deleting or narrowing the admin application takes effect without waiting for expiry.
 */
export function adminAuth(rt: Runtime, options: AdminAuthOptions = {}) {
  const algorithms = ['RS256', 'ES256', 'EdDSA'];
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header) : null;
    if (!match) return deny(reply, 401, 'a bearer token with scope grantry:admin is required', header ? 'invalid_token' : null);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(
        match[1]!,
        async (h) => {
          const key = h.kid ? rt.keys.publicKey(h.kid) : null;
          if (!key || key.alg !== h.alg) throw new Error('unknown key');
          return key.key;
        },
        { issuer: rt.config.issuer, audience: 'grantry', typ: 'at+jwt', algorithms, currentDate: new Date(rt.clock.now()) },
      ));
    } catch {
      return deny(reply, 401, 'the bearer token is invalid or expired', 'invalid_token');
    }
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : '';
    const client = clientId ? await rt.clients.get(clientId) : null;
    if (!client) return deny(reply, 401, 'the application of this token no longer exists', 'invalid_token');
    // RFC 7009 §2.1: a revoked token (sign-out, a rotation, reuse detection, a revoked family) is dead
    // here at once, not at its expiry; the console's access tokens come from such families.
    if (!(await isAccessTokenLive(payload, { keys: rt.keys, clock: rt.clock, issuer: rt.config.issuer, stores: rt.stores, clients: rt.clients }))) {
      return deny(reply, 401, 'the bearer token was revoked', 'invalid_token');
    }
    if (scopes.includes(ADMIN_SCOPE) && client.app.scopes.includes(ADMIN_SCOPE)) {
      req.actor = `app:${clientId}`;
      req.principal = { kind: 'admin', actor: req.actor, via: 'token' };
    } else if (options.people && scopes.includes(CONSOLE_SCOPE) && client.app.scopes.includes(CONSOLE_SCOPE) && typeof payload.sub === 'string') {
      // A person, through a first-party application: the user must still exist and be active.
      const owner = await rt.stores.organizations.get(client.app.organizationId);
      const user = owner?.type === 'platform' ? await rt.stores.users.get(payload.sub) : null;
      if (!user || user.status !== 'active') return deny(reply, 401, 'the user of this token is not active', 'invalid_token');
      req.actor = `user:${user.id}`;
      // Memberships are read once here, so every rule of this request sees the same ones (and a role
      // removed takes effect on the next request, not when the token expires).
      req.principal = { kind: 'user', actor: req.actor, user, memberships: await rt.stores.users.memberships(user.id) };
    } else {
      return deny(reply, 403, options.people ? 'the token lacks scope grantry:admin or grantry:console' : 'the token lacks scope grantry:admin', 'insufficient_scope');
    }
    refuseNonJsonBody(req, reply);
  };
}

/**
 * The management API speaks JSON only. Fastify would otherwise parse text/plain bodies as strings
 * and answer with a schema error (400) instead of 415; checked here, after authentication, so every
 * management-API plugin that uses adminAuth gets it.
 */
function refuseNonJsonBody(req: FastifyRequest, reply: FastifyReply): void {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody) return;
  const type = req.headers['content-type'] ?? '';
  if (/^application\/json\s*(;|$)/i.test(type)) return;
  reply.code(415).type('application/problem+json').send(problem('unsupported_media_type', 'unsupported content type: the management API accepts application/json'));
}
