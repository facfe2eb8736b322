/**
 * Webhook endpoints that partners can run for years (issue 17): edit, secret rotation with overlap,
 * failure handling (overload floor, Retry-After, disabling a failing endpoint), test event, recovery
 * after an outage, and the lease setting. Every rule on SQLite and PostgreSQL, through the management
 * API and the worker as `grantry serve` runs them (the clock is moved, never slept on).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { api, buildTestApp, tokenRequest, type Api, type TestApp } from '../helpers/app.js';
import { initialize } from '../../src/admin/bootstrap.js';
import { fixedJitter, signatureValid, startReceiver, type Behaviour, type Receipt, type Receiver } from '../helpers/webhooks.js';
import { partnerApp as installablePartner, merchantOrg } from '../helpers/installations.js';
import { WebhookWorker } from '../../src/webhooks/worker.js';
import { webhookWorkerFor } from '../../src/webhooks/worker.js';
import { destinationPolicyFor } from '../../src/webhooks/destination.js';
import { OVERLOAD_MIN_DELAY_MS, RETRY_SCHEDULE_MS } from '../../src/webhooks/schedule.js';
import { onCredentialsUndeliverable } from '../../src/admin/installations.js';
import { purgeOnce, purgePolicyFrom } from '../../src/maintenance/purge.js';
import { purgeStore } from '../../src/storage/kysely/purge.js';
import type { Config } from '../../src/config/schema.js';

const DAY = 86_400_000;
const EVENTS = ['INSTALLATION.CREATE', 'INSTALLATION.UPDATE', 'INSTALLATION.DELETE'];

describe.each(DIALECTS)('webhook endpoints on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let admin: { id: string; secret: string };
    const receivers: Receiver[] = [];
    const overrides: Partial<Config> = { webhookAllowedNetworks: ['127.0.0.0/8'], webhookLease: 90, webhookFailingDisableAfter: 5 * 86_400 };

    beforeAll(async () => {
      t = await buildTestApp(dialect, overrides);
      const init = await initialize(t.rt.admin('test'), { maxAccessTokenTtl: t.rt.config.maxAccessTokenTtl });
      admin = { id: init.application.clientId, secret: init.clientSecret! };
    });
    // Tests move the clock by days: a fresh management token per test (and after each jump).
    const fresh = async () => {
      const res = await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'grantry:admin' }, admin);
      a = api(t.app, res.json().access_token as string);
    };
    beforeEach(fresh);
    // Every test owns its deliveries: whatever one leaves open must not be claimed by the next.
    afterEach(async () => {
      await t.rt.db.db.updateTable('webhook_deliveries').set({ status: 'cancelled', payload_sealed: null }).where('status', 'in', ['pending', 'held']).execute();
    });
    afterAll(async () => {
      await Promise.all(receivers.map((r) => r.close()));
      await t?.close();
    });

    const receiver = async (behaviour?: Behaviour): Promise<Receiver> => {
      const r = await startReceiver(behaviour);
      receivers.push(r);
      return r;
    };

    /** An installable partner app with one endpoint at a fresh receiver (its helper's own endpoint removed). */
    async function setup(behaviour?: Behaviour, body: Record<string, unknown> = {}) {
      const rcv = await receiver(behaviour);
      const partner = await installablePartner(a);
      for (const s of (await a.get(`/applications/${partner.appId}/webhooks`)).json().items) await a.delete(`/applications/${partner.appId}/webhooks/${s.id}`);
      const res = await a.post(`/applications/${partner.appId}/webhooks`, { url: rcv.url, events: EVENTS, ...body });
      expect(res.statusCode, res.body).toBe(201);
      return { receiver: rcv, partner, hookId: res.json().id as string, secret: res.json().secret as string, path: `/applications/${partner.appId}/webhooks/${res.json().id}` };
    }

    /** The worker `grantry serve` runs (settings from the config), with a steady jitter and no sleeping. */
    const worker = () =>
      webhookWorkerFor({ ...t.rt, random: fixedJitter(0.5) }, { onExhausted: (d, tx) => onCredentialsUndeliverable(tx, d, t.clock.now()), timeoutMs: 1000, sleep: async () => {} });

    const install = async (appId: string): Promise<string> => {
      const org = await merchantOrg(a);
      const res = await a.post('/installations', { organization_id: org, application_id: appId, scopes: ['payments:read'] });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };

    const deliveries = async (q: string) => (await a.get(`/webhook-deliveries?${q}&limit=200`)).json().items as Record<string, any>[];
    const audit = async (action: string) => (await a.get(`/audit-events?action=${action}`)).json().items as Record<string, any>[];

    describe('edit (PATCH)', () => {
      it('changes url, events, description and rate_limit; pending deliveries go to the new URL at their next attempt', async () => {
        const old = await receiver((_n, _req, res) => res.writeHead(500).end());
        const moved = await receiver();
        const { partner, path } = await setup(undefined, {});
        await a.patch(path, { url: old.url });
        await install(partner.appId);
        expect(await worker().runOnce()).toBe(1);
        expect(old.receipts).toHaveLength(1);

        const res = await a.patch(path, { url: `${moved.url}/v2`, events: ['INSTALLATION.UPDATE', 'INSTALLATION.DELETE'], description: 'Production receiver', rate_limit: 50 });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json()).toMatchObject({ url: `${moved.url}/v2`, events: ['INSTALLATION.UPDATE', 'INSTALLATION.DELETE'], description: 'Production receiver', rate_limit: 50, enabled: true });
        expect(res.json().updated_at).toBe(t.clock.now());
        expect((await a.get(path)).json()).toMatchObject({ url: `${moved.url}/v2`, rate_limit: 50 });

        // The pending INSTALLATION.CREATE (created before the edit) finishes, at the new URL.
        t.clock.advance(RETRY_SCHEDULE_MS[1]! * 2);
        expect(await worker().runOnce()).toBe(1);
        expect(moved.receipts).toHaveLength(1);
        expect(JSON.parse(moved.receipts[0]!.body).type).toBe('INSTALLATION.CREATE');
        expect(old.receipts).toHaveLength(1);
        // INSTALLATION.CREATE is no longer listed: a new installation creates no delivery for it.
        const ins = await install(partner.appId);
        expect(await deliveries(`installation_id=${ins}`)).toHaveLength(0);

        const [changed] = await audit('webhook.subscription_updated');
        expect(changed).toMatchObject({ target_id: path.split('/').pop(), data: { changed: ['url', 'events', 'description', 'rate_limit'], host: new URL(moved.url).host, previous_host: new URL(old.url).host } });
        expect(JSON.stringify(changed)).not.toContain('/v2');

        // null clears the description and the rate limit.
        expect((await a.patch(path, { description: null, rate_limit: null })).json()).toMatchObject({ description: null, rate_limit: null });
      });

      it.each([
        ['an unknown field', { secret: 'whsec_x' }, 'secret'],
        ['a wrong type', { enabled: 'yes' }, 'enabled'],
        ['an empty event list', { events: [] }, 'events'],
        ['an unknown event', { events: ['ORDER.CREATE'] }, 'events'],
        ['a non-subscribable event', { events: ['WEBHOOK.TEST'] }, 'events'],
        ['a private destination', { url: 'http://10.0.0.1/hooks' }, 'url'],
        ['an ftp URL', { url: 'ftp://127.0.0.1/' }, 'url'],
        ['a rate limit of 0', { rate_limit: 0 }, 'rate_limit'],
        ['a fractional rate limit', { rate_limit: 2.5 }, 'rate_limit'],
        ['a description too long', { description: 'x'.repeat(501) }, 'description'],
        ['nothing at all', {}, '(body)'],
      ])('refuses %s with a 400 problem naming the field, and changes nothing', async (_what, body, field) => {
        const { path } = await setup();
        const before = (await a.get(path)).json();
        const res = await a.patch(path, body);
        expect(res.statusCode, res.body).toBe(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json().type).toBe('urn:grantry:problem:invalid_input');
        // The field itself, or an item of it (events.0).
        expect(String(res.json().errors?.[0]?.field ?? '(body)').split('.')[0]).toBe(field);
        // Each field is named once, with the message that says what is wrong.
        const fields = (res.json().errors ?? []).map((e: { field: string }) => e.field);
        expect(new Set(fields).size).toBe(fields.length);
        // A valid field beside the bad one is not applied either.
        if (field !== '(body)') expect((await a.patch(path, { description: 'changed?', ...body })).statusCode).toBe(400);
        expect((await a.get(path)).json()).toEqual(before);
      });

      it('the service refuses the same input the route does (the CLI calls it directly)', async () => {
        const { partner, hookId } = await setup();
        const webhooks = await import('../../src/admin/webhooks.js');
        const deps = { box: t.rt.box, policy: destinationPolicyFor(t.rt.config) };
        await expect(webhooks.updateSubscription(t.rt.admin('test'), deps, partner.appId, hookId, { colour: 'red' } as never)).rejects.toMatchObject({ kind: 'invalid_input', errors: [{ field: 'colour' }] });
        await expect(webhooks.updateSubscription(t.rt.admin('test'), deps, partner.appId, hookId, { events: [] })).rejects.toMatchObject({ errors: [{ field: 'events' }] });
        await expect(webhooks.updateSubscription(t.rt.admin('test'), deps, partner.appId, hookId, {})).rejects.toMatchObject({ kind: 'invalid_input' });
      });
    });

    describe('signing-secret rotation', () => {
      const sigs = (r: Receipt) => r.signature.split(' ');

      it('signs with both secrets during the overlap, then only the new one; the old one is erased from the database', async () => {
        const { partner, path, secret: first, hookId } = await setup();
        const rotated = await a.post(`${path}/secret/rotate`, { previous_expires_in: 3600 });
        expect(rotated.statusCode, rotated.body).toBe(200);
        expect(rotated.headers['cache-control']).toBe('no-store');
        const second = rotated.json().secret as string;
        expect(second).toMatch(/^whsec_/);
        expect(second).not.toBe(first);
        expect(rotated.json().previous_secret_expires_at).toBe(t.clock.now() + 3600_000);
        expect(rotated.json().secrets).toEqual([
          expect.objectContaining({ expires_at: null }),
          expect.objectContaining({ expires_at: t.clock.now() + 3600_000 }),
        ]);
        // Shown once: never in a read, nor in the audit log.
        const read = await a.get(path);
        expect(read.body).not.toContain(second.slice(6));
        const [event] = await audit('webhook.secret_rotated');
        expect(event).toMatchObject({ target_id: hookId, data: { previous_expires_at: t.clock.now() + 3600_000 } });
        expect(JSON.stringify(event)).not.toContain(second.slice(6));

        // During the overlap: `v1,<new> v1,<old>`, and a receiver with either secret accepts it.
        await install(partner.appId);
        expect(await worker().runOnce()).toBe(1);
        const during = (await receivers.at(-1)!).receipts;
        const r1 = receivers.find((r) => r.url === read.json().url)!.receipts[0]!;
        expect(sigs(r1)).toHaveLength(2);
        expect(signatureValid(second, r1)).toBe(true);
        expect(signatureValid(first, r1)).toBe(true);
        expect(sigs(r1)[0]).toBe(new Webhook(second).sign(r1.id, new Date(Number(r1.timestamp) * 1000), r1.body));
        // The standardwebhooks package itself, at the message's own time (its ±5 min tolerance uses the real clock).
        for (const secret of [first, second]) {
          const realNow = { 'webhook-id': r1.id, 'webhook-timestamp': r1.timestamp, 'webhook-signature': r1.signature };
          expect(() => withNow(Number(r1.timestamp) * 1000, () => new Webhook(secret).verify(r1.body, realNow))).not.toThrow();
        }
        expect(during.length).toBeGreaterThan(0);

        // After the overlap: only the new signature; the purge erases the old row.
        t.clock.advance(3600_000 + 1);
        await install(partner.appId);
        expect(await worker().runOnce()).toBe(1);
        const r2 = receivers.find((r) => r.url === read.json().url)!.receipts[1]!;
        expect(sigs(r2)).toHaveLength(1);
        expect(signatureValid(second, r2)).toBe(true);
        expect(signatureValid(first, r2)).toBe(false);
        expect((await a.get(path)).json().secrets).toHaveLength(1);
        expect(await t.rt.db.db.selectFrom('webhook_secrets').select('id').where('subscription_id', '=', hookId).execute()).toHaveLength(2);
        const purged = await purgeOnce({ store: purgeStore(t.rt.db.db, t.rt.db.dialect), clock: t.clock, policy: purgePolicyFrom(t.rt.config) });
        expect(purged.counts.webhook_secrets).toBe(1);
        const left = await t.rt.db.db.selectFrom('webhook_secrets').selectAll().where('subscription_id', '=', hookId).execute();
        expect(left).toHaveLength(1);
        expect(t.rt.box.decrypt(left[0]!.secret_sealed, `webhook_subscriptions:${hookId}`).toString()).toBe(second);
      });

      it('previous_expires_in 0 stops the previous secret at once and erases it; a rotation during an overlap keeps at most two previous secrets', async () => {
        const { partner, path, hookId, receiver: rcv } = await setup();
        const now = await a.post(`${path}/secret/rotate`, { previous_expires_in: 0 });
        expect(now.json()).toMatchObject({ previous_secret_expires_at: null, secrets: [expect.objectContaining({ expires_at: null })] });
        expect(now.json().secrets).toHaveLength(1);
        expect(await t.rt.db.db.selectFrom('webhook_secrets').select('id').where('subscription_id', '=', hookId).execute()).toHaveLength(1);
        await install(partner.appId);
        await worker().runOnce();
        expect(rcv.receipts[0]!.signature.split(' ')).toHaveLength(1);
        expect(signatureValid(now.json().secret, rcv.receipts[0]!)).toBe(true);

        // Default overlap: one day. Rotating four times in a row leaves the current one and two previous.
        const d = await a.post(`${path}/secret/rotate`);
        expect(d.statusCode, d.body).toBe(200);
        expect(d.json().previous_secret_expires_at).toBe(t.clock.now() + DAY);
        for (let i = 0; i < 3; i++) await a.post(`${path}/secret/rotate`, { previous_expires_in: 600 });
        expect((await a.get(path)).json().secrets).toHaveLength(3);
        expect(await t.rt.db.db.selectFrom('webhook_secrets').select('id').where('subscription_id', '=', hookId).execute()).toHaveLength(3);
        // Deleting the endpoint erases every one of its secrets with it.
        expect((await a.delete(path)).statusCode).toBe(204);
        expect(await t.rt.db.db.selectFrom('webhook_secrets').select('id').where('subscription_id', '=', hookId).execute()).toHaveLength(0);
      });

      it.each([[-1], [604_801], ['86400'], [1.5]])('refuses previous_expires_in %j with a 400 naming it', async (value) => {
        const { path } = await setup();
        const res = await a.post(`${path}/secret/rotate`, { previous_expires_in: value });
        expect(res.statusCode).toBe(400);
        expect(res.json().errors[0].field).toBe('previous_expires_in');
        expect((await a.get(path)).json().secrets).toHaveLength(1);
      });
    });

    describe('failure handling', () => {
      it.each([
        ['429', (res: any) => res.writeHead(429).end()],
        ['503', (res: any) => res.writeHead(503).end()],
      ])('after %s without Retry-After the next attempt waits at least 60 s', async (_what, answer) => {
        const { partner } = await setup((_n, _req, res) => answer(res));
        const ins = await install(partner.appId);
        await worker().runOnce();
        const [d] = await deliveries(`installation_id=${ins}`);
        expect(d!.next_attempt_at - t.clock.now()).toBeGreaterThanOrEqual(OVERLOAD_MIN_DELAY_MS);
        // Not due at the schedule's 5 s (nor 59 s).
        t.clock.advance(59_000);
        expect(await worker().runOnce()).toBe(0);
      });

      it('honours Retry-After in seconds and as an HTTP date, capped at the longest step', async () => {
        let retryAfter = '';
        const { partner } = await setup((_n, _req, res) => res.writeHead(503, { 'retry-after': retryAfter }).end());
        for (const [value, wait] of [
          ['300', 300_000],
          [new Date(t.clock.now() + 7200_000).toUTCString(), 7200_000],
          ['9999999', RETRY_SCHEDULE_MS[9]!],
        ] as const) {
          retryAfter = value;
          const ins = await install(partner.appId);
          const start = t.clock.now();
          await worker().runOnce();
          const [d] = await deliveries(`installation_id=${ins}`);
          expect(Math.abs(d!.next_attempt_at - start - wait)).toBeLessThan(1000);
          await t.rt.db.db.updateTable('webhook_deliveries').set({ status: 'cancelled' }).where('status', '=', 'pending').execute();
        }
      });

      it('disables an endpoint that only failed for 5 days (reason failing): held, audited, counted; a success resets the count; re-enabling releases', async () => {
        let ok = false;
        const { partner, path, hookId } = await setup((_n, _req, res) => res.writeHead(ok ? 204 : 500).end());
        const w = worker();
        await install(partner.appId);
        await w.runOnce();
        const since = t.clock.now();
        expect((await a.get(path)).json()).toMatchObject({ enabled: true, failing_since: since });
        // A success in between starts the count again.
        ok = true;
        t.clock.advance(RETRY_SCHEDULE_MS[1]! * 2);
        await w.runOnce();
        expect((await a.get(path)).json().failing_since).toBeNull();
        ok = false;

        // Failures over five days: the deliveries keep failing on their schedule, new ones keep coming.
        const first = await install(partner.appId);
        await w.runOnce();
        const failingSince = t.clock.now();
        for (let day = 1; day <= 5; day++) {
          t.clock.advance(DAY);
          await fresh();
          await install(partner.appId);
          await w.runOnce();
          const view = (await a.get(path)).json();
          if (t.clock.now() - failingSince < 5 * DAY) expect(view).toMatchObject({ enabled: true, failing_since: failingSince });
        }
        const disabled = (await a.get(path)).json();
        expect(disabled).toMatchObject({ enabled: false, disabled_reason: 'failing', failing_since: failingSince });
        const held = await deliveries(`subscription_id=${hookId}&status=held`);
        expect(held.length).toBeGreaterThan(0);
        expect(await deliveries(`subscription_id=${hookId}&status=pending`)).toHaveLength(0);
        const [event] = await audit('webhook.subscription_disabled');
        // Several attempts of one batch failed together: the endpoint was disabled (and recorded) once.
        expect((await audit('webhook.subscription_disabled')).filter((e) => e.target_id === hookId)).toHaveLength(1);
        expect(event).toMatchObject({ actor: 'system', target_id: hookId, data: { reason: 'failing', failing_since: failingSince, held: held.length } });
        expect(await t.rt.metrics.registry.getSingleMetricAsString('grantry_webhook_endpoints_disabled_total')).toMatch(/reason="failing"} 1/);
        // Listed among failing/disabled endpoints for the dashboard.
        expect((await a.get('/webhooks?state=disabled')).json().items.map((e: { id: string }) => e.id)).toContain(hookId);
        expect((await a.get('/webhooks?state=failing')).json().items.map((e: { id: string }) => e.id)).not.toContain(hookId);
        expect((await a.get('/webhooks?state=broken')).statusCode).toBe(400);
        // Nothing is attempted while disabled.
        t.clock.advance(DAY);
        await fresh();
        expect(await w.runOnce()).toBe(0);

        ok = true;
        const on = await a.patch(path, { enabled: true });
        expect(on.json()).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null, released_deliveries: held.length });
        while ((await w.runOnce()) > 0);
        expect(await deliveries(`subscription_id=${hookId}&status=held`)).toHaveLength(0);
        expect((await deliveries(`installation_id=${first}`))[0]!.status).not.toBe('held');
      });

      it('an endpoint with a failing listing while enabled appears under state=failing', async () => {
        const { partner, hookId } = await setup((_n, _req, res) => res.writeHead(500).end());
        await install(partner.appId);
        await worker().runOnce();
        expect((await a.get('/webhooks?state=failing')).json().items).toEqual(expect.arrayContaining([expect.objectContaining({ id: hookId, application_name: 'Partner App' })]));
      });

      it('the claim lease is GRANTRY_WEBHOOK_LEASE', async () => {
        const { partner } = await setup();
        const ins = await install(partner.appId);
        const hang = new WebhookWorker({
          stores: t.rt.stores,
          box: t.rt.box,
          clock: t.clock,
          random: t.rt.random,
          policy: destinationPolicyFor(t.rt.config),
          onExhausted: async () => {},
          leaseMs: t.rt.config.webhookLease * 1000,
          transport: () => new Promise(() => {}),
        });
        void hang.runOnce();
        await new Promise((r) => setTimeout(r, 200));
        const row = await t.rt.db.db.selectFrom('webhook_deliveries').select(['lease_until']).where('installation_id', '=', ins).executeTakeFirstOrThrow();
        expect(Number(row.lease_until) - t.clock.now()).toBe(90_000);
        expect(() => worker()).not.toThrow();
        expect(() => webhookWorkerFor({ ...t.rt, config: { ...t.rt.config, webhookLease: 17 } }, { onExhausted: async () => {} })).toThrow(/lease/);
      });
    });

    describe('test event', () => {
      it('sends a signed WEBHOOK.TEST without credentials through the normal path, whatever the events', async () => {
        const { path, secret, receiver: rcv, hookId } = await setup();
        await a.patch(path, { events: ['INSTALLATION.DELETE'] });
        const res = await a.post(`${path}/test`);
        expect(res.statusCode, res.body).toBe(202);
        expect(res.json()).toMatchObject({ event_type: 'WEBHOOK.TEST', status: 'pending', subscription_id: hookId, installation_id: null, attempt_count: 0 });
        expect(await worker().runOnce()).toBe(1);
        expect(rcv.receipts).toHaveLength(1);
        const r = rcv.receipts[0]!;
        expect(signatureValid(secret, r)).toBe(true);
        expect(r.id).toBe(res.json().message_id);
        const body = JSON.parse(r.body);
        expect(body).toMatchObject({ type: 'WEBHOOK.TEST', data: { webhook_id: hookId, test: true } });
        expect(r.body).not.toMatch(/token/);
        expect((await a.get(`/webhook-deliveries/${res.json().id}`)).json()).toMatchObject({ status: 'succeeded', attempts: [expect.objectContaining({ outcome: 'succeeded', status_code: 204 })] });
        expect((await audit('webhook.test_sent'))[0]).toMatchObject({ target_id: hookId, data: { delivery_id: res.json().id } });

        await a.patch(path, { enabled: false });
        const refused = await a.post(`${path}/test`);
        expect(refused.statusCode).toBe(409);
        expect(refused.json().detail).toContain('re-enable');
      });
    });

    describe('recovery after an outage', () => {
      it('re-sends fresh credentials for every installation whose delivery failed in the range, and nothing else', async () => {
        let up = false;
        const { partner, path, receiver: rcv, hookId } = await setup((_n, _req, res) => res.writeHead(up ? 204 : 502).end());
        const w = worker();
        const outageStart = t.clock.now();
        // Delivered before the outage: never touched by a recovery.
        up = true;
        const delivered = await install(partner.appId);
        await w.runOnce();
        up = false;
        t.clock.advance(1000);
        const lost = [await install(partner.appId), await install(partner.appId), await install(partner.appId)];
        const uninstalled = await install(partner.appId);
        // The outage lasts through every attempt: ten, on the schedule (about three days).
        for (let i = 0; i < 10; i++) {
          await w.runOnce();
          t.clock.advance(RETRY_SCHEDULE_MS[Math.min(i + 1, 9)]! * 1.3);
        }
        await fresh();
        for (const ins of [...lost, uninstalled]) expect((await deliveries(`installation_id=${ins}`))[0]).toMatchObject({ status: 'failed', attempt_count: 10, payload_retained: false });
        expect((await a.delete(`/installations/${uninstalled}`)).statusCode).toBe(204);
        const failedReceipts = rcv.receipts.length;

        up = true;
        const res = await a.post(`${path}/recover`, { since: new Date(outageStart).toISOString() });
        expect(res.statusCode, res.body).toBe(202);
        expect(res.json()).toEqual({ queued: 3, skipped: 1, installation_ids: [...lost].sort() });
        while ((await w.runOnce()) > 0);
        const resent = rcv.receipts.slice(failedReceipts).map((r) => JSON.parse(r.body)).filter((b) => b.type === 'INSTALLATION.UPDATE');
        expect(resent.map((b) => b.data.installation_id).sort()).toEqual([...lost].sort());
        for (const b of resent) expect(b.data).toMatchObject({ credentials_version: 2, refresh_token: expect.any(String), access_token: expect.any(String) });
        // Every recovered token works; the installation delivered before the outage kept version 1.
        for (const b of resent) {
          const refresh = await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: b.data.refresh_token }, { id: partner.clientId, secret: partner.clientSecret });
          expect(refresh.statusCode, refresh.body).toBe(200);
        }
        expect((await a.get(`/installations/${delivered}`)).json().credentials_version).toBe(1);
        expect((await audit('webhook.recovered'))[0]).toMatchObject({ target_id: hookId, data: { queued: 3, skipped: 1 } });

        // Called again: everything is delivered (or uninstalled), nothing is queued twice.
        expect((await a.post(`${path}/recover`, { since: new Date(outageStart).toISOString() })).json()).toMatchObject({ queued: 0, skipped: 4 });
        // A range before the outage finds nothing.
        expect((await a.post(`${path}/recover`, { since: new Date(outageStart - DAY).toISOString(), until: new Date(outageStart).toISOString() })).json()).toMatchObject({ queued: 0, skipped: 0 });
      });

      it.each([
        [{ since: 'yesterday' }, 'since'],
        [{}, 'since'],
        [{ since: '2026-12-01T00:00:00Z', until: 'later' }, 'until'],
        [{ since: '2026-12-01T00:00:00Z', until: '2026-11-01T00:00:00Z' }, 'since'],
        [{ since: '2026-12-01T00:00:00Z', extra: 1 }, 'extra'],
      ])('refuses %j with a 400 naming %s', async (body, field) => {
        const { path } = await setup();
        const res = await a.post(`${path}/recover`, body);
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().errors[0].field).toBe(field);
      });

      it('refuses (409) on a disabled endpoint or one without INSTALLATION.UPDATE', async () => {
        const { path } = await setup();
        await a.patch(path, { events: ['INSTALLATION.CREATE'] });
        expect((await a.post(`${path}/recover`, { since: '2026-01-01T00:00:00Z' })).statusCode).toBe(409);
        await a.patch(path, { events: EVENTS, enabled: false });
        const res = await a.post(`${path}/recover`, { since: '2026-01-01T00:00:00Z' });
        expect(res.statusCode).toBe(409);
        expect(res.json().detail).toContain('re-enable');
      });
    });
  });
});

/** Runs `fn` with Date.now() reading `ms` (standardwebhooks checks its tolerance against Date.now()). */
function withNow<T>(ms: number, fn: () => T): T {
  const real = Date.now;
  Date.now = () => ms;
  try {
    return fn();
  } finally {
    Date.now = real;
  }
}
