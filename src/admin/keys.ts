import type { SigningAlg } from '../config/schema.js';
import type { KeyInfo, KeyManager } from '../keys/key-manager.js';
import { audit, type AdminContext } from './context.js';
import { requirePlatformAdmin } from './access.js';

/**
 * Signing keys belong to the whole server, not to an organization: platform administrators only
 * (docs/console.md). The public halves are published at /.well-known/jwks.json for everyone anyway.
 */
export function listSigningKeys(ctx: AdminContext, keys: KeyManager): KeyInfo[] {
  requirePlatformAdmin(ctx.principal, 'the signing keys');
  return keys.list();
}

/** Rotates the signing key and records who did it. */
export async function rotateSigningKey(ctx: AdminContext, keys: KeyManager, alg?: SigningAlg): Promise<KeyInfo> {
  requirePlatformAdmin(ctx.principal, 'rotating the signing key');
  const info = await keys.rotate(alg);
  // Other processes publish the new key at once rather than at their next periodic reload.
  ctx.changes?.publish({ kind: 'keys' });
  await audit(ctx.stores, ctx, 'key.rotated', { type: 'signing_key', id: info.kid }, { alg: info.alg, activates_at: info.activatesAt });
  return info;
}
