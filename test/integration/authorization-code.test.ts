import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { ISSUER, T0, adminToken, api, basic, buildTestApp, form, tokenRequest, type Api, type TestApp } from '../helpers/app.js';
import { merchantOrg } from '../helpers/installations.js';
import { WebClient, createUser, forms, pkce, redirectParams, type TestUser } from '../helpers/web.js';

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());
const REDIRECT = 'https://partner.example/callback';

interface Client {
  appId: string;
  clientId: string;
  clientSecret: string | null;
  orgId: string;
}

describe.each(DIALECTS)('authorization code + PKCE, sign-in and consent on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let partner: Client;
    let spa: Client;
    let merchant: string;
    let owner: TestUser;

    const register = async (body: Record<string, unknown>): Promise<Client> => {
      const org = await a.post('/organizations', { type: 'partner', name: 'Partner & Co' });
      const res = await a.post('/applications', { organization_id: org.json().id, scopes: ['payments:create', 'payments:read'], redirect_uris: [REDIRECT], ...body });
      if (res.statusCode !== 201) throw new Error(res.body);
      return { appId: res.json().id, clientId: res.json().client_id, clientSecret: res.json().client_secret, orgId: org.json().id };
    };

    const authorizeUrl = (client: Client, extra: Record<string, string> = {}) =>
      `/oauth/authorize?${form({ response_type: 'code', client_id: client.clientId, redirect_uri: REDIRECT, scope: 'payments:read', state: 'st-123', ...extra })}`;

    /** Signs in on the sign-in page the authorization endpoint shows, and returns the consent page. */
    const signInAndConsentPage = async (web: WebClient, url: string, user: TestUser) => {
      const signIn = await web.get(url);
      expect(signIn.statusCode).toBe(200);
      const back = await web.submit(signIn, { email: user.email, password: user.password });
      expect(back.statusCode).toBe(303);
      return web.get(back.headers.location as string);
    };

    /** The whole browser part: returns the code from the redirect. */
    const authorize = async (client: Client, challenge: string | null, user = owner, extra: Record<string, string> = {}) => {
      const web = new WebClient(t.app);
      const consent = await signInAndConsentPage(web, authorizeUrl(client, challenge ? { code_challenge: challenge, code_challenge_method: 'S256', ...extra } : extra), user);
      expect(consent.statusCode).toBe(200);
      const approved = await web.submit(consent, { decision: 'approve', organization_id: merchant });
      expect(approved.statusCode).toBe(303);
      const params = redirectParams(approved);
      return { code: params.get('code')!, params, web };
    };

    const exchange = (client: Client, code: string, verifier?: string, extra: Record<string, string> = {}) =>
      tokenRequest(
        t.app,
        { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...(verifier ? { code_verifier: verifier } : {}), ...(client.clientSecret ? {} : { client_id: client.clientId }), ...extra },
        client.clientSecret ? { id: client.clientId, secret: client.clientSecret } : undefined,
      );

    const introspect = (client: Client, token: string) =>
      t.app.inject({ method: 'POST', url: '/oauth/introspect', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.clientId, client.clientSecret!) }, payload: form({ token }) });

    beforeAll(async () => {
      t = await buildTestApp(dialect);
      a = api(t.app, await adminToken(t));
      for (const scope of ['payments:create', 'payments:read']) await a.post('/scopes', { scope, description: scope === 'payments:read' ? 'See your payments and their status' : 'Take payments on your behalf' });
      partner = await register({ name: 'Bookkeeper <Pro>', type: 'third_party', refresh_policy: 'rotate', logo_uri: 'https://partner.example/logo.png' });
      spa = await register({ name: 'Partner SPA', type: 'public' });
      merchant = await merchantOrg(a, 'Acme Shoes');
      owner = await createUser(t, { organizationId: merchant, role: 'owner' });
    });
    afterAll(async () => t?.close());
    afterEach(() => t.clock.set(T0));

    it('shows a sign-in page, then a consent page naming the app, its owner, each scope in words and the organization', async () => {
      const web = new WebClient(t.app);
      const { challenge } = pkce();
      const signIn = await web.get(authorizeUrl(partner, { code_challenge: challenge, code_challenge_method: 'S256' }));
      expect(signIn.statusCode).toBe(200);
      expect(signIn.headers['content-type']).toContain('text/html');
      expect(signIn.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(signIn.headers['content-security-policy']).toContain("default-src 'none'");
      expect(signIn.headers['cache-control']).toBe('no-store');
      expect(signIn.body).toContain('Bookkeeper &lt;Pro&gt;');
      expect(signIn.body).not.toContain('<script');
      const session = web.cookies.get('grantry_session');
      expect(session).toBeUndefined();

      const back = await web.submit(signIn, { email: owner.email, password: owner.password });
      expect(back.statusCode).toBe(303);
      const cookie = back.cookies.find((c) => c.name === 'grantry_session')!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
      const consent = await web.get(back.headers.location as string);
      expect(consent.statusCode).toBe(200);
      for (const text of ['Bookkeeper &lt;Pro&gt;', 'Partner &amp; Co', 'See your payments and their status', 'payments:read', 'Acme Shoes', owner.email, 'https://partner.example/logo.png']) {
        expect(consent.body).toContain(text);
      }
      expect(consent.body).not.toContain('Take payments on your behalf');
      // Chromium applies form-action to the redirect after the POST: the client's origin is allowed.
      expect(consent.headers['content-security-policy']).toContain('form-action');
      expect(consent.headers['content-security-policy']).toContain('https://partner.example');
    });

    it('approves: redirect with code, state and iss; the code buys an access and a refresh token and records an installation', async () => {
      const { verifier, challenge } = pkce();
      const { code, params } = await authorize(partner, challenge);
      expect(params.get('state')).toBe('st-123');
      expect(params.get('iss')).toBe(ISSUER);
      expect(code).toMatch(/^gac_/);
      const res = await exchange(partner, code, verifier);
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json();
      expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'payments:read', refresh_token: expect.stringMatching(/^grt_/) });
      const at = claims(body.access_token);
      expect(at).toMatchObject({ iss: ISSUER, sub: merchant, merchant_id: merchant, client_id: partner.clientId, scope: 'payments:read', aud: 'payments' });
      const installations = (await a.get(`/installations?organization_id=${merchant}&application_id=${partner.appId}`)).json().items;
      expect(installations).toHaveLength(1);
      expect(installations[0]).toMatchObject({ status: 'active', scopes: ['payments:read'], id: at.installation_id });
      // The refresh token works under the app's policy (rotate).
      const refreshed = await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: body.refresh_token }, { id: partner.clientId, secret: partner.clientSecret! });
      expect(refreshed.statusCode).toBe(200);
      expect(refreshed.json().refresh_token).not.toBe(body.refresh_token);
      // The code is stored only as a hash.
      const rows = await t.rt.db.db.selectFrom('authorization_codes').select('hash').execute();
      expect(rows.map((r) => r.hash)).not.toContain(code);
    });

    it('a later consent for more scopes widens the installation; no credentials webhook is queued', async () => {
      const first = await authorize(partner, pkce().challenge, owner, { scope: 'payments:read' });
      void first;
      const { verifier, challenge } = pkce();
      const second = await authorize(partner, challenge, owner, { scope: 'payments:create' });
      const res = await exchange(partner, second.code, verifier);
      expect(res.statusCode).toBe(200);
      expect(res.json().scope).toBe('payments:create');
      const [installation] = (await a.get(`/installations?organization_id=${merchant}&application_id=${partner.appId}`)).json().items;
      expect([...installation.scopes].sort()).toEqual(['payments:create', 'payments:read']);
      const queued = await t.rt.db.db.selectFrom('webhook_deliveries').select('id').where('installation_id', '=', installation.id).execute();
      expect(queued).toEqual([]);
    });

    it('denies: redirect with error=access_denied, state and iss', async () => {
      const web = new WebClient(t.app);
      const consent = await signInAndConsentPage(web, authorizeUrl(partner, { code_challenge: pkce().challenge, code_challenge_method: 'S256' }), owner);
      const denied = await web.submit(consent, { decision: 'deny' });
      expect(denied.statusCode).toBe(303);
      expect(denied.headers.location).toMatch(/^https:\/\/partner\.example\/callback\?/);
      const params = redirectParams(denied);
      expect(params.get('error')).toBe('access_denied');
      expect(params.get('state')).toBe('st-123');
      expect(params.get('iss')).toBe(ISSUER);
      expect(params.get('code')).toBeNull();
    });

    it('shows an error page, never a redirect, for an unknown client or an unregistered redirect URI', async () => {
      const web = new WebClient(t.app);
      for (const url of [
        authorizeUrl({ ...partner, clientId: 'cid_nope' }),
        authorizeUrl(partner, { redirect_uri: 'https://evil.example/callback' }),
        authorizeUrl(partner, { redirect_uri: `${REDIRECT}/` }),
        `${authorizeUrl(partner)}&client_id=${partner.clientId}`,
        '/oauth/authorize?response_type=code',
      ]) {
        const res = await web.get(url);
        expect(res.statusCode, url).toBe(400);
        expect(res.headers.location).toBeUndefined();
        expect(res.headers['content-type']).toContain('text/html');
      }
    });

    it('redirects the errors of RFC 6749 §4.1.2.1 with state', async () => {
      const web = new WebClient(t.app);
      const { challenge } = pkce();
      const cases: [Client, Record<string, string>, string][] = [
        [partner, { response_type: 'token' }, 'unsupported_response_type'],
        [partner, { code_challenge: challenge, code_challenge_method: 'plain' }, 'invalid_request'],
        [partner, { code_challenge: challenge }, 'invalid_request'],
        [partner, { code_challenge: 'short', code_challenge_method: 'S256' }, 'invalid_request'],
        [spa, {}, 'invalid_request'],
        [partner, { scope: 'refunds:create' }, 'invalid_scope'],
        [partner, { scope: 'grantry:admin' }, 'invalid_scope'],
        [partner, { prompt: 'select_account' }, 'invalid_request'],
        [partner, { prompt: 'none' }, 'login_required'],
      ];
      for (const [client, extra, error] of cases) {
        const res = await web.get(authorizeUrl(client, extra));
        expect(res.statusCode, JSON.stringify(extra)).toBe(303);
        const params = redirectParams(res);
        expect(params.get('error'), JSON.stringify(extra)).toBe(error);
        expect(params.get('state')).toBe('st-123');
        expect(params.get('iss')).toBe(ISSUER);
      }
      const repeated = await web.get(`${authorizeUrl(partner)}&scope=payments:read`);
      expect(redirectParams(repeated).get('error')).toBe('invalid_request');
    });

    it('binds the code to the client, the redirect URI and the PKCE verifier; a failed redemption spends it', async () => {
      const other = await register({ name: 'Other', type: 'third_party' });
      const { verifier, challenge } = pkce();
      const wrong: [Client, string | undefined, Record<string, string>, RegExp][] = [
        [partner, 'x'.repeat(43), {}, /code_verifier does not match/],
        [partner, undefined, {}, /code_verifier parameter is required/],
        [partner, verifier, { redirect_uri: 'https://partner.example/other' }, /redirect_uri does not match/],
        [other, verifier, {}, /not issued to this client/],
      ];
      for (const [client, v, extra, message] of wrong) {
        const { code } = await authorize(partner, challenge);
        const res = await exchange(client, code, v, extra);
        expect(res.statusCode).toBe(400);
        expect(res.json().error).toBe('invalid_grant');
        expect(res.json().error_description).toMatch(message);
        // Spent: not even the right request works now.
        const retry = await exchange(partner, code, verifier);
        expect(retry.json().error).toBe('invalid_grant');
      }
      const malformed = await exchange(partner, 'gac_whatever', 'too-short');
      expect(malformed.json().error).toBe('invalid_request');
    });

    it('codes live 60 seconds', async () => {
      const { verifier, challenge } = pkce();
      const { code } = await authorize(partner, challenge);
      t.clock.advance(60_001);
      const res = await exchange(partner, code, verifier);
      expect(res.json()).toMatchObject({ error: 'invalid_grant' });
    });

    it('a second use of a code fails and revokes what the first use issued (RFC 6749 §4.1.2)', async () => {
      const { verifier, challenge } = pkce();
      const { code } = await authorize(partner, challenge);
      const first = (await exchange(partner, code, verifier)).json();
      expect((await introspect(partner, first.access_token)).json().active).toBe(true);
      const second = await exchange(partner, code, verifier);
      expect(second.statusCode).toBe(400);
      expect(second.json().error).toBe('invalid_grant');
      expect((await introspect(partner, first.access_token)).json().active).toBe(false);
      const refresh = await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: first.refresh_token }, { id: partner.clientId, secret: partner.clientSecret! });
      expect(refresh.json().error).toBe('invalid_grant');
      const audit = (await a.get('/audit-events?action=authorization_code.replayed')).json().items;
      expect(audit.length).toBeGreaterThan(0);
    });

    it('of 20 concurrent redemptions of one code exactly one succeeds, and none is a 5xx', async () => {
      const { verifier, challenge } = pkce();
      const { code } = await authorize(partner, challenge);
      const results = await Promise.all(Array.from({ length: 20 }, () => exchange(partner, code, verifier)));
      const statuses = results.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s >= 500)).toEqual([]);
      expect(results.filter((r) => r.statusCode === 400).every((r) => r.json().error === 'invalid_grant')).toBe(true);
    });

    it('public clients: no secret, PKCE required, and their refresh tokens always rotate', async () => {
      const { verifier, challenge } = pkce();
      const { code } = await authorize(spa, challenge);
      const res = await exchange(spa, code, verifier);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      const next = await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: spa.clientId });
      expect(next.statusCode).toBe(200);
      expect(next.json().refresh_token).toMatch(/^grt_/);
      // The spent token again: reuse detection revokes the family.
      const reuse = await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: spa.clientId });
      expect(reuse.json().error).toBe('invalid_grant');
      const after = await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: next.json().refresh_token, client_id: spa.clientId });
      expect(after.json().error).toBe('invalid_grant');
    });

    it('confidential clients may skip PKCE, but a verifier without a challenge is refused (downgrade)', async () => {
      const plain = await authorize(partner, null);
      expect((await exchange(partner, plain.code)).statusCode).toBe(200);
      const downgraded = await authorize(partner, null);
      const res = await exchange(partner, downgraded.code, pkce().verifier);
      expect(res.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/no code_challenge/) });
    });

    it('refuses a consent form without its CSRF token or from another origin', async () => {
      const web = new WebClient(t.app);
      const consent = await signInAndConsentPage(web, authorizeUrl(partner, { code_challenge: pkce().challenge, code_challenge_method: 'S256' }), owner);
      const [f] = forms(consent.body);
      const noToken = await web.post(f!.action, { ...f!.hidden, csrf: '', decision: 'approve', organization_id: merchant });
      expect(noToken.statusCode).toBe(403);
      const forged = await web.post(f!.action, { ...f!.hidden, csrf: 'x'.repeat(43), decision: 'approve', organization_id: merchant });
      expect(forged.statusCode).toBe(403);
      const crossSite = await web.post(f!.action, { ...f!.hidden, decision: 'approve', organization_id: merchant }, { origin: 'https://evil.example' });
      expect(crossSite.statusCode).toBe(403);
      // Another browser's token is worthless here.
      const stranger = new WebClient(t.app);
      const strangerPage = await stranger.get(authorizeUrl(partner));
      const strangerToken = forms(strangerPage.body)[0]!.hidden.csrf!;
      const swapped = await web.post(f!.action, { ...f!.hidden, csrf: strangerToken, decision: 'approve', organization_id: merchant });
      expect(swapped.statusCode).toBe(403);
      // And a signed-out browser gets the sign-in page, not a code.
      const anonymous = await new WebClient(t.app).post(f!.action, { ...f!.hidden, decision: 'approve', organization_id: merchant });
      expect(anonymous.statusCode).toBe(200);
      expect(anonymous.headers.location).toBeUndefined();
    });

    it('a developer cannot grant: the client gets access_denied', async () => {
      const developer = await createUser(t, { organizationId: merchant, role: 'developer' });
      const web = new WebClient(t.app);
      const res = await signInAndConsentPage(web, authorizeUrl(partner, { code_challenge: pkce().challenge, code_challenge_method: 'S256' }), developer);
      expect(res.statusCode).toBe(303);
      expect(redirectParams(res).get('error')).toBe('access_denied');
    });

    it('an organization the user does not belong to cannot be chosen', async () => {
      const web = new WebClient(t.app);
      const consent = await signInAndConsentPage(web, authorizeUrl(partner, { code_challenge: pkce().challenge, code_challenge_method: 'S256' }), owner);
      const foreign = await merchantOrg(a, 'Someone Else');
      const res = await web.submit(consent, { decision: 'approve', organization_id: foreign });
      expect(res.statusCode).toBe(200);
      expect(res.headers.location).toBeUndefined();
    });

    it('prompt=none passes only when an installation already covers the request', async () => {
      const web = new WebClient(t.app);
      await signInAndConsentPage(web, authorizeUrl(partner, { code_challenge: pkce().challenge, code_challenge_method: 'S256' }), owner);
      const covered = await web.get(authorizeUrl(partner, { prompt: 'none', scope: 'payments:read' }));
      expect(redirectParams(covered).get('code')).toMatch(/^gac_/);
      const fresh = await register({ name: 'Fresh', type: 'third_party' });
      const notCovered = await web.get(authorizeUrl(fresh, { prompt: 'none' }));
      expect(redirectParams(notCovered).get('error')).toBe('consent_required');
    });

    it('locks an account after repeated failures, for a bounded time, and says when to retry', async () => {
      const victim = await createUser(t, { organizationId: merchant, role: 'owner' });
      const web = new WebClient(t.app);
      let page = await web.get('/login');
      for (let i = 0; i < 5; i++) {
        page = await web.submit(page, { email: victim.email, password: 'wrong-password-123' });
        expect(page.statusCode).toBe(401);
        expect(page.body).toContain('not correct');
      }
      const locked = await web.submit(page, { email: victim.email, password: victim.password });
      expect(locked.statusCode).toBe(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(60);
      t.clock.advance(61_000);
      const ok = await web.submit(locked, { email: victim.email, password: victim.password });
      expect(ok.statusCode).toBe(303);
    });

    it('limits failures per client address across accounts', async () => {
      const web = new WebClient(t.app, {}, '192.0.2.7');
      let page = await web.get('/login');
      let last = page;
      for (let i = 0; i < 51; i++) {
        last = await web.submit(page, { email: `nobody-${i}@example.com`, password: 'wrong-password-123' });
        if (last.statusCode === 429) break;
        page = last;
      }
      expect(last.statusCode).toBe(429);
      t.clock.advance(15 * 60_000 + 1);
      const after = await web.submit(page, { email: owner.email, password: owner.password });
      expect(after.statusCode).toBe(303);
    });

    it('signs out: the session stops working', async () => {
      const web = new WebClient(t.app);
      await signInAndConsentPage(web, authorizeUrl(partner), owner);
      const account = await web.get('/account');
      expect(account.statusCode).toBe(200);
      const signOutForm = forms(account.body).find((f) => f.action.startsWith('/logout'))!;
      const out = await web.post(signOutForm.action, signOutForm.hidden);
      expect(out.statusCode).toBe(303);
      expect((await web.get('/account')).statusCode).toBe(303);
    });

    it('sets a password through a one-time setup link', async () => {
      const now = t.clock.now();
      const user = await createUser(t, { organizationId: merchant, role: 'admin' });
      const token = `gsu_${'a'.repeat(43)}`;
      await t.rt.stores.users.createSetupToken({ hash: t.rt.hasher.hash(token), userId: user.id, createdAt: now, expiresAt: now + 3600_000, usedAt: null });
      const web = new WebClient(t.app);
      const page = await web.get(`/setup?token=${token}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(user.email);
      const mismatch = await web.submit(page, { password: 'a-new-long-password', password_confirmation: 'different-password' });
      expect(mismatch.statusCode).toBe(400);
      const short = await web.submit(page, { password: 'short', password_confirmation: 'short' });
      expect(short.statusCode).toBe(400);
      const done = await web.submit(page, { password: 'a-new-long-password', password_confirmation: 'a-new-long-password' });
      expect(done.statusCode).toBe(200);
      expect((await web.get(`/setup?token=${token}`)).statusCode).toBe(400);
      const login = await web.get('/login');
      const signedIn = await web.submit(login, { email: user.email, password: 'a-new-long-password' });
      expect(signedIn.statusCode).toBe(303);
    });

    it('publishes the authorization endpoint, code flow and PKCE in the metadata (RFC 8414)', async () => {
      const meta = (await t.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json();
      expect(meta).toMatchObject({
        authorization_endpoint: `${ISSUER}/oauth/authorize`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
      });
      expect(meta.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
      expect(meta.token_endpoint_auth_methods_supported).toContain('none');
    });
  });
});
