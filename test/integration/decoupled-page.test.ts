import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { adminToken, api, basic, buildTestApp, form, tokenRequest, type Api, type TestApp } from '../helpers/app.js';
import { merchantOrg } from '../helpers/installations.js';
import { WebClient, createUser, forms, type TestUser } from '../helpers/web.js';

const CIBA = 'urn:openid:params:grant-type:ciba';

/** The user's side of decoupled authorization: the server-rendered list of requests waiting for them. */
describe.each(DIALECTS)('decoupled requests in the account pages on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let client: { clientId: string; clientSecret: string };
    let merchant: string;
    let owner: TestUser;

    const bcAuthorize = async (params: Record<string, string>) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/oauth/bc-authorize',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.clientId, client.clientSecret) },
        payload: form({ scope: 'payments:read', ...params }),
      });
      if (res.statusCode !== 200) throw new Error(res.body);
      return res.json().auth_req_id as string;
    };
    const poll = (authReqId: string) => tokenRequest(t.app, { grant_type: CIBA, auth_req_id: authReqId }, { id: client.clientId, secret: client.clientSecret });

    const signedIn = async (user: TestUser) => {
      const web = new WebClient(t.app);
      const login = await web.get('/account/requests');
      expect(login.statusCode).toBe(303);
      const page = await web.get(login.headers.location as string);
      const back = await web.submit(page, { email: user.email, password: user.password });
      expect(back.headers.location).toBe('/account/requests');
      return web;
    };

    beforeAll(async () => {
      t = await buildTestApp(dialect);
      a = api(t.app, await adminToken(t));
      await a.post('/scopes', { scope: 'payments:read', description: 'See your payments and their status' });
      const partner = (await a.post('/organizations', { type: 'partner', name: 'Till Makers' })).json().id;
      const app = (await a.post('/applications', { name: 'Counter Till', type: 'third_party', organization_id: partner, scopes: ['payments:read'], grant_types: ['refresh_token', CIBA] })).json();
      client = { clientId: app.client_id, clientSecret: app.client_secret };
      merchant = await merchantOrg(a, 'Acme Shoes');
      owner = await createUser(t, { organizationId: merchant, role: 'owner' });
    });
    afterAll(async () => t?.close());

    it('shows the request with its binding message and scopes in words; approving lets the client poll its tokens', async () => {
      const authReqId = await bcAuthorize({ login_hint: owner.email, binding_message: 'TILL-4821' });
      expect((await poll(authReqId)).json().error).toBe('authorization_pending');
      const web = await signedIn(owner);
      const page = await web.get('/account/requests');
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      for (const text of ['Counter Till', 'Till Makers', 'TILL-4821', 'See your payments and their status', 'Acme Shoes']) expect(page.body).toContain(text);
      const approve = forms(page.body).find((f) => f.action.startsWith('/account/requests/'))!;
      const done = await web.post(approve.action, { ...approve.hidden, decision: 'approve' });
      expect(done.statusCode).toBe(303);
      expect(done.headers.location).toBe('/account/requests?done=approved');
      const after = await web.get(done.headers.location as string);
      expect(after.body).not.toContain('TILL-4821');
      t.clock.advance(10_000);
      const tokens = await poll(authReqId);
      expect(tokens.statusCode).toBe(200);
      expect(tokens.json()).toMatchObject({ token_type: 'Bearer', scope: 'payments:read', refresh_token: expect.stringMatching(/^grt_/) });
    });

    it('denying sends access_denied; someone else never sees the request; a decided request cannot be decided again', async () => {
      const authReqId = await bcAuthorize({ login_hint: owner.email, binding_message: 'DENY-ME' });
      const stranger = await createUser(t, { organizationId: await merchantOrg(a, 'Elsewhere'), role: 'owner' });
      const strangerWeb = await signedIn(stranger);
      expect((await strangerWeb.get('/account/requests')).body).not.toContain('DENY-ME');

      const web = await signedIn(owner);
      const page = await web.get('/account/requests');
      const card = forms(page.body).find((f) => f.action.startsWith('/account/requests/'))!;
      // Posting the stranger's decision for it: not theirs, so 404 and nothing changes.
      const strangerPage = await strangerWeb.get('/account/requests');
      const strangerCsrf = forms(strangerPage.body)[0]!.hidden.csrf!;
      const foreign = await strangerWeb.post(card.action, { csrf: strangerCsrf, decision: 'approve' });
      expect(foreign.statusCode).toBe(404);
      // Without the CSRF token: refused.
      expect((await web.post(card.action, { decision: 'approve' })).statusCode).toBe(403);

      expect((await web.post(card.action, { ...card.hidden, decision: 'deny' })).headers.location).toBe('/account/requests?done=denied');
      const again = await web.post(card.action, { ...card.hidden, decision: 'approve' });
      expect(again.statusCode).toBe(409);
      expect(again.body).toContain('could not be approved');
      t.clock.advance(10_000);
      expect((await poll(authReqId)).json().error).toBe('access_denied');
    });
  });
});
