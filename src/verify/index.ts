/**
 * grantry/verify: verification of Grantry access tokens for resource servers. Depends on `jose` and
 * Node built-ins only; see docs/verify.md.
 */
export { createVerifier, scopesOf } from './verifier.js';
export { VerifyError, VerifierUnavailableError, type VerifyErrorCode } from './errors.js';
export {
  authorizeRequest,
  fastifyRequireScopes,
  expressRequireScopes,
  type Authorization,
  type IncomingHeaders,
  type FastifyLikeRequest,
  type FastifyLikeReply,
  type ExpressLikeRequest,
  type ExpressLikeResponse,
} from './middleware.js';
export { cacheLifetime } from './jwks.js';
export type { AccessTokenClaims, AsymmetricAlg, FetchLike, IntrospectionOptions, Verifier, VerifierOptions } from './types.js';
