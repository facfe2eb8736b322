import { audiencesOf } from '../domain/scope.js';
import { seconds, type Clock } from '../domain/clock.js';
import type { Random } from '../domain/random.js';
import type { KeyManager } from '../keys/key-manager.js';

export interface AccessTokenInput {
  subject: string;
  clientId: string;
  scopes: readonly string[];
  ttlSeconds: number;
  /** Extra claims: merchant_id, installation_id. */
  extra?: Record<string, string>;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresIn: number;
  expiresAt: number;
}

export interface AccessTokenDeps {
  keys: KeyManager;
  clock: Clock;
  random: Random;
  issuer: string;
}

/** Mints an RFC 9068 JWT access token: typ at+jwt, a fresh jti, aud = the audiences of the scopes. */
export function issueAccessToken(input: AccessTokenInput, deps: AccessTokenDeps): IssuedAccessToken {
  const iat = seconds(deps.clock.now());
  const exp = iat + input.ttlSeconds;
  const audiences = audiencesOf(input.scopes);
  const jti = deps.random.uuid();
  // RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti are required; scope when scopes were granted.
  const claims: Record<string, unknown> = {
    iss: deps.issuer,
    sub: input.subject,
    aud: audiences.length === 1 ? audiences[0] : audiences,
    scope: input.scopes.join(' '),
    client_id: input.clientId,
    iat,
    exp,
    jti,
    ...input.extra,
  };
  const { token } = deps.keys.sign(claims);
  return { token, jti, expiresIn: input.ttlSeconds, expiresAt: exp * 1000 };
}
