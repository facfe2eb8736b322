import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { T0, adminToken, api, buildTestApp, merchantApp, tokenRequest, type Api, type TestApp } from '../helpers/app.js';
import { installAndReceive, merchantOrg, partnerApp } from '../helpers/installations.js';
import { createUser, firstPartySignIn } from '../helpers/web.js';
import { UsageRecorder } from '../../src/metrics/usage.js';
import { fixedClock } from '../../src/domain/clock.js';
import { CONSOLE_CLIENT_ID, consoleRedirectUri, ensureConsoleApplication } from '../../src/admin/bootstrap.js';
import { ISSUER } from '../helpers/app.js';

const HOUR = 3_600_000;

/** GET /api/v1/stats: the dashboard's figures, counted on the token path and kept per hour in the database. */
describe.each(DIALECTS)('usage statistics on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;

    beforeAll(async () => {
      t = await buildTestApp(dialect, { webhookAllowedNetworks: ['127.0.0.0/8'] });
      a = api(t.app, await adminToken(t));
    });
    afterAll(() => t?.close());

    it('counts tokens per grant and application, failed client authentications and reuse detections', async () => {
      const merchant = await merchantApp(a);
      for (let i = 0; i < 3; i++) {
        expect((await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'payments:create' }, { id: merchant.clientId, secret: merchant.clientSecret })).statusCode).toBe(200);
      }
      for (let i = 0; i < 2; i++) {
        expect((await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'payments:create' }, { id: merchant.clientId, secret: 'wrong' })).statusCode).toBe(401);
      }
      const partner = await partnerApp(a, { refresh_policy: 'rotate' });
      const { data } = await installAndReceive(t, a, await merchantOrg(a), partner);
      const auth = { id: partner.clientId, secret: partner.clientSecret };
      const first = await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: data.refresh_token }, auth);
      expect(first.statusCode).toBe(200);
      expect((await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: first.json().refresh_token }, auth)).statusCode).toBe(200);
      // Two generations back: past any grace replay, a reuse.
      expect((await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: data.refresh_token }, auth)).statusCode).toBe(400);

      const res = await a.get('/stats');
      expect(res.statusCode, res.body).toBe(200);
      const stats = res.json();
      expect(stats.bucket).toBe('hour');
      expect(stats.points).toHaveLength(24);
      expect(stats.to - stats.from).toBe(24 * HOUR);
      const current = stats.points.find((p: { at: number }) => p.at === Math.floor(T0 / HOUR) * HOUR);
      expect(current).toMatchObject({ client_auth_failures: 2, refresh_reuse_detections: 1 });
      // The admin token itself was a client_credentials token too.
      expect(current.tokens).toEqual({ client_credentials: 4, refresh_token: 2 });
      expect(stats.totals).toMatchObject({ tokens: { client_credentials: 4, refresh_token: 2 }, client_auth_failures: 2, refresh_reuse_detections: 1 });
      const merchantRow = stats.applications.find((x: { client_id: string }) => x.client_id === merchant.clientId);
      expect(merchantRow).toMatchObject({ name: 'Acme ERP', total: 3 });
      expect(merchantRow.tokens).toHaveLength(24);
      expect(stats.applications[0].total).toBeGreaterThanOrEqual(stats.applications.at(-1).total);
      // Every other hour is there, with zeros.
      expect(stats.points.filter((p: { tokens: object }) => Object.keys(p.tokens).length === 0)).toHaveLength(23);
    });

    it('answers by day, and refuses a reversed or oversized range with a problem body', async () => {
      const byDay = (await a.get('/stats?bucket=day')).json();
      expect(byDay.points).toHaveLength(30);
      expect(byDay.totals.tokens.client_credentials).toBeGreaterThanOrEqual(4);
      const reversed = await a.get(`/stats?from=${T0}&to=${T0 - HOUR}`);
      expect(reversed.statusCode).toBe(400);
      expect(reversed.headers['content-type']).toMatch(/problem\+json/);
      const huge = await a.get(`/stats?from=0&to=${T0}`);
      expect(huge.statusCode).toBe(400);
      expect(huge.json().detail).toMatch(/bucket=day/);
      expect((await a.get('/stats?bucket=minute')).statusCode).toBe(400);
    });

    it('is for platform administrators only: a member of a merchant gets 403', async () => {
      await ensureConsoleApplication(t.rt.admin('test'), { maxAccessTokenTtl: 86_400 }, ISSUER);
      const user = await createUser(t, { organizationId: await merchantOrg(a, 'Members Inc'), role: 'owner' });
      const token = (await firstPartySignIn(t.app, { clientId: CONSOLE_CLIENT_ID, redirectUri: consoleRedirectUri(ISSUER) }, user)).json().access_token;
      const res = await api(t.app, token).get('/stats');
      expect(res.statusCode).toBe(403);
      expect(res.json().type).toMatch(/forbidden/);
    });

    it('adds up what concurrent processes flush into the same hour, and keeps counts a failed write could not store', async () => {
      const clock = fixedClock(T0 + 400 * HOUR);
      const recorders = Array.from({ length: 4 }, () => new UsageRecorder(t.rt.stores, clock));
      for (const r of recorders) for (let i = 0; i < 25; i++) r.record('webhook_attempt', 'app_x', i % 5 === 0 ? 'failed' : 'succeeded');
      await Promise.all(recorders.map((r) => r.flush()));
      const rows = await t.rt.stores.usage.list(T0 + 400 * HOUR - HOUR, T0 + 401 * HOUR);
      expect(rows.filter((r) => r.detail === 'succeeded')[0]!.count).toBe(80);
      expect(rows.filter((r) => r.detail === 'failed')[0]!.count).toBe(20);

      let fail = true;
      const flaky = new UsageRecorder({ usage: { ...t.rt.stores.usage, add: (rows) => (fail ? Promise.reject(new Error('database down')) : t.rt.stores.usage.add(rows)) } }, clock);
      flaky.record('client_auth_failed', '');
      await flaky.flush();
      fail = false;
      flaky.record('client_auth_failed', '');
      await flaky.flush();
      const after = await t.rt.stores.usage.list(T0 + 400 * HOUR, T0 + 401 * HOUR);
      expect(after.find((r) => r.metric === 'client_auth_failed')!.count).toBe(2);
    });
  });
});
