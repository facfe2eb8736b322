import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { DIALECTS, createTestDatabase, skipDialect, type TestDatabase } from '../helpers/db.js';
import { basic, form } from '../helpers/app.js';
import { cliBuilt, cliJson, serve, type ServeProcess } from '../helpers/cli.js';
import { signatureValid, startReceiver, type Behaviour, type Receiver } from '../helpers/webhooks.js';
import { until } from '../helpers/net.js';

/** Real `grantry serve` processes: deliveries survive kill -9, and two processes never deliver twice. */


interface Env {
  env: Record<string, string>;
  database: TestDatabase;
}

async function environment(dialect: 'sqlite' | 'postgres'): Promise<Env> {
  const database = await createTestDatabase(dialect);
  const dataDir = database.url.startsWith('sqlite:') ? database.url.slice('sqlite:'.length).replace(/\/grantry\.db$/, '') : (await import('node:os')).tmpdir();
  return {
    database,
    env: {
      GRANTRY_DATABASE_URL: database.url,
      GRANTRY_DATA_DIR: dataDir,
      GRANTRY_MASTER_KEY: randomBytes(32).toString('base64'),
      GRANTRY_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
    },
  };
}

/** A tiny management-API client over real HTTP. */
async function client(baseUrl: string, env: Record<string, string>) {
  const admin = await cliJson<{ client_id: string; client_secret: string | null }>(['init'], env);
  const tokenRes = await fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(admin.client_id, admin.client_secret!) },
    body: form({ grant_type: 'client_credentials', scope: 'grantry:admin' }),
  });
  const token = ((await tokenRes.json()) as { access_token: string }).access_token;
  const call = async (url: string, method = 'GET', body?: unknown, base = baseUrl) => {
    const res = await fetch(`${base}/api/v1${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, any>) : {};
  };
  return { call };
}

async function partnerWithHook(call: Awaited<ReturnType<typeof client>>['call'], receiver: Receiver) {
  await call('/scopes', 'POST', { scope: 'payments:read', description: 'Read payments' });
  const org = await call('/organizations', 'POST', { type: 'partner', name: 'Partner' });
  const app = await call('/applications', 'POST', { name: 'Books', type: 'third_party', organization_id: org.id, scopes: ['payments:read'] });
  const hook = await call(`/applications/${app.id}/webhooks`, 'POST', { url: receiver.url, events: ['INSTALLATION.CREATE'] });
  return { app, secret: hook.secret as string };
}

describe.each(DIALECTS)('webhook delivery across real processes on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect) || !cliBuilt())('', () => {
    const cleanup: (() => Promise<void>)[] = [];
    afterAll(async () => {
      for (const fn of cleanup.reverse()) await fn().catch(() => {});
    });

    it('survives kill -9 in the middle of the retries: the delivery continues, nothing is lost', async () => {
      const { env, database } = await environment(dialect);
      cleanup.push(() => database.drop());
      // The first attempt fails; the retry (5 s later, ±20%) must come from the restarted process.
      const behaviour: Behaviour = (n, _req, res) => res.writeHead(n === 1 ? 500 : 204).end();
      const receiver = await startReceiver(behaviour);
      cleanup.push(() => receiver.close());
      let server: ServeProcess = await serve(env);
      cleanup.push(() => server.stop());
      const { call } = await client(server.url, env);
      const { app, secret } = await partnerWithHook(call, receiver);
      const merchant = await call('/organizations', 'POST', { type: 'merchant', name: 'Acme' });
      const installation = await call('/installations', 'POST', { organization_id: merchant.id, application_id: app.id, scopes: ['payments:read'] });

      await until('the first attempt', () => receiver.receipts.length >= 1);
      // Mid-retry: the failed first attempt is recorded and the retry scheduled (5 s ± 20 %). A crash
      // during an attempt instead leaves a lease that expires after 60 s (tested in process, with a clock).
      await until('the first failure to be recorded', async () => {
        const d = (await call(`/webhook-deliveries?installation_id=${installation.id}`)).items[0];
        return d?.status === 'pending' && d.attempts?.[0]?.outcome === 'failed';
      });
      server.child.kill('SIGKILL');
      await until('the process to die', () => server.child.exitCode !== null || server.child.signalCode !== null);
      expect(receiver.receipts).toHaveLength(1);

      server = await serve(env);
      await until('the retry from the restarted process', () => receiver.receipts.length >= 2);
      const [first, second] = receiver.receipts;
      // The same message, signed again: Standard Webhooks receivers deduplicate on webhook-id.
      expect(second!.id).toBe(first!.id);
      expect(second!.body).toBe(first!.body);
      expect(signatureValid(secret, second!)).toBe(true);
      // The management token from before the crash still works: keys live in the database.
      const deliveries = await call(`/webhook-deliveries?installation_id=${installation.id}`, 'GET', undefined, server.url);
      expect(deliveries.items).toHaveLength(1);
      expect(deliveries.items[0]).toMatchObject({
        status: 'succeeded',
        attempts: [
          { attempt: 1, outcome: 'failed', status_code: 500 },
          { attempt: 2, outcome: 'succeeded', status_code: 204 },
        ],
      });
      // The credentials delivered after the restart work.
      const refreshToken = JSON.parse(second!.body).data.refresh_token as string;
      const res = await fetch(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(app.client_id, app.client_secret) },
        body: form({ grant_type: 'refresh_token', refresh_token: refreshToken }),
      });
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 1000));
      expect(receiver.receipts).toHaveLength(2);
    }, 60_000);

    it.skipIf(dialect !== 'postgres')('two processes on one database deliver 200 events with no duplicate and no loss', async () => {
      const { env, database } = await environment(dialect);
      cleanup.push(() => database.drop());
      const receiver = await startReceiver();
      cleanup.push(() => receiver.close());
      const a = await serve(env);
      cleanup.push(() => a.stop());
      const b = await serve(env);
      cleanup.push(() => b.stop());
      const { call } = await client(a.url, env);
      const { app } = await partnerWithHook(call, receiver);
      for (let i = 0; i < 200; i++) {
        // Alternate the processes that take the writes: both enqueue, both deliver.
        const base = i % 2 === 0 ? a.url : b.url;
        const merchant = await call('/organizations', 'POST', { type: 'merchant', name: `M${i}` }, base);
        await call('/installations', 'POST', { organization_id: merchant.id, application_id: app.id, scopes: ['payments:read'] }, base);
      }
      await until('200 deliveries', () => receiver.receipts.length >= 200, 45_000);
      // Give a duplicate, if any, time to arrive.
      await new Promise((r) => setTimeout(r, 1500));
      const ids = receiver.receipts.map((r) => r.id);
      expect(new Set(ids).size).toBe(200);
      expect(ids).toHaveLength(200);
    }, 120_000);
  });
});
