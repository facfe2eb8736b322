import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { T0, adminToken, api, buildTestApp, tokenRequest, type Api, type TestApp } from '../helpers/app.js';
import { merchantOrg, type Partner } from '../helpers/installations.js';
import { signatureValid, startReceiver, type Behaviour, type Receiver } from '../helpers/webhooks.js';
import { webhookWorkerFor } from '../../src/webhooks/worker.js';
import { RETRY_SCHEDULE_MS } from '../../src/webhooks/schedule.js';
import { onCredentialsUndeliverable } from '../../src/admin/installations.js';

/** The whole hand-off: install → signed INSTALLATION.CREATE at the partner → the partner refreshes. */
describe.each(DIALECTS)('installation credentials delivered by webhook on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    const receivers: Receiver[] = [];

    beforeAll(async () => {
      t = await buildTestApp(dialect, { webhookAllowedNetworks: ['127.0.0.0/8'] });
      a = api(t.app, await adminToken(t));
    });
    afterEach(() => t.clock.set(T0));
    afterAll(async () => {
      await Promise.all(receivers.map((r) => r.close()));
      await t?.close();
    });

    // The worker as `grantry serve` builds it (src/server.ts), on the test clock.
    const worker = () => webhookWorkerFor(t.rt, { onExhausted: (delivery, tx) => onCredentialsUndeliverable(tx, delivery, t.clock.now()), timeoutMs: 2000 });

    async function partnerAt(behaviour?: Behaviour): Promise<{ partner: Partner; receiver: Receiver; secret: string }> {
      const receiver = await startReceiver(behaviour);
      receivers.push(receiver);
      await a.post('/scopes', { scope: 'payments:read', description: 'Read payments' });
      const org = (await a.post('/organizations', { type: 'partner', name: 'Partner' })).json();
      const app = (await a.post('/applications', { name: 'Books', type: 'third_party', organization_id: org.id, scopes: ['payments:read'] })).json();
      const hook = await a.post(`/applications/${app.id}/webhooks`, { url: receiver.url, events: ['INSTALLATION.CREATE', 'INSTALLATION.UPDATE', 'INSTALLATION.DELETE'] });
      expect(hook.statusCode, hook.body).toBe(201);
      return { partner: { orgId: org.id, appId: app.id, clientId: app.client_id, clientSecret: app.client_secret }, receiver, secret: hook.json().secret };
    }

    it('delivers a signed INSTALLATION.CREATE whose refresh token works; first use is the receipt', async () => {
      const { partner, receiver, secret } = await partnerAt();
      const merchant = await merchantOrg(a);
      const installation = (await a.post('/installations', { organization_id: merchant, application_id: partner.appId, scopes: ['payments:read'] })).json();
      expect(await worker().runOnce()).toBe(1);
      expect(receiver.receipts).toHaveLength(1);
      const receipt = receiver.receipts[0]!;
      expect(signatureValid(secret, receipt)).toBe(true);
      // A receiver written from the Standard Webhooks docs verifies it with the library as is; its
      // ±5 min timestamp tolerance is checked against Date, moved to the test clock for the call.
      vi.useFakeTimers({ toFake: ['Date'], now: t.clock.now() });
      const verified = new Webhook(secret).verify(receipt.body, { 'webhook-id': receipt.id, 'webhook-timestamp': receipt.timestamp, 'webhook-signature': receipt.signature }) as {
        type: string;
        data: Record<string, string>;
      };
      vi.useRealTimers();
      expect(verified.type).toBe('INSTALLATION.CREATE');
      expect(verified.data.installation_id).toBe(installation.id);
      const res = await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: verified.data.refresh_token! }, { id: partner.clientId, secret: partner.clientSecret });
      expect(res.statusCode).toBe(200);
      const delivery = (await a.get(`/webhook-deliveries?installation_id=${installation.id}`)).json().items[0];
      expect(delivery.status).toBe('succeeded');
      const row = await t.rt.db.db.selectFrom('webhook_deliveries').select('payload_sealed').where('id', '=', delivery.id).executeTakeFirstOrThrow();
      expect(row.payload_sealed).toBeNull();
    });

    it('after the 10th failed attempt revokes the undelivered token and flags the installation; reissue starts a fresh budget', async () => {
      let failing = true;
      // 500, not 503: an overloaded receiver's next attempt waits at least a minute (webhook-endpoints.test.ts).
      const { partner, receiver, secret } = await partnerAt((_n, _req, res) => res.writeHead(failing ? 500 : 204).end());
      const merchant = await merchantOrg(a);
      const installation = (await a.post('/installations', { organization_id: merchant, application_id: partner.appId, scopes: ['payments:read'] })).json();
      const w = worker();
      for (let attempt = 0; attempt < 10; attempt++) {
        t.clock.advance(RETRY_SCHEDULE_MS[attempt]! * 1.2 + 1000);
        expect(await w.runOnce()).toBe(1);
      }
      expect(receiver.receipts).toHaveLength(10);
      expect(await w.runOnce()).toBe(0);
      // Back to the time of the management token.
      t.clock.set(T0);
      const undelivered = JSON.parse(receiver.receipts[0]!.body).data.refresh_token as string;
      const flagged = (await a.get(`/installations/${installation.id}`)).json();
      expect(flagged.delivery_failed_at).toEqual(expect.any(Number));
      // The token that never reached the partner is dead.
      const dead = await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: undelivered }, { id: partner.clientId, secret: partner.clientSecret });
      expect(dead.json().error).toBe('invalid_grant');
      failing = false;
      const reissued = await a.post(`/installations/${installation.id}/reissue`);
      expect(reissued.statusCode).toBe(201);
      expect(reissued.json()).toMatchObject({ credentials_version: 2, delivery_failed_at: null });
      expect(await w.runOnce()).toBe(1);
      const update = receiver.receipts[10]!;
      expect(signatureValid(secret, update)).toBe(true);
      const fresh = JSON.parse(update.body);
      expect(fresh).toMatchObject({ type: 'INSTALLATION.UPDATE', data: { credentials_version: 2 } });
      const ok = await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: fresh.data.refresh_token }, { id: partner.clientId, secret: partner.clientSecret });
      expect(ok.statusCode).toBe(200);
      const metrics = (await t.app.inject('/metrics')).body;
      expect(metrics).toMatch(/grantry_webhook_attempts_total\{outcome="failed",error_class="http_status"\} 10/);
      expect(metrics).toMatch(/grantry_webhook_attempts_total\{outcome="succeeded",error_class="none"\} [1-9]/);
    });
  });
});
