/// <reference types="fastify" preserve="true" />
import { VerifierUnavailableError, VerifyError } from './errors.js';
import { scopesOf } from './verifier.js';
import type { AccessTokenClaims, Verifier } from './types.js';

// Type-only, erased from the JavaScript: fastifyRequireScopes puts the verified claims on the request.
// Nothing from fastify is loaded at run time (fastify is a dependency of the grantry package, so the
// augmented module is always installed next to it).
declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access-token claims, set by grantry/verify's fastifyRequireScopes. */
    grantry?: AccessTokenClaims;
  }
}

/** Headers as Node (and so Fastify and Express) expose them: lower-case names. */
export type IncomingHeaders = Record<string, string | string[] | undefined>;

/** The outcome of checking one request: claims, or the response to send. */
export type Authorization =
  | { ok: true; claims: AccessTokenClaims; token: string }
  | { ok: false; status: 401 | 403 | 503; headers: Record<string, string>; body: { error: string; error_description: string } };

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** A value that may go inside a quoted auth-param (RFC 6750 §3: %x20-21 / %x23-5B / %x5D-7E). */
const quotable = (s: string): string => s.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '');

function challenge(realm: string, params: Record<string, string> = {}): string {
  const parts = [`realm="${quotable(realm)}"`, ...Object.entries(params).map(([k, v]) => `${k}="${quotable(v)}"`)];
  return `Bearer ${parts.join(', ')}`;
}

/**
 * Checks a request's bearer token and scopes; framework-free (the Fastify and Express middlewares are
 * thin wrappers). RFC 6750 §3: no token at all → 401 with a bare challenge (§3.1: no error code when the
 * request had no authentication information); a bad token → 401 invalid_token; missing scopes → 403
 * insufficient_scope with the `scope` attribute. When the issuer cannot be reached → 503.
 */
export async function authorizeRequest(verifier: Verifier, headers: IncomingHeaders, scopes: readonly string[]): Promise<Authorization> {
  const realm = verifier.realm;
  const raw = headers.authorization;
  const value = Array.isArray(raw) ? undefined : raw;
  if (value === undefined || !/^Bearer(\s|$)/i.test(value)) {
    return {
      ok: false,
      status: 401,
      headers: { 'www-authenticate': challenge(realm) },
      body: { error: 'unauthorized', error_description: 'a bearer access token is required' },
    };
  }
  const match = BEARER.exec(value);
  try {
    if (!match) throw new VerifyError('invalid_token', 'the Authorization header is not a valid Bearer credential');
    const token = match[1]!;
    const claims = await verifier.verify(token);
    const granted = scopesOf(claims);
    const missing = scopes.filter((s) => !granted.includes(s));
    if (missing.length > 0) throw new VerifyError('insufficient_scope', `the token lacks the scope ${missing.join(' ')}`, scopes);
    return { ok: true, claims, token };
  } catch (err) {
    if (err instanceof VerifyError) {
      const params: Record<string, string> = { error: err.code, error_description: err.description };
      // RFC 6750 §3: the scope attribute lists the scopes needed to access the resource.
      if (err.code === 'insufficient_scope') params.scope = err.scopes.join(' ');
      return { ok: false, status: err.status, headers: { 'www-authenticate': challenge(realm, params) }, body: { error: err.code, error_description: err.description } };
    }
    if (err instanceof VerifierUnavailableError) {
      return { ok: false, status: 503, headers: { 'retry-after': '5' }, body: { error: 'temporarily_unavailable', error_description: err.description } };
    }
    throw err;
  }
}

/** The parts of a Fastify request this hook uses. */
export interface FastifyLikeRequest {
  headers: IncomingHeaders;
  grantry?: AccessTokenClaims;
}

/** The parts of a Fastify reply this hook uses. */
export interface FastifyLikeReply {
  code(status: number): FastifyLikeReply;
  header(name: string, value: string): FastifyLikeReply;
  send(body: unknown): FastifyLikeReply;
}

/**
 * A Fastify hook (use as `onRequest` or `preHandler`) that lets the request through only with a valid
 * token holding every one of `scopes`; the claims are on `request.grantry`.
 */
export function fastifyRequireScopes(verifier: Verifier, ...scopes: string[]) {
  return async function grantryRequireScopes(request: FastifyLikeRequest, reply: FastifyLikeReply): Promise<FastifyLikeReply | undefined> {
    const result = await authorizeRequest(verifier, request.headers, scopes);
    if (result.ok) {
      request.grantry = result.claims;
      return undefined;
    }
    reply.code(result.status);
    for (const [name, value] of Object.entries(result.headers)) reply.header(name, value);
    // Fastify ("Respond to a request from a hook"): send, then return the reply, so the hook settles only
    // once the response is written and the route handler never runs (even with async onSend hooks).
    return reply.send(result.body);
  };
}

/** The parts of an Express (or Node http / Connect) request this middleware uses. */
export interface ExpressLikeRequest {
  headers: IncomingHeaders;
  grantry?: AccessTokenClaims;
}

/** The parts of an Express response (a Node ServerResponse) this middleware uses. */
export interface ExpressLikeResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}

/**
 * An Express/Connect middleware `(req, res, next)` that calls `next()` only for a valid token holding
 * every one of `scopes`; the claims are on `req.grantry`. Unexpected errors go to `next(err)`.
 */
export function expressRequireScopes(verifier: Verifier, ...scopes: string[]) {
  return function grantryRequireScopes(req: ExpressLikeRequest, res: ExpressLikeResponse, next: (err?: unknown) => void): void {
    authorizeRequest(verifier, req.headers, scopes).then(
      (result) => {
        if (result.ok) {
          req.grantry = result.claims;
          next();
          return;
        }
        res.statusCode = result.status;
        for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value);
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.setHeader('cache-control', 'no-store');
        res.end(JSON.stringify(result.body));
      },
      (err: unknown) => next(err),
    );
  };
}
