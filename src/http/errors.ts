import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../domain/oauth-error.js';
import { AdminError, problem, type ProblemKind } from '../admin/problem.js';
import { isUnavailable } from '../storage/db.js';

const isOAuthPath = (url: string): boolean => url.startsWith('/oauth/') || url.startsWith('/.well-known/');

/** Fastify's own errors (parsing, validation, limits) as one of our kinds. */
function classify(err: FastifyError): { kind: ProblemKind; oauth: OAuthError; detail: string } | null {
  const detail = (d: string, kind: ProblemKind, status?: 413) => ({ kind, detail: d, oauth: new OAuthError('invalid_request', d, status ? { status } : {}) });
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return detail('the request body is too large', 'payload_too_large', 413);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return detail('unsupported content type: use application/x-www-form-urlencoded or application/json', 'unsupported_media_type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return detail('the JSON body is empty', 'invalid_input');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return detail('the Content-Length header does not match the body', 'invalid_input');
  }
  if (err.validation) return detail(`invalid request: ${err.message}`, 'invalid_input');
  if (err.statusCode === 400 || err instanceof SyntaxError) return detail('the request body is malformed', 'invalid_input');
  return null;
}

/**
 * PostgreSQL refusing a value for its encoding: 22021 character_not_in_repertoire (a NUL, which `text`
 * cannot hold) and 22P05 untranslatable_character. Only input can cause these; a safety net behind the
 * checks that keep such values from queries (client-auth, protocol/params.ts).
 */
function isUnstorable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '22021' || code === '22P05';
}

/**
 * One error handler for the whole server. OAuth endpoints answer RFC 6749 §5.2 JSON; the management
 * API answers RFC 9457 problem documents. Unexpected errors never leak their message or stack: the
 * client gets a fixed text, the log gets the error.
 */
/**
 * Schema errors by field. A nullable field (`anyOf: [T, null]`) fails each branch and then the anyOf
 * itself; the first message is the one that says what is wrong, the rest ("must be null", "must match
 * a schema in anyOf") would only confuse, so each field is named once.
 */
function fieldErrors(validation: NonNullable<FastifyError['validation']>): { field: string; message: string }[] {
  const out = new Map<string, string>();
  for (const v of validation) {
    const params = v.params as { missingProperty?: string; additionalProperty?: string };
    const field = v.instancePath.replace(/^\//, '').replace(/\//g, '.') || params.missingProperty || params.additionalProperty || '(body)';
    if (!out.has(field)) out.set(field, v.message ?? 'is invalid');
  }
  return [...out].map(([field, message]) => ({ field, message }));
}

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  handleError(err, req, reply, isOAuthPath(req.url));
}

/** The same, for a scope that answers in RFC 6749 JSON whatever its path (the dialects' endpoints). */
export function handleError(err: FastifyError, req: FastifyRequest, reply: FastifyReply, oauthPath: boolean): void {
  if (err instanceof OAuthError) {
    sendOAuth(reply, err);
    return;
  }
  if (err instanceof AdminError) {
    sendProblem(reply, err.kind, err.message, err.errors);
    return;
  }
  const known = classify(err);
  if (known) {
    if (oauthPath) sendOAuth(reply, known.oauth);
    else sendProblem(reply, known.kind, known.detail, err.validation && fieldErrors(err.validation));
    return;
  }
  if (isUnstorable(err)) {
    // A value the database refused to hold (a NUL in PostgreSQL text): the client's input, not our fault.
    req.log.warn({ reqId: req.id, err: { code: (err as { code?: string }).code } }, 'request value the database cannot store');
    if (oauthPath) sendOAuth(reply, new OAuthError('invalid_request', 'the request contains a character that is not allowed (e.g. NUL)'));
    else sendProblem(reply, 'invalid_input', 'the request contains a character that is not allowed (e.g. NUL)');
    return;
  }
  if (isUnavailable(err)) {
    req.log.warn({ reqId: req.id, err: { code: (err as { code?: string }).code, message: err.message } }, 'database unavailable');
    reply.header('retry-after', '5');
    if (oauthPath) sendOAuth(reply, new OAuthError('temporarily_unavailable', 'the service is temporarily unavailable; retry later'));
    else sendProblem(reply, 'unavailable', 'the database is unavailable; retry later');
    return;
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    if (oauthPath) sendOAuth(reply, new OAuthError('invalid_request', 'the request is invalid'));
    else sendProblem(reply, 'invalid_input', 'the request is invalid');
    return;
  }
  req.log.error({ reqId: req.id, err }, 'unhandled error');
  if (oauthPath) sendOAuth(reply, new OAuthError('server_error', 'an internal error occurred'));
  else sendProblem(reply, 'internal', 'an internal error occurred');
}

export function sendOAuth(reply: FastifyReply, err: OAuthError): void {
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  // RFC 6749 §5.2 asks for the challenge when the client used Basic; RFC 9110 §15.5.2 requires one
  // on every 401, and Basic is the scheme a client without credentials should use.
  if (err.status === 401) reply.header('www-authenticate', 'Basic realm="grantry", charset="UTF-8"');
  if (err.status === 405) reply.header('allow', 'POST');
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache').code(err.status).type('application/json').send(err.toJSON());
}

export function sendProblem(reply: FastifyReply, kind: ProblemKind, detail: string, errors?: { field: string; message: string }[]): void {
  const body = problem(kind, detail, errors);
  reply.code(body.status).type('application/problem+json').send(body);
}
