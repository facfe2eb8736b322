import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, createTestDatabase, skipDialect, type TestDatabase } from '../helpers/db.js';
import { ISSUER, T0, api, basic, form, tokenRequest, type Api } from '../helpers/app.js';
import { loadConfig } from '../../src/config/load.js';
import { fixedClock } from '../../src/domain/clock.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { buildApp } from '../../src/app.js';
import { initialize } from '../../src/admin/bootstrap.js';
import { installAndReceive, merchantOrg, partnerApp } from '../helpers/installations.js';

/** Polls `check` until it holds or `ms` passes; returns how long it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

/**
 * Two Grantry instances on one database behave as one server: what changes through one is honoured by
 * the other within the change feed's bound. Both run on a frozen clock, so no cache TTL ever expires:
 * only the feed (LISTEN/NOTIFY on PostgreSQL, the polled counter on SQLite) can make B forget.
 */
describe.each(DIALECTS)('two instances on one %s database', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    const BOUND_MS = dialect === 'postgres' ? 1000 : 1500;
    let database: TestDatabase;
    const instances: { rt: Runtime; app: FastifyInstance }[] = [];
    let A: FastifyInstance;
    let B: FastifyInstance;
    let adminA: Api;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      const config = loadConfig({}, { issuer: ISSUER, databaseUrl: database.url, changePollInterval: 200, webhookAllowedNetworks: ['127.0.0.0/8'] });
      const masterKey = randomBytes(32);
      const clock = fixedClock(T0);
      for (let i = 0; i < 2; i++) {
        const rt = await createRuntime({ config, masterKey, clock, db: database.open(), migrate: true, watchChanges: true });
        instances.push({ rt, app: await buildApp(rt) });
      }
      [A, B] = instances.map((x) => x.app) as [FastifyInstance, FastifyInstance];
      const init = await initialize(instances[0]!.rt.admin('test'), { maxAccessTokenTtl: config.maxAccessTokenTtl });
      const res = await tokenRequest(A, { grant_type: 'client_credentials', scope: 'grantry:admin' }, { id: init.application.clientId, secret: init.clientSecret! });
      adminA = api(A, res.json().access_token);
    });
    afterAll(async () => {
      for (const { rt, app } of instances) {
        await app.close();
        await rt.close();
      }
      await database?.drop();
    });

    it(`a secret revoked on A is refused by B within ${dialect === 'postgres' ? 1 : 1.5} s, and the new one works there`, async () => {
      await adminA.post('/scopes', { scope: 'payments:create', description: 'Take payments' });
      const org = await merchantOrg(adminA);
      const app = (await adminA.post('/applications', { name: 'ERP', type: 'merchant', organization_id: org, scopes: ['payments:create'] })).json();
      const cc = (secret: string) => tokenRequest(B, { grant_type: 'client_credentials', scope: 'payments:create' }, { id: app.client_id, secret });
      // B has the application cached now.
      expect((await cc(app.client_secret)).statusCode).toBe(200);
      const rotated = await adminA.post(`/applications/${app.id}/secrets`, { expire_others_in: 0 });
      expect(rotated.statusCode).toBe(201);
      const took = await within(BOUND_MS, async () => (await cc(app.client_secret)).statusCode === 401);
      expect(took).toBeLessThan(BOUND_MS);
      expect((await cc(rotated.json().client_secret)).statusCode).toBe(200);
    });

    it('a deleted application stops on B within the bound', async () => {
      const org = await merchantOrg(adminA);
      const app = (await adminA.post('/applications', { name: 'Short-lived', type: 'merchant', organization_id: org, scopes: ['payments:create'] })).json();
      const cc = () => tokenRequest(B, { grant_type: 'client_credentials', scope: 'payments:create' }, { id: app.client_id, secret: app.client_secret });
      expect((await cc()).statusCode).toBe(200);
      expect((await adminA.delete(`/applications/${app.id}`)).statusCode).toBe(204);
      await within(BOUND_MS, async () => (await cc()).statusCode === 401);
    });

    it('a key rotated on A is in B\'s JWKS within the bound', async () => {
      const rotated = await adminA.post('/keys/rotate', {});
      expect(rotated.statusCode).toBe(201);
      const kid = rotated.json().kid;
      await within(BOUND_MS, async () => ((await B.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys as { kid: string }[]).some((k) => k.kid === kid));
    });

    it('an uninstall on A is honoured by B at once: its refresh token and access token stop', async () => {
      const partner = await partnerApp(adminA);
      const merchant = await merchantOrg(adminA);
      // installAndReceive reads the outbox through the instance's runtime.
      const { installation, data } = await installAndReceive({ rt: instances[0]!.rt } as never, adminA, merchant, partner);
      const refreshOnB = () => tokenRequest(B, { grant_type: 'refresh_token', refresh_token: data.refresh_token }, { id: partner.clientId, secret: partner.clientSecret });
      expect((await refreshOnB()).statusCode).toBe(200);
      expect((await adminA.delete(`/installations/${installation.id}`)).statusCode).toBe(204);
      expect((await refreshOnB()).json().error).toBe('invalid_grant');
      const introspected = await B.inject({ method: 'POST', url: '/oauth/introspect', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(partner.clientId, partner.clientSecret) }, payload: form({ token: data.access_token }) });
      expect(introspected.json().active).toBe(false);
    });
  });
});
