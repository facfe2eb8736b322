import { OAuthError } from '../domain/oauth-error.js';
import type { GrantType } from '../domain/application.js';
import type { GrantDeps, GrantHandler, IssueOptions, TokenResponse } from '../grants/index.js';
import { authenticateClient, type AuthenticatedClient, type ClientAuthDeps } from './client-auth.js';

export interface TokenEndpointDeps extends GrantDeps, ClientAuthDeps {
  grants: ReadonlyMap<string, GrantHandler>;
}

export interface TokenResult {
  response: TokenResponse;
  client: AuthenticatedClient;
  grantType: string;
}

export interface TokenRequestOptions {
  /** A client a dialect has already identified its own way (seed 003's partnerId); otherwise RFC 6749 §2.3. */
  client?: AuthenticatedClient;
  issue?: IssueOptions;
  /** The caller's address, for the failure limits of client authentication. */
  address?: string;
}

/**
 * The token endpoint as a list of steps (RFC 6749 §3.2): required grant_type, client authentication,
 * supported grant, grant allowed for this client, then the grant itself. Every wire shape (the
 * standard endpoint and the dialects) comes through here.
 */
export async function handleTokenRequest(
  params: Record<string, string>,
  authorization: string | undefined,
  deps: TokenEndpointDeps,
  options: TokenRequestOptions = {},
): Promise<TokenResult> {
  const grantType = params.grant_type;
  if (grantType === undefined || grantType === '') throw new OAuthError('invalid_request', 'the grant_type parameter is required');
  const client = options.client ?? (await authenticateClient(authorization, params, deps, options.address));
  const grant = deps.grants.get(grantType);
  if (!grant) throw new OAuthError('unsupported_grant_type', "this grant_type is not supported");
  if (!client.app.grantTypes.includes(grantType as GrantType)) {
    throw new OAuthError('unauthorized_client', `this client may not use the ${grantType} grant`);
  }
  const response = await grant.handle({ params, client, ...(options.issue ? { issue: options.issue } : {}) }, deps);
  return { response, client, grantType };
}
