import { OAuthError } from '../domain/oauth-error.js';

/**
 * A request body as OAuth parameters: a JSON body (seed 002) must be one flat object of strings, like a
 * form. RFC 6749 §3.2: parameters sent without a value are treated as omitted.
 */
export function flatParams(body: unknown): Record<string, string> {
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
