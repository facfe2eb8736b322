import { OAuthError } from '../domain/oauth-error.js';

/**
 * Most parameters one OAuth request may carry (form or JSON). The largest legitimate request has about a
 * dozen; a cap keeps a body of thousands of tiny parameters (`a&a&a…`, well within the size limit)
 * from costing anything beyond the parse (issue 8: parameter-count limit). Empty ones count: they were sent.
 */
export const MAX_PARAMS = 50;

export const tooManyParams = (): OAuthError => new OAuthError('invalid_request', `the request has more than ${MAX_PARAMS} parameters`);

/**
 * A parameter name fit to quote in an error_description: RFC 6749 §5.2 limits that text to
 * %x20-21 / %x23-5B / %x5D-7E, and a name is whatever the client sent (CR/LF, quotes, NUL…).
 */
export function paramName(key: string): string {
  return /^[A-Za-z0-9_.:\-[\]]{1,40}$/.test(key) ? key : 'a';
}

/**
 * A request body as OAuth parameters: a JSON body (seed 002) must be one flat object of strings, like a
 * form. RFC 6749 §3.2: parameters sent without a value are treated as omitted.
 */
export function flatParams(body: unknown): Record<string, string> {
  if (body === undefined || body === null) return Object.create(null);
  if (typeof body === 'object' && !Array.isArray(body)) {
    const out: Record<string, string> = Object.create(null);
    const entries = Object.entries(body as Record<string, unknown>);
    if (entries.length > MAX_PARAMS) throw tooManyParams();
    for (const [k, v] of entries) {
      if (typeof v !== 'string') throw new OAuthError('invalid_request', `the ${paramName(k)} parameter must be a string`);
      if (v !== '') out[k] = v;
    }
    return out;
  }
  // A JSON array, string, number or boolean: not a set of parameters.
  throw new OAuthError('invalid_request', 'the request body must be a JSON object or a form');
}

/**
 * No OAuth parameter may hold a NUL (RFC 6749 App. A: every one is printable, or Unicode without
 * controls); PostgreSQL `text` cannot store one either, so such a value must never reach a query. The
 * client credentials are left to client authentication, which answers `invalid_client` for them
 * (catalogue row 9), like an unknown client.
 */
export function refuseNul(params: Record<string, string>): Record<string, string> {
  for (const [k, v] of Object.entries(params)) {
    if (k !== 'client_id' && k !== 'client_secret' && v.includes('\0')) {
      throw new OAuthError('invalid_request', `the ${paramName(k)} parameter contains a NUL character`);
    }
  }
  return params;
}
