import { jwtVerify, type JWTPayload } from 'jose';
import type { Clock } from '../domain/clock.js';
import type { KeyManager } from '../keys/key-manager.js';
import type { Stores } from '../storage/ports.js';
import type { ClientRegistry } from './client-registry.js';

export interface AccessTokenCheckDeps {
  keys: KeyManager;
  clock: Clock;
  issuer: string;
  stores: Stores;
  clients: ClientRegistry;
}

const looksLikeJwt = (token: string): boolean => token.length < 8192 && /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);

/** Verifies one of our access tokens (signature, typ, iss, exp); null when it is not one, or not valid now. */
export async function verifyAccessToken(token: string, deps: Pick<AccessTokenCheckDeps, 'keys' | 'clock' | 'issuer'>): Promise<JWTPayload | null> {
  if (!looksLikeJwt(token)) return null;
  try {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        const key = header.kid ? deps.keys.publicKey(header.kid) : null;
        // The algorithm comes from our key record, never from the token header alone (RFC 8725 §3.1).
        if (!key || key.alg !== header.alg) throw new Error('unknown key');
        return key.key;
      },
      { issuer: deps.issuer, typ: 'at+jwt', currentDate: new Date(deps.clock.now()), algorithms: ['RS256', 'ES256', 'EdDSA'] },
    );
    return payload;
  } catch {
    return null;
  }
}

/**
 * Whether a validly signed, unexpired access token is still live: not revoked by jti, its refresh
 * family and installation still active (and, for a rotating family, the latest it issued), its
 * application still registered.
 */
export async function isAccessTokenLive(payload: JWTPayload, deps: AccessTokenCheckDeps): Promise<boolean> {
  if (typeof payload.jti === 'string' && (await deps.stores.revocations.isAccessTokenRevoked(payload.jti))) return false;
  if (typeof payload.grant_id === 'string') {
    const family = await deps.stores.refresh.getFamily(payload.grant_id);
    if (!family || family.status !== 'active') return false;
    // Seed 002: a rotation revokes the access token issued before it. The family records the jti of
    // the one it issued last, so in a rotating family every other access token is revoked.
    if (family.policy === 'rotate' && family.lastAccessJti !== payload.jti) return false;
  }
  if (typeof payload.installation_id === 'string') {
    const installation = await deps.stores.installations.get(payload.installation_id);
    if (!installation || installation.status !== 'active') return false;
  }
  if (typeof payload.client_id !== 'string' || !(await deps.clients.get(payload.client_id))) return false;
  return true;
}
