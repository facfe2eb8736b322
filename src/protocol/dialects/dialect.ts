import type { OAuthError } from '../../domain/oauth-error.js';
import type { TokenResponse } from '../../grants/grant.js';
import type { Stores } from '../../storage/ports.js';
import type { Config } from '../../config/schema.js';
import type { ClientAuthDeps } from '../client-auth.js';
import type { TokenRequestOptions } from '../token.js';

/** What a dialect sees of an HTTP request: lower-cased headers and the parsed body. */
export interface DialectRequest {
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** The client's address (failure limits). */
  address: string;
}

/** A request of the standard token endpoint: what every dialect translates into. */
export interface StandardTokenRequest {
  params: Record<string, string>;
  authorization: string | undefined;
  options: TokenRequestOptions;
}

export interface DialectDeps extends ClientAuthDeps {
  stores: Pick<Stores, 'applications'>;
}

/**
 * One endpoint of an alternative wire shape: parse → standard request → (the standard token endpoint)
 * → standard result → this shape's response. A dialect never implements a grant.
 */
export interface DialectEndpoint {
  path: string;
  /** For metrics and logs. */
  label: string;
  parse(req: DialectRequest, deps: DialectDeps): Promise<StandardTokenRequest>;
  respond(response: TokenResponse): Record<string, unknown>;
  /** The error as this shape writes it (the code and status stay RFC 6749's). */
  error(err: OAuthError): OAuthError;
}

export interface Dialect {
  name: string;
  endpoints(config: Config): DialectEndpoint[];
}

/** A header's single value (repeated headers are refused like repeated parameters, RFC 6749 §3.2). */
export function header(req: DialectRequest, name: string): string | undefined | null {
  const v = req.headers[name.toLowerCase()];
  if (Array.isArray(v)) return null;
  return v === undefined || v === '' ? undefined : v;
}
