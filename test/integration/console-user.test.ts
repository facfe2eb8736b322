import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { T0, adminToken, api, basic, buildTestApp, form, tokenRequest, type Api, type TestApp } from '../helpers/app.js';
import { merchantOrg } from '../helpers/installations.js';
import { WebClient, createUser, firstPartySignIn, pkce, redirectParams, type TestUser } from '../helpers/web.js';

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());
const CIBA = 'urn:openid:params:grant-type:ciba';
const REDIRECT = 'http://127.0.0.1:1/console/callback';

/**
 * A first-party application of the platform (what Grantry's console is) signs a person in with the
 * code flow and calls the management API as that person, within their rights.
 */
describe.each(DIALECTS)('a person using the management API through a first-party app on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let consoleApp: { clientId: string };
    let partner: { clientId: string; clientSecret: string };
    let owner: TestUser;
    let other: TestUser;

    const userToken = async (user: TestUser, extra: Record<string, string> = {}) => {
      // First party: no consent page, straight back to the application with a code (checked by the helper).
      const res = await firstPartySignIn(t.app, { clientId: consoleApp.clientId, redirectUri: REDIRECT }, user, extra);
      expect(res.statusCode).toBe(200);
      return res.json();
    };
    const as = (token: string) => api(t.app, token);
    const bcAuthorize = async (loginHint: string, message: string) =>
      (
        await t.app.inject({
          method: 'POST',
          url: '/oauth/bc-authorize',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(partner.clientId, partner.clientSecret) },
          payload: form({ scope: 'payments:read', login_hint: loginHint, binding_message: message }),
        })
      ).json().auth_req_id as string;

    beforeAll(async () => {
      t = await buildTestApp(dialect);
      a = api(t.app, await adminToken(t));
      await a.post('/scopes', { scope: 'payments:read', description: 'See your payments' });
      const platform = (await a.get('/organizations?type=platform')).json().items[0].id;
      const created = await a.post('/applications', { name: 'Console', type: 'public', organization_id: platform, scopes: ['grantry:console'], redirect_uris: [REDIRECT] });
      expect(created.statusCode).toBe(201);
      consoleApp = { clientId: created.json().client_id };
      const partnerOrg = (await a.post('/organizations', { type: 'partner', name: 'Till Makers' })).json().id;
      const p = (await a.post('/applications', { name: 'Till', type: 'third_party', organization_id: partnerOrg, scopes: ['payments:read'], grant_types: ['refresh_token', CIBA] })).json();
      partner = { clientId: p.client_id, clientSecret: p.client_secret };
      owner = await createUser(t, { organizationId: await merchantOrg(a, 'Shop A'), role: 'owner' });
      other = await createUser(t, { organizationId: await merchantOrg(a, 'Shop B'), role: 'owner' });
    });
    afterAll(async () => t?.close());
    afterEach(() => t.clock.set(T0));

    it('signs in without a consent page; the token names the person (console-session.test.ts has its refresh token)', async () => {
      const tokens = await userToken(owner);
      expect(tokens.scope).toBe('grantry:console');
      expect(claims(tokens.access_token)).toMatchObject({ sub: owner.id, aud: 'grantry', client_id: consoleApp.clientId });
      expect(claims(tokens.access_token).merchant_id).toBeUndefined();
    });

    it('the person named by a decoupled request lists and approves it through the management API; others cannot see it', async () => {
      const authReqId = await bcAuthorize(owner.email, 'API-APPROVE');
      const mine = as((await userToken(owner)).access_token);
      const theirs = as((await userToken(other)).access_token);
      const listed = (await mine.get('/decoupled-requests?status=pending')).json().items;
      const request = listed.find((r: { binding_message: string }) => r.binding_message === 'API-APPROVE');
      expect(request).toBeDefined();
      expect((await theirs.get('/decoupled-requests?status=pending')).json().items.map((r: { id: string }) => r.id)).not.toContain(request.id);
      expect((await theirs.get(`/decoupled-requests/${request.id}`)).statusCode).toBe(404);
      expect((await theirs.post(`/decoupled-requests/${request.id}/approve`, {})).statusCode).toBe(404);
      const approved = await mine.post(`/decoupled-requests/${request.id}/approve`, {});
      expect(approved.statusCode).toBe(200);
      expect(approved.json()).toMatchObject({ status: 'approved', decided_by: `user:${owner.id}` });
      t.clock.advance(10_000);
      const poll = await tokenRequest(t.app, { grant_type: CIBA, auth_req_id: authReqId }, { id: partner.clientId, secret: partner.clientSecret });
      expect(poll.statusCode).toBe(200);
      // The audit log names the person.
      const audit = (await a.get(`/audit-events?action=decoupled_request.approved`)).json().items;
      expect(audit.some((e: { actor: string }) => e.actor === `user:${owner.id}`)).toBe(true);
    });

    it('a person\'s token opens the management API within their rights (roles.test.ts has the whole table), and stops with the user', async () => {
      const token = (await userToken(other)).access_token;
      const res = await as(token).get('/organizations');
      expect(res.statusCode).toBe(200);
      // Only their own organization.
      expect(res.json().items.map((o: { name: string }) => o.name)).toEqual(['Shop B']);
      // Platform-wide resources: 403 with a problem body, not an OAuth scope challenge.
      const users = await as(token).get('/users');
      expect(users.statusCode).toBe(403);
      expect(users.headers['content-type']).toContain('application/problem+json');
      expect(users.json()).toMatchObject({ type: 'urn:grantry:problem:forbidden', status: 403 });
      expect(users.headers['www-authenticate']).toBeUndefined();
      const disabled = await createUser(t, { organizationId: await merchantOrg(a, 'Shop C'), role: 'owner' });
      const soon = (await userToken(disabled)).access_token;
      expect((await as(soon).get('/decoupled-requests')).statusCode).toBe(200);
      await a.patch(`/users/${disabled.id}`, { status: 'disabled' });
      const after = await as(soon).get('/decoupled-requests');
      expect(after.statusCode).toBe(401);
    });

    it('no other application can ask a user for grantry:console, nor any app for grantry:admin', async () => {
      const web = new WebClient(t.app);
      const partnerOrg = (await a.post('/organizations', { type: 'partner', name: 'Sneaky' })).json().id;
      const sneaky = (await a.post('/applications', { name: 'Sneaky', type: 'third_party', organization_id: partnerOrg, scopes: ['payments:read'], redirect_uris: [REDIRECT] })).json();
      for (const [clientId, scope] of [
        [sneaky.client_id, 'grantry:console'],
        [consoleApp.clientId, 'grantry:admin'],
      ]) {
        const res = await web.get(`/oauth/authorize?${form({ response_type: 'code', client_id: clientId!, redirect_uri: REDIRECT, scope: scope!, state: 'x', code_challenge: pkce().challenge, code_challenge_method: 'S256' })}`);
        expect(redirectParams(res).get('error')).toBe('invalid_scope');
      }
      // A partner cannot even hold grantry:console.
      expect((await a.patch(`/applications/${sneaky.id}`, { scopes: ['grantry:console'] })).statusCode).toBe(400);
    });
  });
});
