import type { Clock } from '../domain/clock.js';
import type { Random } from '../domain/random.js';
import { appendAudit } from '../storage/audit.js';
import type { Hasher } from '../crypto/hasher.js';
import type { ClientRegistry } from '../protocol/client-registry.js';
import type { Stores } from '../storage/ports.js';
import type { ChangeFeed } from '../storage/changes.js';
import type { Principal } from './access.js';

/** What every management operation needs; the HTTP API and the CLI build one each. */
export interface AdminContext {
  stores: Stores;
  clock: Clock;
  random: Random;
  hasher: Hasher;
  clients: ClientRegistry;
  /** Who acts, for the audit log: `app:<client_id>`, `user:<id>`, `cli`. */
  actor: string;
  /**
   * Who acts, for the rules (admin/access.ts): every operation in src/admin checks it. The management
   * API passes the caller of the request; the CLI acts as a platform administrator.
   */
  principal: Principal;
  /** Tells other processes what to forget (signing keys; applications go through `clients`). */
  changes?: ChangeFeed;
}

export async function audit(
  stores: Stores,
  ctx: AdminContext,
  action: string,
  target: { type: string; id: string },
  data: Record<string, unknown> = {},
): Promise<void> {
  const at = ctx.clock.now();
  await appendAudit(stores, ctx.random, at, { actor: ctx.actor, action, target, data });
}

export const PAGE_MAX = 200;
export const PAGE_DEFAULT = 50;

export function pageRequest(limit: number | undefined, cursor: string | undefined): { limit: number; after: string | undefined } {
  return { limit: Math.min(Math.max(limit ?? PAGE_DEFAULT, 1), PAGE_MAX), after: cursor || undefined };
}
