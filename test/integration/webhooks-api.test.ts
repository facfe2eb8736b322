import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { adminToken, api, buildTestApp, type Api, type TestApp } from '../helpers/app.js';
import { partnerApp } from '../helpers/webhooks.js';
import * as webhooks from '../../src/admin/webhooks.js';
import { DestinationPolicy, type Resolver } from '../../src/webhooks/destination.js';
import { AdminError } from '../../src/admin/problem.js';

describe.each(DIALECTS)('webhook subscriptions API on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let partner: Awaited<ReturnType<typeof partnerApp>>;

    beforeAll(async () => {
      t = await buildTestApp(dialect); // no allowed networks: private destinations are refused
      a = api(t.app, await adminToken(t));
      partner = await partnerApp(a);
    });
    afterAll(async () => t?.close());

    it('registers a subscription and shows the whsec_ secret once', async () => {
      const res = await a.post(`/applications/${partner.appId}/webhooks`, { url: 'https://93.184.216.34/hooks', events: ['INSTALLATION.CREATE', 'INSTALLATION.UPDATE'] });
      expect(res.statusCode, res.body).toBe(201);
      const body = res.json();
      expect(body).toMatchObject({ id: expect.stringMatching(/^whs_/), application_id: partner.appId, url: 'https://93.184.216.34/hooks', events: ['INSTALLATION.CREATE', 'INSTALLATION.UPDATE'], enabled: true });
      expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(body.secret.slice(6), 'base64')).toHaveLength(32);
      expect(res.headers['cache-control']).toBe('no-store');

      const list = await a.get(`/applications/${partner.appId}/webhooks`);
      expect(list.json().items).toHaveLength(1);
      expect(list.body).not.toContain(body.secret);
      expect(list.body).not.toContain(body.secret.slice(6));
      const byClientId = await a.get(`/applications/${partner.clientId}/webhooks`);
      expect(byClientId.json().items[0].id).toBe(body.id);
      const one = await a.get(`/applications/${partner.appId}/webhooks/${body.id}`);
      expect(one.json()).not.toHaveProperty('secret');

      const audit = await a.get(`/audit-events?action=webhook.subscription_created`);
      expect(audit.json().items[0]).toMatchObject({ target_id: body.id, data: { host: '93.184.216.34' } });
      expect(audit.body).not.toContain(body.secret.slice(6));
    });

    it('disables, re-enables and deletes a subscription', async () => {
      const created = (await a.post(`/applications/${partner.appId}/webhooks`, { url: 'https://93.184.216.34/x', events: ['INSTALLATION.DELETE'] })).json();
      const off = await a.patch(`/applications/${partner.appId}/webhooks/${created.id}`, { enabled: false });
      expect(off.json()).toMatchObject({ enabled: false, disabled_reason: 'admin' });
      const on = await a.patch(`/applications/${partner.appId}/webhooks/${created.id}`, { enabled: true });
      expect(on.json()).toMatchObject({ enabled: true, disabled_reason: null });
      expect((await a.patch(`/applications/${partner.appId}/webhooks/${created.id}`, { enabled: true, url: 'https://x' })).statusCode).toBe(400);
      expect((await a.delete(`/applications/${partner.appId}/webhooks/${created.id}`)).statusCode).toBe(204);
      expect((await a.get(`/applications/${partner.appId}/webhooks/${created.id}`)).statusCode).toBe(404);
    });

    it('answers 404 for another application’s subscription (no existence leak)', async () => {
      const other = await partnerApp(a);
      const created = (await a.post(`/applications/${partner.appId}/webhooks`, { url: 'https://93.184.216.34/y', events: ['INSTALLATION.CREATE'] })).json();
      const res = await a.delete(`/applications/${other.appId}/webhooks/${created.id}`);
      expect(res.statusCode).toBe(404);
      expect(res.json().type).toBe('urn:grantry:problem:not_found');
      expect((await a.post('/applications/app_missing/webhooks', { url: 'https://93.184.216.34/', events: ['INSTALLATION.CREATE'] })).statusCode).toBe(404);
    });

    it.each([
      ['an unknown event', { url: 'https://93.184.216.34/', events: ['ORDER.CREATE'] }],
      ['no events', { url: 'https://93.184.216.34/', events: [] }],
      ['an ftp URL', { url: 'ftp://93.184.216.34/', events: ['INSTALLATION.CREATE'] }],
      ['credentials in the URL', { url: 'https://user:pw@93.184.216.34/', events: ['INSTALLATION.CREATE'] }],
      ['a fragment', { url: 'https://93.184.216.34/#f', events: ['INSTALLATION.CREATE'] }],
      ['a relative URL', { url: '/hooks', events: ['INSTALLATION.CREATE'] }],
    ])('refuses %s with a 400 problem document', async (_what, body) => {
      const res = await a.post(`/applications/${partner.appId}/webhooks`, body);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().type).toBe('urn:grantry:problem:invalid_input');
    });

    it.each(['http://10.0.0.1/', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]/', 'http://127.0.0.1:8080/', 'https://[::ffff:10.0.0.1]/', 'https://0x7f.1/', 'http://100.64.0.1/', 'http://0.0.0.0/', 'https://[fe80::1]/', 'http://224.0.0.1/', 'https://localhost/'])(
      'refuses the non-public destination %s without an allow-list',
      async (url) => {
        const res = await a.post(`/applications/${partner.appId}/webhooks`, { url, events: ['INSTALLATION.CREATE'] });
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().errors[0].field).toBe('url');
        // Generic reason: no resolved address is echoed back.
        expect(res.json().detail).toContain('not allowed');
      },
    );

    describe('with a custom resolver and allow-list (service level)', () => {
      const resolver: Resolver = async (host) => {
        if (host === 'loopback.partner.test') return [{ address: '127.0.0.1', family: 4 }];
        if (host === 'mixed.partner.test') return [{ address: '93.184.216.34', family: 4 }, { address: '10.1.2.3', family: 4 }];
        if (host === 'public.partner.test') return [{ address: '93.184.216.34', family: 4 }];
        throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      };
      const deps = (allowedNetworks: string[], production = false) => ({ box: t.rt.box, policy: new DestinationPolicy({ production, allowedNetworks, resolver }) });
      const add = (d: webhooks.WebhookAdminDeps, url: string) => webhooks.createSubscription(t.rt.admin('test'), d, partner.appId, { url, events: ['INSTALLATION.CREATE'] });

      it('refuses a hostname resolving to loopback, and allows it inside an allowed network', async () => {
        await expect(add(deps([]), 'http://loopback.partner.test:4100/hooks')).rejects.toThrow(AdminError);
        await expect(add(deps(['127.0.0.0/8']), 'http://loopback.partner.test:4100/hooks')).resolves.toMatchObject({ subscription: { url: 'http://loopback.partner.test:4100/hooks' } });
      });

      it('refuses a name with any private address among its answers', async () => {
        await expect(add(deps([]), 'https://mixed.partner.test/')).rejects.toThrow(/not allowed/);
      });

      it('allows the literal private and loopback addresses listed in the allow-list, never the metadata address', async () => {
        const d = deps(['10.0.0.0/8', '::1/128', '169.254.0.0/16']);
        await expect(add(d, 'http://10.0.0.1/')).resolves.toBeTruthy();
        await expect(add(d, 'http://[::1]/')).resolves.toBeTruthy();
        await expect(add(d, 'http://169.254.10.10/')).resolves.toBeTruthy();
        await expect(add(d, 'http://169.254.169.254/')).rejects.toThrow(/not allowed/);
      });

      it('requires https in production unless the address is in an allowed network', async () => {
        await expect(add(deps([], true), 'http://public.partner.test/')).rejects.toThrow(/https/);
        await expect(add(deps([], true), 'https://public.partner.test/')).resolves.toBeTruthy();
        await expect(add(deps(['127.0.0.0/8'], true), 'http://loopback.partner.test/')).resolves.toBeTruthy();
      });

      it('refuses a host name that does not resolve', async () => {
        await expect(add(deps([]), 'https://nowhere.partner.test/')).rejects.toThrow(/resolved/);
      });
    });
  });
});
