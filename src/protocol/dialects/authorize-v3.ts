import { OAuthError } from '../../domain/oauth-error.js';
import { CIBA_GRANT_TYPE } from '../../domain/application.js';
import type { Config } from '../../config/schema.js';
import type { TokenResponse } from '../../grants/grant.js';
import { flatParams } from '../params.js';
import { header, type Dialect, type DialectEndpoint } from './dialect.js';


/** Seed 004's response: `token_type` is "BEARER", and there is no `scope`. */
const respond = (r: TokenResponse) => ({ token_type: 'BEARER', access_token: r.access_token, expires_in: r.expires_in, ...(r.refresh_token ? { refresh_token: r.refresh_token } : {}) });

/** Seed 004: "access token made short lived (5 min)", and "refresh tokens are long-lived and one-time use only". */
const issue = (config: Config) => ({ accessTokenTtl: config.authorizeV3AccessTokenTtl, refreshPolicy: 'rotate' as const });

function endpoint(path: string, label: string, config: Config, codeGrant: (code: string) => Record<string, string>): DialectEndpoint {
  return {
    path,
    label,
    async parse(req) {
      const params = flatParams(req.body);
      // Seed 004: "New mandatory parameter grant_type ... either authorization_code or refresh_token".
      const grantType = params.grant_type;
      if (!grantType) throw new OAuthError('invalid_request', 'the grant_type parameter is required');
      let standard: Record<string, string>;
      if (grantType === 'authorization_code') {
        if (!params.code) throw new OAuthError('invalid_request', 'the code parameter is required');
        const { grant_type: _g, code, ...rest } = params;
        standard = { ...rest, ...codeGrant(code) };
      } else if (grantType === 'refresh_token') {
        // "refresh_token ... has to be present when grant_type = refresh_token".
        if (!params.refresh_token) throw new OAuthError('invalid_request', 'the refresh_token parameter is required');
        standard = params;
      } else {
        throw new OAuthError('unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');
      }
      // Clients authenticate as on the standard endpoint (HTTP Basic, or client_id/client_secret in the body).
      return { params: standard, authorization: header(req, 'authorization') ?? undefined, options: { issue: issue(config), address: req.address } };
    },
    respond,
    error: (err) => err,
  };
}

/**
 * Seed 004: `POST /v3/authorize/token` (authorization code, refresh) and `POST
 * /v3/authorize-decoupled/token`, where the `code` is the `auth_req_id` of a decoupled authorization
 * (`/oauth/bc-authorize`, CIBA poll mode): `authorization_pending` until the user approves.
 */
export const authorizeV3: Dialect = {
  name: 'authorize-v3',
  endpoints: (config) => [
    endpoint(config.authorizeV3Path, 'authorize-v3', config, (code) => ({ grant_type: 'authorization_code', code })),
    endpoint(config.authorizeV3DecoupledPath, 'authorize-v3-decoupled', config, (code) => ({ grant_type: CIBA_GRANT_TYPE, auth_req_id: code })),
  ],
};
