import { OAuthError } from '../../domain/oauth-error.js';
import { authenticateClient } from '../client-auth.js';
import { header, type Dialect, type DialectEndpoint } from './dialect.js';

/** Seed 003's error texts, word for word. */
const INVALID_GRANT = 'Refresh token has expired or is invalid.';
const MISSING_TOKEN = 'Missing refresh token.';

/**
 * Seed 003: `POST /v1/auth/token` with headers `partnerId` (int32) and `grantType: refresh_token` and
 * the JSON body `{"refreshToken": "..."}`; the answer is `{access_token, refresh_token, expires_in,
 * token_type}`. The seed's API identified the client by `partnerId` alone, the refresh token being the
 * credential, and its clients send nothing else; a client that also sends HTTP Basic credentials is
 * authenticated by them too. `partnerId` is the `partner_id` an administrator gives an application.
 */
export const headerV1: Dialect = {
  name: 'header-v1',
  endpoints: (config) => [
    {
      path: config.headerV1Path,
      label: 'header-v1',
      async parse(req, deps) {
        const partnerId = header(req, 'partnerId');
        // int32, as the seed types it.
        if (partnerId === undefined || partnerId === null || !/^[0-9]{1,10}$/.test(partnerId) || Number(partnerId) > 2_147_483_647 || Number(partnerId) < 1) {
          throw new OAuthError('invalid_request', 'Missing or invalid partnerId header.');
        }
        const grantType = header(req, 'grantType');
        if (grantType === undefined || grantType === null) throw new OAuthError('invalid_request', 'Missing or invalid grantType header.');
        const body = req.body;
        if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) throw new OAuthError('invalid_request', 'The request body must be a JSON object.');
        const refreshToken = (body as Record<string, unknown> | null | undefined)?.refreshToken;
        if (refreshToken !== undefined && typeof refreshToken !== 'string') throw new OAuthError('invalid_request', MISSING_TOKEN);
        if (grantType !== 'refresh_token') throw new OAuthError('unsupported_grant_type', 'grantType must be refresh_token.');
        if (!refreshToken) throw new OAuthError('invalid_request', MISSING_TOKEN);

        const app = await deps.stores.applications.getByPartnerId(Number(partnerId));
        if (!app) throw new OAuthError('invalid_client', 'Unknown partnerId.');
        const params = { grant_type: 'refresh_token', refresh_token: refreshToken };
        const authorization = header(req, 'authorization') ?? undefined;
        if (authorization !== undefined) {
          const client = await authenticateClient(authorization, params, deps, req.address);
          if (client.app.id !== app.id) throw new OAuthError('invalid_client', 'The credentials are not those of this partnerId.');
          return { params, authorization, options: { client, address: req.address } };
        }
        return { params, authorization: undefined, options: { client: { app, method: 'none' } } };
      },
      respond: (r) => ({ access_token: r.access_token, ...(r.refresh_token ? { refresh_token: r.refresh_token } : {}), expires_in: r.expires_in, token_type: r.token_type }),
      error: (err) => (err.code === 'invalid_grant' ? new OAuthError('invalid_grant', INVALID_GRANT) : err),
    } satisfies DialectEndpoint,
  ],
};
