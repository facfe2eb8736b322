import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { T0, adminToken, api, buildTestApp, type Api, type TestApp } from '../helpers/app.js';
import { merchantOrg } from '../helpers/installations.js';
import { WebClient, createUser, type TestUser } from '../helpers/web.js';

describe.each(DIALECTS)('browser sessions on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let user: TestUser;

    const signIn = async (u: TestUser) => {
      const web = new WebClient(t.app);
      const page = await web.get('/login');
      const res = await web.submit(page, { email: u.email, password: u.password });
      expect(res.statusCode).toBe(303);
      return { web, res };
    };

    beforeAll(async () => {
      // An https issuer: what production looks like.
      t = await buildTestApp(dialect, { issuer: 'https://auth.grantry.test', sessionTtl: 3600 });
      a = api(t.app, await adminToken(t));
      user = await createUser(t, { organizationId: await merchantOrg(a), role: 'owner' });
    });
    afterAll(async () => t?.close());
    afterEach(() => t.clock.set(T0));

    it('cookies are HttpOnly, Secure and SameSite=Lax behind https; the session token is stored only as a hash', async () => {
      const web = new WebClient(t.app);
      const page = await web.get('/login');
      expect(page.cookies.find((c) => c.name === 'grantry_csrf')).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax' });
      const res = await web.submit(page, { email: user.email, password: user.password });
      const session = res.cookies.find((c) => c.name === 'grantry_session')!;
      expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
      const rows = await t.rt.db.db.selectFrom('sessions').select('hash').execute();
      expect(rows.map((r) => r.hash)).not.toContain(session.value);
      expect(rows.map((r) => r.hash)).toContain(t.rt.hasher.hash(session.value));
    });

    it('a session ends after GRANTRY_SESSION_TTL without activity, and activity slides it', async () => {
      const { web } = await signIn(user);
      t.clock.advance(50 * 60_000);
      expect((await web.get('/account')).statusCode).toBe(200);
      t.clock.advance(50 * 60_000);
      expect((await web.get('/account')).statusCode).toBe(200);
      t.clock.advance(61 * 60_000);
      expect((await web.get('/account')).statusCode).toBe(303);
    });

    it('disabling a user ends their sessions at once', async () => {
      const other = await createUser(t, { organizationId: await merchantOrg(a), role: 'admin' });
      const { web } = await signIn(other);
      expect((await web.get('/account')).statusCode).toBe(200);
      expect((await a.patch(`/users/${other.id}`, { status: 'disabled' })).statusCode).toBe(200);
      expect((await web.get('/account')).statusCode).toBe(303);
      const again = new WebClient(t.app);
      const page = await again.get('/login');
      expect((await again.submit(page, { email: other.email, password: other.password })).statusCode).toBe(401);
    });

    it('a sign-in goes back only to a path on this server', async () => {
      const web = new WebClient(t.app);
      for (const target of ['https://evil.example/', '//evil.example/x', '/\\evil.example']) {
        const page = await web.get(`/login?return_to=${encodeURIComponent(target)}`);
        const res = await web.submit(page, { email: user.email, password: user.password });
        expect(res.headers.location).toBe('/account');
        await web.post('/logout', {});
        web.cookies.delete('grantry_session');
      }
    });
  });
});
