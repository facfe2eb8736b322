/**
 * An endpoint's `rate_limit` holds across processes: two real `grantry serve` processes on one
 * database deliver a backlog to one endpoint, and no 1-second window sees more than `rate_limit`
 * attempts. The send slots are reserved in the database (webhook_subscriptions.rate_next_at), so the
 * bound is the same for any number of processes and instances.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { DIALECTS, createTestDatabase, skipDialect } from '../helpers/db.js';
import { cliBuilt, serve, type ServeProcess } from '../helpers/cli.js';
import { adminClient, until } from '../helpers/remote.js';
import { signatureValid, startReceiver } from '../helpers/webhooks.js';

const RATE = 4;
const MESSAGES = 24;

/** The largest number of times within any half-open window [t, t + widthMs). */
function busiestWindow(times: readonly number[], widthMs: number): number {
  const sorted = [...times].sort((x, y) => x - y);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= widthMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe.each(DIALECTS)('webhook rate limit across two processes on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect) || !cliBuilt())('', () => {
    const cleanup: (() => Promise<void>)[] = [];
    afterAll(async () => {
      for (const fn of cleanup.reverse()) await fn().catch(() => {});
    });

    it(`two processes together never send more than rate_limit (${RATE}) attempts per second to the endpoint`, { timeout: 90_000 }, async () => {
      const database = await createTestDatabase(dialect);
      cleanup.push(() => database.drop());
      const dataDir = database.url.startsWith('sqlite:') ? database.url.slice('sqlite:'.length).replace(/\/grantry\.db$/, '') : (await import('node:os')).tmpdir();
      const env = { GRANTRY_DATABASE_URL: database.url, GRANTRY_DATA_DIR: dataDir, GRANTRY_MASTER_KEY: randomBytes(32).toString('base64'), GRANTRY_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8' };
      const arrivals: number[] = [];
      const receiver = await startReceiver((_n, _req, res) => {
        arrivals.push(Date.now());
        res.writeHead(204).end();
      });
      cleanup.push(() => receiver.close());
      const first: ServeProcess = await serve(env);
      cleanup.push(() => first.stop());
      const second: ServeProcess = await serve(env);
      cleanup.push(() => second.stop());
      const { call } = await adminClient(first.url, env);

      await call('/scopes', 'POST', { scope: 'payments:read', description: 'Read payments' });
      const partner = await call('/organizations', 'POST', { type: 'partner', name: 'Partner' });
      const app = await call('/applications', 'POST', { name: 'Books', type: 'third_party', organization_id: partner.id, scopes: ['payments:read'] });
      const hook = await call(`/applications/${app.id}/webhooks`, 'POST', { url: receiver.url, events: ['INSTALLATION.CREATE'], rate_limit: RATE });
      expect(hook.rate_limit).toBe(RATE);
      // Hold the endpoint while the backlog is written, so both processes find it full when it opens.
      await call(`/applications/${app.id}/webhooks/${hook.id}`, 'PATCH', { enabled: false });
      for (let i = 0; i < MESSAGES; i++) {
        const merchant = await call('/organizations', 'POST', { type: 'merchant', name: `Merchant ${i}` });
        await call('/installations', 'POST', { organization_id: merchant.id, application_id: app.id, scopes: ['payments:read'] });
      }
      const opened = Date.now();
      expect((await call(`/applications/${app.id}/webhooks/${hook.id}`, 'PATCH', { enabled: true })).released_deliveries).toBe(MESSAGES);
      await until('every message delivered', () => receiver.receipts.length >= MESSAGES || null, 60_000);
      const took = Date.now() - opened;

      // The attempts' send times, as the two workers recorded them right before sending.
      const log = await call(`/webhook-deliveries?subscription_id=${hook.id}&limit=200`);
      const started = (log.items as { attempts: { started_at: number; outcome: string }[] }[]).flatMap((d) => d.attempts.filter((a) => a.outcome === 'succeeded').map((a) => a.started_at));
      expect(started).toHaveLength(MESSAGES);
      expect(busiestWindow(started, 1000)).toBeLessThanOrEqual(RATE);
      // At the receiver too (arrival adds a few milliseconds of connection jitter on loopback).
      expect(busiestWindow(arrivals, 950)).toBeLessThanOrEqual(RATE);
      // Paced, not merely slow: the backlog took about MESSAGES / RATE seconds.
      expect(took).toBeGreaterThanOrEqual(((MESSAGES - RATE) / RATE) * 1000);
      for (const r of receiver.receipts) expect(signatureValid(hook.secret, r)).toBe(true);
      expect(new Set(receiver.receipts.map((r) => r.id)).size).toBe(MESSAGES);

      // Both processes sent some of them.
      const sentBy = await Promise.all(
        [first, second].map(async (p) => {
          const text = await (await fetch(`${p.url}/metrics`)).text();
          return Number(/grantry_webhook_attempts_total\{outcome="succeeded",error_class="none"\} (\d+)/.exec(text)?.[1] ?? 0);
        }),
      );
      expect(sentBy[0]! + sentBy[1]!).toBe(MESSAGES);
      expect(Math.min(...sentBy)).toBeGreaterThan(0);
    });
  });
});
