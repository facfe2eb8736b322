import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DIALECTS, createTestDatabase, skipDialect } from '../helpers/db.js';
import { ISSUER, adminToken, api, basic, buildTestApp, form, tokenRequest, type Api, type TestApp } from '../helpers/app.js';
import { WebClient, createUser, firstPartySignIn, pkce, redirectParams, type TestUser } from '../helpers/web.js';
import { CONSOLE_CLIENT_ID, consoleRedirectUri, ensureConsoleApplication } from '../../src/admin/bootstrap.js';
import { migrateTo, migrateToLatest } from '../../src/storage/migrations/index.js';

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());
const REDIRECT = consoleRedirectUri(ISSUER);

/**
 * The console signs people in as an OAuth public client of Grantry itself (docs/console.md): code +
 * PKCE, then refresh tokens of the person's own family, which rotate, detect reuse, and die with the
 * person's account.
 */
describe.each(DIALECTS)('the console client and a person\'s refresh tokens on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    const limits = { maxAccessTokenTtl: 86_400 };

    beforeAll(async () => {
      t = await buildTestApp(dialect);
      a = api(t.app, await adminToken(t));
      await ensureConsoleApplication(t.rt.admin('test'), limits, ISSUER);
    });
    afterAll(() => t?.close());

    const signIn = (user: TestUser) => firstPartySignIn(t.app, { clientId: CONSOLE_CLIENT_ID, redirectUri: REDIRECT }, user);
    const refresh = (token: string) => tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: token, client_id: CONSOLE_CLIENT_ID });

    it('is a first-party public client, created once, with the issuer\'s callback', async () => {
      const again = await ensureConsoleApplication(t.rt.admin('test'), limits, ISSUER);
      const res = await a.get(`/applications/${again!.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ client_id: CONSOLE_CLIENT_ID, type: 'public', scopes: ['grantry:console'], redirect_uris: [REDIRECT], refresh_policy: 'rotate' });
      const list = await a.get('/applications?limit=200');
      expect(list.json().items.filter((x: { client_id: string }) => x.client_id === CONSOLE_CLIENT_ID)).toHaveLength(1);
    });

    it('follows a new issuer: the redirect URI is replaced, and the old one is refused', async () => {
      const moved = await ensureConsoleApplication(t.rt.admin('test'), limits, 'https://auth.example.com/');
      expect(moved!.redirectUris).toEqual(['https://auth.example.com/console/callback']);
      const { challenge } = pkce();
      const old = await t.app.inject({ method: 'GET', url: `/oauth/authorize?${form({ response_type: 'code', client_id: CONSOLE_CLIENT_ID, redirect_uri: REDIRECT, scope: 'grantry:console', code_challenge: challenge, code_challenge_method: 'S256' })}` });
      expect(old.statusCode).toBe(400);
      await ensureConsoleApplication(t.rt.admin('test'), limits, ISSUER);
    });

    it('signs a person in: a token for them (sub, grantry:console, no installation) and a refresh token', async () => {
      const user = await createUser(t, { platformAdmin: true });
      const res = await signIn(user);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.refresh_token).toMatch(/^grt_/);
      const c = claims(body.access_token);
      expect(c).toMatchObject({ sub: user.id, client_id: CONSOLE_CLIENT_ID, scope: 'grantry:console' });
      expect(c.grant_id).toMatch(/^rfam_/);
      expect(c.installation_id).toBeUndefined();
      expect(c.merchant_id).toBeUndefined();
      // The token works on the management API as that person.
      const me = await api(t.app, body.access_token).get('/decoupled-requests');
      expect(me.statusCode).toBe(200);
    });

    it('rotates: each refresh token works once, the new access token acts for the same person', async () => {
      const user = await createUser(t, { platformAdmin: true });
      const first = (await signIn(user)).json();
      const second = await refresh(first.refresh_token);
      expect(second.statusCode, second.body).toBe(200);
      const next = second.json();
      expect(next.refresh_token).not.toBe(first.refresh_token);
      expect(claims(next.access_token)).toMatchObject({ sub: user.id, scope: 'grantry:console', grant_id: claims(first.access_token).grant_id });
      // The previous access token of the family is revoked with the rotation (seed 002).
      expect((await api(t.app, first.access_token).get('/decoupled-requests')).statusCode).toBe(401);
      expect((await api(t.app, next.access_token).get('/decoupled-requests')).statusCode).toBe(200);
      expect((await refresh(next.refresh_token)).statusCode).toBe(200);
    });

    it('detects reuse: a spent refresh token revokes the whole family, with an audit row about the person', async () => {
      const user = await createUser(t, { platformAdmin: true });
      const first = (await signIn(user)).json();
      const second = (await refresh(first.refresh_token)).json();
      const reused = await refresh(first.refresh_token);
      expect(reused.statusCode).toBe(400);
      expect(reused.json().error).toBe('invalid_grant');
      expect((await refresh(second.refresh_token)).statusCode).toBe(400);
      expect((await api(t.app, second.access_token).get('/decoupled-requests')).statusCode).toBe(401);
      const audit = await a.get(`/audit-events?action=refresh_token.reuse_detected&target_id=${user.id}`);
      expect(audit.json().items).toHaveLength(1);
      expect(audit.json().items[0]).toMatchObject({ target_type: 'user', target_id: user.id });
    });

    it('of 10 concurrent refreshes with one token exactly one gets tokens', async () => {
      const user = await createUser(t, { platformAdmin: true });
      const first = (await signIn(user)).json();
      const results = await Promise.all(Array.from({ length: 10 }, () => refresh(first.refresh_token)));
      expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
      expect(results.filter((r) => r.statusCode !== 200).every((r) => r.json().error === 'invalid_grant')).toBe(true);
    });

    it('ends with the person: a disabled user\'s refresh token fails and introspects inactive', async () => {
      const user = await createUser(t, { platformAdmin: true });
      const first = (await signIn(user)).json();
      const platform = (await a.get('/applications?limit=200')).json().items.find((x: { client_id: string }) => x.client_id === CONSOLE_CLIENT_ID).organization_id;
      const rs = (await a.post('/applications', { name: 'Resource server', type: 'merchant', organization_id: platform, scopes: ['grantry:introspect'] })).json();
      const introspect = async () =>
        (
          await t.app.inject({
            method: 'POST',
            url: '/oauth/introspect',
            headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(rs.client_id, rs.client_secret) },
            payload: form({ token: first.refresh_token }),
          })
        ).json();
      const live = await introspect();
      expect(live).toMatchObject({ active: true, token_type: 'refresh_token', sub: user.id, client_id: CONSOLE_CLIENT_ID, scope: 'grantry:console' });
      expect(live.installation_id).toBeUndefined();
      const disabled = await a.patch(`/users/${user.id}`, { status: 'disabled' });
      expect(disabled.statusCode, disabled.body).toBe(200);
      expect((await refresh(first.refresh_token)).statusCode).toBe(400);
      expect(await introspect()).toEqual({ active: false });
    });

    it('signs out: RFC 7009 revocation by the public client ends the family', async () => {
      const user = await createUser(t, { platformAdmin: true });
      const first = (await signIn(user)).json();
      const revoked = await t.app.inject({
        method: 'POST',
        url: '/oauth/revoke',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ token: first.refresh_token, token_type_hint: 'refresh_token', client_id: CONSOLE_CLIENT_ID }),
      });
      expect(revoked.statusCode, revoked.body).toBe(200);
      expect((await refresh(first.refresh_token)).statusCode).toBe(400);
      expect((await api(t.app, first.access_token).get('/decoupled-requests')).statusCode).toBe(401);
    });

    it('a replayed code revokes the person\'s family (RFC 6749 §4.1.2)', async () => {
      const user = await createUser(t, { platformAdmin: true });
      const { verifier, challenge } = pkce();
      const web = new WebClient(t.app);
      const page = await web.get(`/oauth/authorize?${form({ response_type: 'code', client_id: CONSOLE_CLIENT_ID, redirect_uri: REDIRECT, scope: 'grantry:console', code_challenge: challenge, code_challenge_method: 'S256' })}`);
      const back = await web.submit(page, { email: user.email, password: user.password });
      const code = redirectParams(await web.get(back.headers.location as string)).get('code')!;
      const redeem = () => tokenRequest(t.app, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: CONSOLE_CLIENT_ID });
      const first = await redeem();
      expect(first.statusCode).toBe(200);
      expect((await redeem()).statusCode).toBe(400);
      expect((await refresh(first.json().refresh_token)).statusCode).toBe(400);
    });

  });
});

/**
 * Migration 0007 rebuilds refresh_families on SQLite (installation_id becomes nullable): the families,
 * tokens and foreign keys of a database in use survive it, and it reverts.
 */
describe.each(DIALECTS)('migration 0007 on a database in use on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    it('keeps families and tokens, keeps foreign keys enforced, and migrates down again', async () => {
      const database = await createTestDatabase(dialect);
      const db = database.open();
      try {
        await migrateTo(db.db, db.dialect, '0006-purge-indexes');
        const now = Date.now();
        await db.db.insertInto('organizations' as never).values({ id: 'org_m', type: 'merchant', name: 'M', created_at: now } as never).execute();
        await db.db.insertInto('applications' as never).values(appRow(now) as never).execute();
        await db.db.insertInto('installations' as never).values({ id: 'ins_1', organization_id: 'org_m', application_id: 'app_1', scopes: '["a:b"]', status: 'active', credentials_version: 1, delivery_failed_at: null, created_at: now, updated_at: now, uninstalled_at: null } as never).execute();
        await db.db.insertInto('refresh_families' as never).values(familyRow('rfam_1', 'ins_1', now) as never).execute();
        await db.db.insertInto('refresh_tokens' as never).values({ hash: 'h1', family_id: 'rfam_1', generation: 0, created_at: now, expires_at: null, spent_at: null, successor_sealed: null, successor_until: null } as never).execute();

        await migrateToLatest(db.db, db.dialect);
        const families = await db.db.selectFrom('refresh_families').selectAll().execute();
        expect(families).toHaveLength(1);
        expect(families[0]).toMatchObject({ id: 'rfam_1', installation_id: 'ins_1', origin: 'webhook', subject: 'org_m' });
        expect(await db.db.selectFrom('refresh_tokens').select('hash').execute()).toEqual([{ hash: 'h1' }]);
        // A person's family (no installation) fits now; a token of a family that does not exist still does not.
        await db.db.insertInto('refresh_families').values({ ...familyRow('rfam_2', null, now), origin: 'first_party' } as never).execute();
        await expect(db.db.insertInto('refresh_tokens').values({ hash: 'h2', family_id: 'rfam_nope', generation: 0, created_at: now, expires_at: null, spent_at: null, successor_sealed: null, successor_until: null }).execute()).rejects.toThrow();
        // The index on installation_id came through the rebuild.
        if (dialect === 'sqlite') {
          const idx = await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'refresh_families'`.execute(db.db);
          expect(idx.rows.map((r) => r.name)).toContain('refresh_families_installation_idx');
          const fk = await sql<{ n: number }>`pragma foreign_keys`.execute(db.db);
          expect(Object.values(fk.rows[0]!)[0]).toBe(1);
        }

        await migrateTo(db.db, db.dialect, '0006-purge-indexes');
        expect((await db.db.selectFrom('refresh_families').select('id').execute()).map((r) => r.id)).toEqual(['rfam_1']);
        await migrateToLatest(db.db, db.dialect);
      } finally {
        await db.close();
        await database.drop();
      }
    });
  });
});

function appRow(now: number) {
  return {
    id: 'app_1',
    client_id: 'cid_1',
    name: 'P',
    type: 'third_party',
    organization_id: 'org_m',
    scopes: '["a:b"]',
    redirect_uris: '[]',
    grant_types: '["refresh_token"]',
    refresh_policy: 'rotate',
    access_token_ttl: null,
    created_at: now,
    updated_at: now,
  };
}

function familyRow(id: string, installationId: string | null, now: number) {
  return {
    id,
    installation_id: installationId,
    application_id: 'app_1',
    subject: 'org_m',
    scopes: '["a:b"]',
    policy: 'rotate',
    credentials_version: 1,
    generation: 0,
    status: 'active',
    revoked_at: null,
    revoked_reason: null,
    last_access_jti: null,
    last_access_exp: null,
    absolute_expires_at: null,
    created_at: now,
    last_used_at: null,
  };
}
