import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { api, buildTestApp, tokenRequest, type Api, type TestApp } from '../helpers/app.js';
import { initialize } from '../../src/admin/bootstrap.js';
import { fixedJitter, partnerApp, signatureValid, startReceiver, type Behaviour, type Receiver } from '../helpers/webhooks.js';
import { enqueueEvent } from '../../src/webhooks/enqueue.js';
import { WebhookWorker, type OnExhausted } from '../../src/webhooks/worker.js';
import { destinationPolicyFor } from '../../src/webhooks/destination.js';
import { RETRY_SCHEDULE_MS } from '../../src/webhooks/schedule.js';
import type { WebhookDelivery } from '../../src/storage/ports-webhooks.js';
import type { Transport } from '../../src/webhooks/transport.js';

const TOKEN = 'rt_very_secret_refresh_token_value_1234';

describe.each(DIALECTS)('webhook delivery on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let admin: { id: string; secret: string };
    const receivers: Receiver[] = [];

    beforeAll(async () => {
      t = await buildTestApp(dialect, { webhookAllowedNetworks: ['127.0.0.0/8'] });
      const init = await initialize(t.rt.admin('test'), { maxAccessTokenTtl: t.rt.config.maxAccessTokenTtl });
      admin = { id: init.application.clientId, secret: init.clientSecret! };
    });
    // Tests move the clock by days: a fresh management token per test.
    const freshToken = async () => {
      const res = await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'grantry:admin' }, admin);
      a = api(t.app, res.json().access_token as string);
    };
    beforeEach(freshToken);
    // Every test owns its deliveries: whatever one leaves open must not be claimed by the next.
    afterEach(async () => {
      await t.rt.db.db.updateTable('webhook_deliveries').set({ status: 'cancelled', payload_sealed: null }).where('status', 'in', ['pending', 'held']).execute();
    });
    afterAll(async () => {
      await Promise.all(receivers.map((r) => r.close()));
      await t?.close();
    });

    /** A partner app subscribed to INSTALLATION.* at a fresh local receiver. */
    async function setup(behaviour?: Behaviour, events = ['INSTALLATION.CREATE', 'INSTALLATION.UPDATE', 'INSTALLATION.DELETE']) {
      // Tests here enqueue hand-made `data` to exercise the delivery mechanics: not catalogue messages.
      const receiver = await startReceiver(behaviour, { catalogue: false });
      receivers.push(receiver);
      const partner = await partnerApp(a);
      const res = await a.post(`/applications/${partner.appId}/webhooks`, { url: receiver.url, events });
      expect(res.statusCode, res.body).toBe(201);
      return { receiver, partner, subscriptionId: res.json().id as string, secret: res.json().secret as string };
    }

    function worker(options: { onExhausted?: OnExhausted; timeoutMs?: number; transport?: Transport; jitter?: number } = {}) {
      return new WebhookWorker({
        stores: t.rt.stores,
        box: t.rt.box,
        clock: t.clock,
        random: fixedJitter(options.jitter ?? 0.5),
        policy: destinationPolicyFor(t.rt.config),
        onExhausted: options.onExhausted ?? (async () => {}),
        timeoutMs: options.timeoutMs ?? 2000,
        ...(options.transport ? { transport: options.transport } : {}),
      });
    }

    async function enqueue(applicationId: string, opts: { installationId?: string; version?: number | null; type?: 'INSTALLATION.CREATE' | 'INSTALLATION.UPDATE' } = {}) {
      return t.rt.stores.transaction((tx) =>
        enqueueEvent(tx, { box: t.rt.box, clock: t.clock, random: t.rt.random }, {
          applicationId,
          eventType: opts.type ?? 'INSTALLATION.CREATE',
          installationId: opts.installationId ?? 'ins_test',
          credentialsVersion: opts.version === undefined ? 1 : opts.version,
          data: { installation_id: opts.installationId ?? 'ins_test', refresh_token: TOKEN, access_token: 'at_value_5678' },
        }),
      );
    }

    const delivery = async (id: string): Promise<WebhookDelivery> => (await t.rt.stores.webhooks.getDelivery(id))!;

    it('delivers a Standard Webhooks message that standardwebhooks verifies, then erases the payload', async () => {
      const { receiver, partner, secret } = await setup();
      const [id] = await enqueue(partner.appId);
      expect(await worker().runOnce()).toBe(1);
      expect(receiver.receipts).toHaveLength(1);
      const r = receiver.receipts[0]!;
      // verify() checks the timestamp against the real clock (±5 min): let "now" be the injected clock's.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(t.clock.now());
      let msg: Record<string, unknown>;
      try {
        msg = new Webhook(secret).verify(r.body, { 'webhook-id': r.id, 'webhook-timestamp': r.timestamp, 'webhook-signature': r.signature }) as Record<string, unknown>;
        expect(() => new Webhook(secret).verify(r.body.replace('CREATE', 'DELETE'), { 'webhook-id': r.id, 'webhook-timestamp': r.timestamp, 'webhook-signature': r.signature })).toThrow();
        expect(() => new Webhook('whsec_' + Buffer.alloc(32, 1).toString('base64')).verify(r.body, { 'webhook-id': r.id, 'webhook-timestamp': r.timestamp, 'webhook-signature': r.signature })).toThrow();
      } finally {
        vi.useRealTimers();
      }
      expect(msg).toEqual({ type: 'INSTALLATION.CREATE', timestamp: new Date(t.clock.now()).toISOString(), data: expect.objectContaining({ refresh_token: TOKEN }) });
      expect(r.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(r.id).toMatch(/^msg_[0-9a-z]{26}$/);
      expect(Number(r.timestamp)).toBe(Math.floor(t.clock.now() / 1000));

      const d = await delivery(id!);
      expect(d).toMatchObject({ status: 'succeeded', attempts: 1, sealedPayload: null, lastStatusCode: 204, leaseUntil: null });
      const view = await a.get(`/webhook-deliveries/${id}`);
      expect(view.statusCode).toBe(200);
      expect(view.json()).toMatchObject({ status: 'succeeded', attempt_count: 1, payload_retained: false, message_id: r.id, attempts: [{ attempt: 1, status_code: 204, error_class: null, outcome: 'succeeded' }] });
      expect(view.body).not.toContain(TOKEN);
      expect(await worker().runOnce()).toBe(0);
    });

    it('retries on the backoff schedule: 3 failures then success is 4 attempts with one webhook-id', async () => {
      const { receiver, partner, secret } = await setup((n, _req, res) => res.writeHead(n <= 3 ? 500 : 200).end('ok'));
      const [id] = await enqueue(partner.appId);
      const w = worker(); // jitter draw 0.5 → factor exactly 1.0
      expect(await w.runOnce()).toBe(1);
      for (const wait of [RETRY_SCHEDULE_MS[1]!, RETRY_SCHEDULE_MS[2]!, RETRY_SCHEDULE_MS[3]!]) {
        const d = await delivery(id!);
        expect(d.status).toBe('pending');
        expect(d.nextAttemptAt).toBe(t.clock.now() + wait);
        t.clock.advance(wait - 1);
        expect(await w.runOnce()).toBe(0); // not due yet: no sleeping, the clock decides
        t.clock.advance(1);
        expect(await w.runOnce()).toBe(1);
      }
      expect(receiver.receipts).toHaveLength(4);
      expect(new Set(receiver.receipts.map((r) => r.id)).size).toBe(1);
      for (const r of receiver.receipts) expect(signatureValid(secret, r)).toBe(true);
      const d = await delivery(id!);
      expect(d).toMatchObject({ status: 'succeeded', attempts: 4, sealedPayload: null });
      const attempts = (await a.get(`/webhook-deliveries/${id}`)).json().attempts;
      expect(attempts.map((x: { outcome: string }) => x.outcome)).toEqual(['failed', 'failed', 'failed', 'succeeded']);
      expect(attempts.map((x: { status_code: number }) => x.status_code)).toEqual([500, 500, 500, 200]);
      expect(attempts[0].error_class).toBe('http_status');
    });

    it('jitter keeps every wait within ±20 % of the schedule', async () => {
      const { partner } = await setup((_n, _req, res) => res.writeHead(500).end());
      const [low] = await enqueue(partner.appId, { installationId: 'ins_jitter_low' });
      await worker({ jitter: 0 }).runOnce();
      expect((await delivery(low!)).nextAttemptAt).toBe(t.clock.now() + 4000);
      const [high] = await enqueue(partner.appId, { installationId: 'ins_jitter_high' });
      await worker({ jitter: 0.999999 }).runOnce();
      expect((await delivery(high!)).nextAttemptAt - t.clock.now()).toBeGreaterThan(5999);
      expect((await delivery(high!)).nextAttemptAt - t.clock.now()).toBeLessThanOrEqual(6000);
    });

    it('makes exactly 10 attempts against a receiver that never succeeds, then fails and calls onExhausted once', async () => {
      // 500, not 503: an overloaded receiver's next attempt waits at least a minute (tested below).
      const { receiver, partner } = await setup((_n, _req, res) => res.writeHead(500).end());
      const [id] = await enqueue(partner.appId, { installationId: 'ins_exhaust' });
      const exhausted: WebhookDelivery[] = [];
      const w = worker({
        onExhausted: async (d, tx) => {
          exhausted.push(d);
          // Runs inside the completion transaction: the row is already failed there.
          expect((await tx.webhooks.getDelivery(d.id))?.status).toBe('failed');
        },
      });
      for (let i = 0; i < 10; i++) {
        expect(await w.runOnce()).toBe(1);
        t.clock.advance(RETRY_SCHEDULE_MS[Math.min(i + 1, 9)]!);
      }
      t.clock.advance(48 * 3600_000);
      expect(await w.runOnce()).toBe(0);
      expect(receiver.receipts).toHaveLength(10);
      expect(exhausted).toHaveLength(1);
      expect(exhausted[0]).toMatchObject({ id, status: 'failed', installationId: 'ins_exhaust', credentialsVersion: 1, sealedPayload: null, attempts: 10 });
      expect(await delivery(id!)).toMatchObject({ status: 'failed', attempts: 10, sealedPayload: null });
      await freshToken();
      const retry = await a.post(`/webhook-deliveries/${id}/retry`);
      expect(retry.statusCode).toBe(409);
      expect(retry.headers['content-type']).toContain('application/problem+json');
      expect(retry.json().detail).toContain('reissue');
    });

    it('410 disables the subscription and holds its messages until it is re-enabled', async () => {
      let gone = true;
      const { receiver, partner, subscriptionId } = await setup((_n, _req, res) => res.writeHead(gone ? 410 : 204).end());
      const [first] = await enqueue(partner.appId, { installationId: 'ins_gone' });
      const w = worker();
      expect(await w.runOnce()).toBe(1);
      expect(await delivery(first!)).toMatchObject({ status: 'held', attempts: 1 });
      const sub = (await a.get(`/applications/${partner.appId}/webhooks/${subscriptionId}`)).json();
      expect(sub).toMatchObject({ enabled: false, disabled_reason: 'gone' });
      const [second] = await enqueue(partner.appId, { installationId: 'ins_gone_2' });
      expect((await delivery(second!)).status).toBe('held');
      t.clock.advance(3600_000);
      expect(await w.runOnce()).toBe(0); // held, never sent, never dropped
      const retryHeld = await a.post(`/webhook-deliveries/${second}/retry`);
      expect(retryHeld.statusCode).toBe(409);

      gone = false;
      const patched = await a.patch(`/applications/${partner.appId}/webhooks/${subscriptionId}`, { enabled: true });
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({ enabled: true, disabled_reason: null, released_deliveries: 2 });
      expect(await w.runOnce()).toBe(2);
      expect(await delivery(first!)).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(await delivery(second!)).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(receiver.receipts).toHaveLength(3);
    });

    it('does not follow a redirect: a 3xx is a failed attempt', async () => {
      const { receiver, partner } = await setup((n, _req, res) => res.writeHead(302, { location: `/elsewhere-${n}` }).end());
      const [id] = await enqueue(partner.appId, { installationId: 'ins_redirect' });
      expect(await worker().runOnce()).toBe(1);
      expect(receiver.receipts).toHaveLength(1);
      expect(await delivery(id!)).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 302, lastError: 'http_status' });
    });

    it('times out a slow receiver (timeout injected) and retries later', async () => {
      const { partner } = await setup((_n, _req, res) => setTimeout(() => res.writeHead(200).end(), 1500).unref());
      const [id] = await enqueue(partner.appId, { installationId: 'ins_slow' });
      expect(await worker({ timeoutMs: 150 }).runOnce()).toBe(1);
      expect(await delivery(id!)).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null, lastError: 'timeout' });
      const attempt = (await a.get(`/webhook-deliveries/${id}`)).json().attempts[0];
      expect(attempt).toMatchObject({ error_class: 'timeout', outcome: 'failed' });
      expect(attempt.duration_ms).toBeLessThan(1500);
    });

    it('a crashed worker’s claim is picked up after its lease; attempts are counted at claim time', async () => {
      const { receiver, partner } = await setup();
      const [id] = await enqueue(partner.appId, { installationId: 'ins_lease' });
      let release: (v: Awaited<ReturnType<Transport>>) => void = () => {};
      const hanging: Transport = () => new Promise((r) => (release = r));
      const crashed = worker({ transport: hanging });
      const inFlight = crashed.runOnce(); // claims, then "crashes": never completes
      await expect.poll(async () => (await delivery(id!)).attempts).toBe(1);
      const other = worker();
      expect(await other.runOnce()).toBe(0); // leased
      t.clock.advance(60_000);
      expect(await other.runOnce()).toBe(0); // lease_until < now is required
      t.clock.advance(1);
      expect(await other.runOnce()).toBe(1);
      expect(receiver.receipts).toHaveLength(1);
      expect(await delivery(id!)).toMatchObject({ status: 'succeeded', attempts: 2 });
      let attempts = (await a.get(`/webhook-deliveries/${id}`)).json().attempts;
      expect(attempts.map((x: { outcome: string }) => x.outcome)).toEqual(['abandoned', 'succeeded']);
      // The crashed worker comes back with a failure: its lease is gone, so it cannot undo the success.
      release({ ok: false, statusCode: 500, errorClass: 'http_status', retryAfter: undefined, durationMs: 1, bytesRead: 0 });
      await inFlight;
      expect(await delivery(id!)).toMatchObject({ status: 'succeeded', attempts: 2 });
      attempts = (await a.get(`/webhook-deliveries/${id}`)).json().attempts;
      expect(attempts).toHaveLength(2);
    });

    it('a 10th attempt lost to a crash still ends the delivery as failed, with onExhausted', async () => {
      const { receiver, partner } = await setup();
      const [id] = await enqueue(partner.appId, { installationId: 'ins_lost10' });
      // Nine attempts already spent (as after nine failures), then the 10th is claimed and the worker dies.
      for (let i = 0; i < 9; i++) {
        await t.rt.stores.transaction((tx) => tx.webhooks.claimDue({ workerId: 'w', now: t.clock.now(), leaseUntil: t.clock.now(), limit: 1000, paceHorizonMs: 1000 }));
        t.clock.advance(1);
      }
      let hang: Promise<unknown> | null = null;
      const crashed = worker({ transport: () => new Promise(() => {}) });
      hang = crashed.runOnce();
      await expect.poll(async () => (await delivery(id!)).attempts).toBe(10);
      const exhausted: string[] = [];
      const other = worker({ onExhausted: async (d) => void exhausted.push(d.id) });
      t.clock.advance(60_001);
      await other.runOnce();
      expect(exhausted).toEqual([id]);
      expect(await delivery(id!)).toMatchObject({ status: 'failed', attempts: 10, sealedPayload: null });
      expect(receiver.receipts).toHaveLength(0);
      void hang;
    });

    it('a newer credentials message supersedes the older pending one', async () => {
      const { partner } = await setup((_n, _req, res) => res.writeHead(500).end());
      const [v1] = await enqueue(partner.appId, { installationId: 'ins_sup', version: 1 });
      const [v2] = await enqueue(partner.appId, { installationId: 'ins_sup', version: 2, type: 'INSTALLATION.UPDATE' });
      expect(await delivery(v1!)).toMatchObject({ status: 'superseded', sealedPayload: null });
      expect((await delivery(v2!)).status).toBe('pending');
    });

    it('manual retry re-sends a pending delivery now, with the same webhook-id', async () => {
      const { receiver, partner } = await setup((n, _req, res) => res.writeHead(n === 1 ? 500 : 204).end());
      const [id] = await enqueue(partner.appId, { installationId: 'ins_retry' });
      const w = worker();
      await w.runOnce();
      expect(await w.runOnce()).toBe(0);
      const retry = await a.post(`/webhook-deliveries/${id}/retry`);
      expect(retry.statusCode, retry.body).toBe(202);
      expect(retry.json()).toMatchObject({ status: 'pending', next_attempt_at: t.clock.now(), attempt_count: 1 });
      expect(await w.runOnce()).toBe(1);
      expect(receiver.receipts.map((r) => r.id)).toEqual([receiver.receipts[0]!.id, receiver.receipts[0]!.id]);
      expect((await delivery(id!)).status).toBe('succeeded');
      expect((await a.post(`/webhook-deliveries/${id}/retry`)).statusCode).toBe(409);
    });

    it('start() polls and delivers; stop() waits for the send in flight', async () => {
      const { receiver, partner } = await setup();
      const w = new WebhookWorker({ stores: t.rt.stores, box: t.rt.box, clock: t.clock, random: t.rt.random, policy: destinationPolicyFor(t.rt.config), onExhausted: async () => {}, pollIntervalMs: 20 });
      w.start();
      try {
        const [id] = await enqueue(partner.appId, { installationId: 'ins_poll' });
        await expect.poll(async () => (await delivery(id!)).status, { timeout: 5000 }).toBe('succeeded');
        expect(receiver.receipts).toHaveLength(1);
      } finally {
        await w.stop();
      }
    });

    it('lists deliveries with filters and pagination, never with a body', async () => {
      const { partner, subscriptionId } = await setup();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        ids.push(...(await enqueue(partner.appId, { installationId: `ins_list_${i}`, version: null })));
        t.clock.advance(1); // ids sort by time at millisecond resolution
      }
      const page1 = await a.get(`/webhook-deliveries?subscription_id=${subscriptionId}&limit=2`);
      expect(page1.statusCode).toBe(200);
      expect(page1.json().items).toHaveLength(2);
      expect(page1.json().items[0].id).toBe(ids[2]); // newest first
      const page2 = await a.get(`/webhook-deliveries?subscription_id=${subscriptionId}&limit=2&cursor=${page1.json().next_cursor}`);
      expect(page2.json().items.map((d: { id: string }) => d.id)).toEqual([ids[0]]);
      expect(page2.json().next_cursor).toBeNull();
      const byInstallation = await a.get(`/webhook-deliveries?installation_id=ins_list_1&status=pending&application_id=${partner.appId}`);
      expect(byInstallation.json().items.map((d: { id: string }) => d.id)).toEqual([ids[1]]);
      expect(page1.body + page2.body).not.toContain(TOKEN);
      expect((await a.get('/webhook-deliveries?status=bogus')).statusCode).toBe(400);
      expect((await a.get('/webhook-deliveries/whd_nope')).statusCode).toBe(404);
    });
  });
});
