import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.js';

/** RFC 8414 metadata and the JWK Set. */
export async function wellKnownRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const issuer = rt.config.issuer;
  const metadata = {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    grant_types_supported: [...rt.grants.keys()],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    // RFC 7636 §4.3 and RFC 9700 §2.1.1: S256 only.
    code_challenge_methods_supported: ['S256'],
    // RFC 9207 §3: every authorization response carries `iss`.
    authorization_response_iss_parameter_supported: true,
    prompt_values_supported: ['none', 'login', 'consent'],
    // OpenID CIBA Core §4: decoupled authorization in poll mode only, without user_code.
    backchannel_authentication_endpoint: `${issuer}/oauth/bc-authorize`,
    backchannel_token_delivery_modes_supported: ['poll'],
    backchannel_user_code_parameter_supported: false,
    scopes_supported: [] as string[],
    service_documentation: `${issuer}/api/v1/openapi.json`,
  };

  app.get('/.well-known/oauth-authorization-server', { schema: { hide: true } }, async (_req, reply) => {
    const scopes = await rt.stores.scopes.list({ limit: 200 });
    reply.header('cache-control', 'public, max-age=300');
    return { ...metadata, scopes_supported: scopes.items.map((s) => s.scope) };
  });

  app.get('/.well-known/jwks.json', { schema: { hide: true } }, async (_req, reply) => {
    // Verifiers may cache the set this long; a new key is published at least this long before it signs.
    reply.header('cache-control', `public, max-age=${rt.config.jwksMaxAge}`).type('application/jwk-set+json');
    return rt.keys.jwks();
  });
}
