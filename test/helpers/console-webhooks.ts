import type { Runtime } from '../../src/runtime.js';
import { MAX_DELIVERY_ATTEMPTS } from '../../src/storage/ports-webhooks.js';

/**
 * An outage of days, compressed for a test against a real server (its clock is the real one): the
 * endpoint's only failures began `failingForMs` ago, and the named pending deliveries are due now with
 * one attempt left. The worker's next (real) attempt then does what days of failures would: it spends
 * the last attempt (the delivery fails, its credentials are revoked as after any exhausted delivery)
 * and, past GRANTRY_WEBHOOK_FAILING_DISABLE_AFTER, disables the endpoint with reason `failing`.
 * Only rows nobody holds are touched (a delivery leased by the worker is mid-attempt): the count of
 * deliveries changed tells the caller whether to try again.
 */
export async function compressOutage(rt: Runtime, subscriptionId: string, opts: { failingForMs: number; lastAttemptOf: string[] }): Promise<number> {
  const db = rt.db.db;
  const now = Date.now();
  await db.updateTable('webhook_subscriptions').set({ failing_since: now - opts.failingForMs }).where('id', '=', subscriptionId).execute();
  if (opts.lastAttemptOf.length === 0) return 0;
  const r = await db
    .updateTable('webhook_deliveries')
    .set({ attempts: MAX_DELIVERY_ATTEMPTS - 1, next_attempt_at: now })
    .where('id', 'in', opts.lastAttemptOf)
    .where('subscription_id', '=', subscriptionId)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
