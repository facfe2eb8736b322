import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, cliBuilt } from '../helpers/cli.js';
import { freePort, until } from '../helpers/net.js';
import { ensurePartnerBuilt, ROOT } from '../helpers/partner-build.js';
import { partnerSetup, startPartnerGrantry, type PartnerGrantry, type PartnerSetup } from '../helpers/partner-grantry.js';
import { sqliteStore } from '../../src/partner/index.js';

/**
 * examples/partner-app against a real Grantry and examples/payments-api: the merchant installs, the
 * webhook lands in the partner's SQLite store, the partner pays through the payments API with the
 * installation's token, and after the uninstall its calls stop (410) and its tokens are gone.
 * The examples import `grantry/partner` and `grantry/verify` by name (dist/, through package.json "exports").
 */
describe('examples/partner-app', () => {
  let g: PartnerGrantry;
  let payments: FastifyInstance;
  let partnerApp: FastifyInstance;
  let partner: PartnerSetup;
  let base: string;
  let dir: string;
  const storeKey = randomBytes(32);

  beforeAll(async () => {
    await ensurePartnerBuilt();
    const { buildPaymentsApi } = await import('../../examples/payments-api/server.mjs');
    const { buildPartnerApp } = await import('../../examples/partner-app/server.mjs');
    g = await startPartnerGrantry('sqlite');
    payments = buildPaymentsApi({ issuer: g.url });
    const paymentsUrl = await payments.listen({ port: 0, host: '127.0.0.1' });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    partner = await partnerSetup(g, `${base}/webhooks/grantry`, { refresh_policy: 'rotate', refresh_grace_period: 30 });
    dir = mkdtempSync(join(tmpdir(), 'partner-app-'));
    partnerApp = buildPartnerApp({
      issuer: g.url,
      clientId: partner.clientId,
      clientSecret: partner.clientSecret,
      webhookSecrets: [partner.webhookSecret],
      store: sqliteStore({ path: join(dir, 'partner.db'), key: storeKey }),
      paymentsUrl,
    });
    await partnerApp.listen({ port, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await partnerApp?.close();
    await payments?.close();
    await g?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs by webhook, pays through the payments API with the installation token, stops after uninstall', async () => {
    const merchant = await g.call('/organizations', 'POST', { type: 'merchant', name: 'Acme Shop' });
    const installation = await g.call('/installations', 'POST', { organization_id: merchant.id, application_id: partner.appId, scopes: ['payments:read', 'payments:create'] });
    await until('the INSTALLATION.CREATE webhook at the partner', async () => ((await (await fetch(`${base}/installations`)).json()) as { items: { installation_id: string }[] }).items.some((i) => i.installation_id === installation.id));

    const pay = await fetch(`${base}/installations/${installation.id}/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount: 1250, currency: 'EUR' }) });
    expect(pay.status).toBe(201);
    expect(await pay.json()).toMatchObject({ merchant_id: merchant.id, amount: 1250, currency: 'EUR', created_by: partner.clientId, installation_id: installation.id });
    const list = await fetch(`${base}/installations/${installation.id}/payments`);
    expect(list.status).toBe(200);
    expect(((await list.json()) as { payments: unknown[] }).payments).toHaveLength(1);
    // An installation this service never received.
    expect((await fetch(`${base}/installations/ins_unknown/payments`)).status).toBe(410);

    await g.call(`/installations/${installation.id}`, 'DELETE');
    await until('the INSTALLATION.DELETE webhook at the partner', async () => ((await (await fetch(`${base}/installations`)).json()) as { items: { installation_id: string; status: string }[] }).items.some((i) => i.installation_id === installation.id && i.status === 'uninstalled'));
    const after = await fetch(`${base}/installations/${installation.id}/payments`);
    expect(after.status).toBe(410);
    const store = sqliteStore({ path: join(dir, 'partner.db'), key: storeKey });
    expect(await store.get(installation.id)).toMatchObject({ status: 'deleted', refreshToken: null, accessToken: null });
    await store.close();
  });

  it.skipIf(!cliBuilt())('demo.mjs runs the whole story with one command (grantry serve, payments API, partner service)', async () => {
    const [grantryPort, paymentsPort, partnerPort] = [await freePort(), await freePort(), await freePort()];
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn(process.execPath, ['examples/partner-app/demo.mjs', '--once'], {
        cwd: ROOT,
        env: childEnv({ GRANTRY_PORT: String(grantryPort), PAYMENTS_PORT: String(paymentsPort), PARTNER_PORT: String(partnerPort) }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, text });
      });
    });
    expect(out.code, out.text).toBe(0);
    expect(out.text).toMatch(/installed Bookkeeping: ins_\S+ \(webhook msg_\S+ stored\)/);
    expect(out.text).toMatch(/POST \S+\/payments → 201 /);
    expect(out.text).toMatch(/GET {2}\S+\/payments → 200 /);
  }, 90_000);
});
