import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { T0, adminToken, api, basic, buildTestApp, form, tokenRequest, type Api, type TestApp } from '../helpers/app.js';
import { deliveries, merchantOrg } from '../helpers/installations.js';
import { WebClient, createUser, pkce, redirectParams } from '../helpers/web.js';
import { initialize } from '../../src/admin/bootstrap.js';

const CIBA = 'urn:openid:params:grant-type:ciba';

/**
 * After a scenario that creates every kind of secret Grantry handles, no table holds one in clear
 * (DESIGN: only hashes, or encryption for what must be sent later).
 */
describe.each(DIALECTS)('secrets at rest on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    /** Every secret the scenario saw, by what it is. */
    const secrets: [string, string][] = [];

    beforeAll(async () => {
      t = await buildTestApp(dialect, { webhookAllowedNetworks: ['127.0.0.0/8'], refreshGracePeriod: 60 });
      a = api(t.app, await adminToken(t));
      await a.post('/scopes', { scope: 'payments:read', description: 'See payments' });
      const merchant = await merchantOrg(a);
      const partnerOrg = (await a.post('/organizations', { type: 'partner', name: 'Partner' })).json().id;

      // Client secrets: a Token Application's, a rotated one, a partner's.
      const erp = (await a.post('/applications', { name: 'ERP', type: 'merchant', organization_id: merchant, scopes: ['payments:read'] })).json();
      secrets.push(['client secret', erp.client_secret]);
      secrets.push(['rotated client secret', (await a.post(`/applications/${erp.id}/secrets`, {})).json().client_secret]);
      const partner = (
        await a.post('/applications', { name: 'Partner app', type: 'third_party', organization_id: partnerOrg, scopes: ['payments:read'], refresh_policy: 'rotate', redirect_uris: ['https://p.example/cb'], grant_types: ['refresh_token', 'authorization_code', CIBA] })
      ).json();
      secrets.push(['partner client secret', partner.client_secret]);
      const creds = { id: partner.client_id, secret: partner.client_secret };

      // A webhook signing secret, and an installation whose credentials wait in the outbox.
      const hook = (await a.post(`/applications/${partner.id}/webhooks`, { url: 'http://127.0.0.1:9/hook', events: ['INSTALLATION.CREATE', 'INSTALLATION.UPDATE'] })).json();
      secrets.push(['webhook secret', hook.secret]);
      const installation = (await a.post('/installations', { organization_id: merchant, application_id: partner.id, scopes: ['payments:read'] })).json();
      const [pending] = await deliveries(t, installation.id);
      const payload = JSON.parse(t.rt.box.decrypt(pending!.payload_sealed!, `webhook_deliveries:${pending!.id}`).toString('utf8'));
      secrets.push(['refresh token in a pending webhook', payload.data.refresh_token]);
      secrets.push(['access token in a pending webhook', payload.data.access_token]);

      // A rotation inside the grace period (the successor pair is kept, sealed) and its tokens.
      const rotated = (await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: payload.data.refresh_token }, creds)).json();
      secrets.push(['rotated refresh token', rotated.refresh_token], ['access token', rotated.access_token]);

      // People: a password, a session, a setup link.
      const user = await createUser(t, { organizationId: merchant, role: 'owner' });
      secrets.push(['password', user.password]);
      const web = new WebClient(t.app);
      const { verifier, challenge } = pkce();
      const signIn = await web.get(`/oauth/authorize?${form({ response_type: 'code', client_id: partner.client_id, scope: 'payments:read', state: 's', code_challenge: challenge, code_challenge_method: 'S256' })}`);
      const back = await web.submit(signIn, { email: user.email, password: user.password });
      secrets.push(['session cookie', web.cookies.get('grantry_session')!], ['CSRF cookie', web.cookies.get('grantry_csrf')!]);
      const consent = await web.get(back.headers.location as string);
      const code = redirectParams(await web.submit(consent, { decision: 'approve', organization_id: merchant })).get('code')!;
      secrets.push(['authorization code', code]);
      const exchanged = (await tokenRequest(t.app, { grant_type: 'authorization_code', code, code_verifier: verifier }, creds)).json();
      secrets.push(['refresh token from a code', exchanged.refresh_token]);
      const setup = (await a.post('/users', { email: 'new@example.com', memberships: [{ organization_id: merchant, role: 'admin' }] })).json();
      secrets.push(['setup link token', new URL(setup.setup_link).searchParams.get('token')!]);

      // A decoupled request's auth_req_id.
      const bc = await t.app.inject({ method: 'POST', url: '/oauth/bc-authorize', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(creds.id, creds.secret) }, payload: form({ scope: 'payments:read', login_hint: user.email }) });
      secrets.push(['auth_req_id', bc.json().auth_req_id]);

      // And the admin application's own secret (a second init in this database only reports it).
      const init = await initialize(t.rt.admin('test'), { maxAccessTokenTtl: t.rt.config.maxAccessTokenTtl });
      expect(init.created).toBe(false);
      t.clock.set(T0);
    });
    afterAll(async () => t?.close());

    it('no table holds a secret, a token, a password or a private key in clear', async () => {
      const db = t.rt.db.db;
      const tables =
        dialect === 'sqlite'
          ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)).rows.map((r) => r.name)
          : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(db)).rows.map((r) => r.name);
      expect(tables).toEqual(expect.arrayContaining(['applications', 'client_secrets', 'refresh_tokens', 'webhook_deliveries', 'users', 'sessions', 'authorization_codes', 'decoupled_requests', 'signing_keys']));
      let dump = '';
      for (const table of tables) {
        const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db)).rows;
        dump += `\n${table}: ${JSON.stringify(rows)}`;
      }
      expect(secrets.length).toBeGreaterThanOrEqual(15);
      for (const [what, secret] of secrets) {
        expect(secret, what).toEqual(expect.any(String));
        expect(secret.length, what).toBeGreaterThan(15);
        expect(dump.includes(secret), `${what} is stored in clear`).toBe(false);
      }
      // Private signing keys are sealed: no JWK private member ("d") and no PEM anywhere.
      expect(dump).not.toMatch(/\\"d\\":/);
      expect(dump).not.toContain('PRIVATE KEY');
      // Passwords are scrypt hashes.
      const hashes = (await db.selectFrom('users').select('password_hash').execute()).map((r) => r.password_hash).filter(Boolean);
      for (const h of hashes) expect(h).toMatch(/^scrypt\$ln=\d+,r=\d+,p=\d+\$/);
    });
  });
});
