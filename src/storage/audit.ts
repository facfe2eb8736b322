import { newId, type Random } from '../domain/random.js';
import type { Stores } from './ports.js';

/** One audit row, written in the caller's transaction (DESIGN: state changes and their audit rows commit together). */
export async function appendAudit(
  stores: Pick<Stores, 'audit'>,
  random: Random,
  at: number,
  entry: { actor: string; action: string; target: { type: string; id: string }; data?: Record<string, unknown> },
): Promise<void> {
  await stores.audit.append({ id: newId('evt', at, random), at, actor: entry.actor, action: entry.action, targetType: entry.target.type, targetId: entry.target.id, data: entry.data ?? {} });
}
