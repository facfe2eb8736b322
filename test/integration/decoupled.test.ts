import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { T0, adminToken, api, basic, buildTestApp, form, tokenRequest, type Api, type TestApp } from '../helpers/app.js';
import { merchantOrg } from '../helpers/installations.js';
import { createUser, type TestUser } from '../helpers/web.js';
import { decideDecoupledRequest, listDecoupledRequests, type DecoupledPrincipal } from '../../src/admin/decoupled.js';

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());
const CIBA = 'urn:openid:params:grant-type:ciba';

interface Client {
  appId: string;
  clientId: string;
  clientSecret: string;
}

describe.each(DIALECTS)('decoupled authorization (CIBA poll mode) on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let client: Client;
    let other: Client;
    let noCiba: Client;
    let partnerOrg: string;
    let merchant: string;
    let second: string;
    let owner: TestUser;
    let multi: TestUser;
    let developer: TestUser;

    const register = async (body: Record<string, unknown>): Promise<Client> => {
      const res = await a.post('/applications', { organization_id: partnerOrg, scopes: ['payments:create', 'payments:read'], ...body });
      if (res.statusCode !== 201) throw new Error(res.body);
      return { appId: res.json().id, clientId: res.json().client_id, clientSecret: res.json().client_secret };
    };
    const bc = (params: Record<string, string>, c: Client = client) =>
      t.app.inject({ method: 'POST', url: '/oauth/bc-authorize', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(c.clientId, c.clientSecret) }, payload: form(params) });
    const start = async (params: Record<string, string>, c: Client = client): Promise<{ auth_req_id: string; expires_in: number; interval: number; id: string }> => {
      const res = await bc({ scope: 'payments:read', ...params }, c);
      if (res.statusCode !== 200) throw new Error(res.body);
      const body = res.json();
      const stored = await t.rt.stores.decoupled.getByAuthReqId(t.rt.hasher.hash(body.auth_req_id));
      return { ...body, id: stored!.id };
    };
    const poll = (authReqId: string, c: Client = client) => tokenRequest(t.app, { grant_type: CIBA, auth_req_id: authReqId }, { id: c.clientId, secret: c.clientSecret });
    const errorOf = async (res: Promise<{ statusCode: number; json(): any }>) => {
      const r = await res;
      return `${r.statusCode} ${r.json().error}`;
    };

    beforeAll(async () => {
      t = await buildTestApp(dialect);
      a = api(t.app, await adminToken(t));
      for (const scope of ['payments:create', 'payments:read']) await a.post('/scopes', { scope, description: `Allows ${scope}` });
      partnerOrg = (await a.post('/organizations', { type: 'partner', name: 'Partner Co' })).json().id;
      client = await register({ name: 'Till App', type: 'third_party', refresh_policy: 'rotate', grant_types: ['refresh_token', 'authorization_code', CIBA] });
      other = await register({ name: 'Other App', type: 'native', grant_types: ['refresh_token', CIBA] });
      noCiba = await register({ name: 'No CIBA', type: 'third_party' });
      merchant = await merchantOrg(a, 'Acme Shoes');
      second = await merchantOrg(a, 'Acme Hats');
      owner = await createUser(t, { organizationId: merchant, role: 'owner' });
      developer = await createUser(t, { organizationId: merchant, role: 'developer' });
      multi = await createUser(t, { organizationId: merchant, role: 'admin' });
      await t.rt.stores.users.setMembership(multi.id, second, 'owner', T0);
    });
    afterAll(async () => t?.close());
    afterEach(() => t.clock.set(T0));

    it('publishes the backchannel endpoint and the grant in the metadata, and lets apps opt in', async () => {
      const meta = (await t.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json();
      expect(meta).toMatchObject({
        backchannel_authentication_endpoint: 'http://grantry.test/oauth/bc-authorize',
        backchannel_token_delivery_modes_supported: ['poll'],
        backchannel_user_code_parameter_supported: false,
      });
      expect(meta.grant_types_supported).toContain(CIBA);
      // Not default-on; not for merchant Token Applications or public clients.
      expect((await a.get(`/applications/${noCiba.appId}`)).json().grant_types).not.toContain(CIBA);
      const merchantApp = await a.post('/applications', { name: 'ERP', type: 'merchant', organization_id: merchant, scopes: ['payments:read'], grant_types: ['client_credentials', CIBA] });
      expect(merchantApp.statusCode).toBe(400);
      const spa = await a.post('/applications', { name: 'SPA', type: 'public', organization_id: partnerOrg, scopes: ['payments:read'], redirect_uris: ['https://x.example/cb'], grant_types: ['authorization_code', CIBA] });
      expect(spa.statusCode).toBe(400);
    });

    it('refuses invalid authentication requests with the CIBA error codes', async () => {
      const ok = { scope: 'payments:read', login_hint: merchant };
      expect(await errorOf(bc({ scope: 'payments:read' }))).toBe('400 invalid_request');
      expect(await errorOf(bc({ ...ok, id_token_hint: 'x.y.z' }))).toBe('400 invalid_request');
      expect(await errorOf(bc({ scope: 'payments:read', login_hint_token: 'abc' }))).toBe('400 invalid_request');
      expect(await errorOf(bc({ login_hint: merchant }))).toBe('400 invalid_request');
      expect(await errorOf(bc({ ...ok, scope: 'payments:read refunds:create' }))).toBe('400 invalid_scope');
      expect(await errorOf(bc({ ...ok, scope: 'grantry:admin' }))).toBe('400 invalid_scope');
      expect(await errorOf(bc({ ...ok, login_hint: 'nobody@example.com' }))).toBe('400 unknown_user_id');
      expect(await errorOf(bc({ ...ok, login_hint: partnerOrg }))).toBe('400 unknown_user_id');
      expect(await errorOf(bc({ ...ok, login_hint: 'org_01doesnotexist' }))).toBe('400 unknown_user_id');
      // A developer builds; granting is the business's call.
      expect(await errorOf(bc({ ...ok, login_hint: developer.email }))).toBe('400 unknown_user_id');
      expect(await errorOf(bc({ ...ok, binding_message: 'x'.repeat(65) }))).toBe('400 invalid_binding_message');
      expect(await errorOf(bc({ ...ok, binding_message: 'line\nbreak' }))).toBe('400 invalid_binding_message');
      expect(await errorOf(bc({ ...ok, requested_expiry: 'soon' }))).toBe('400 invalid_request');
      expect(await errorOf(bc(ok, noCiba))).toBe('400 unauthorized_client');
      const wrong = await bc(ok, { ...client, clientSecret: 'wrong' });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().error).toBe('invalid_client');
      const noAuth = await t.app.inject({ method: 'POST', url: '/oauth/bc-authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ ...ok, client_id: client.clientId }) });
      expect(noAuth.statusCode).toBe(401);
      const get = await t.app.inject({ method: 'GET', url: '/oauth/bc-authorize' });
      expect(get.statusCode).toBe(405);
      expect(get.json().error).toBe('invalid_request');
      // Nothing was stored by the refused requests.
      expect((await a.get('/decoupled-requests')).json().items).toEqual([]);
    });

    it('accepts JSON, caps requested_expiry and stores the auth_req_id only as a hash', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/oauth/bc-authorize',
        headers: { 'content-type': 'application/json', authorization: basic(client.clientId, client.clientSecret) },
        payload: JSON.stringify({ scope: 'payments:read', login_hint: owner.email.toUpperCase(), binding_message: 'Till 4 · 12,50 €', requested_expiry: '120' }),
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json();
      expect(body).toEqual({ auth_req_id: expect.stringMatching(/^gbc_[A-Za-z0-9_-]{43}$/), expires_in: 120, interval: 5 });
      const rows = await t.rt.db.db.selectFrom('decoupled_requests').select(['auth_req_id_hash', 'user_id', 'binding_message']).execute();
      expect(rows.map((r) => r.auth_req_id_hash)).not.toContain(body.auth_req_id);
      expect(rows).toContainEqual({ auth_req_id_hash: t.rt.hasher.hash(body.auth_req_id), user_id: owner.id, binding_message: 'Till 4 · 12,50 €' });
      expect((await start({ login_hint: merchant, requested_expiry: '100000' })).expires_in).toBe(600);
    });

    it('runs the whole flow: pending, slow_down with a growing interval, approval, tokens once, an installation', async () => {
      const req = await start({ scope: 'payments:read payments:create', login_hint: merchant, binding_message: 'A1B2' });
      expect(req).toMatchObject({ expires_in: 600, interval: 5 });
      expect(await errorOf(poll(req.auth_req_id))).toBe('400 authorization_pending');
      // Sooner than 5 s after the previous poll.
      t.clock.advance(2_000);
      const slow = await poll(req.auth_req_id);
      expect(slow.statusCode).toBe(400);
      expect(slow.json().error).toBe('slow_down');
      expect(slow.headers['cache-control']).toBe('no-store');
      // The interval is now 10 s: 6 s later is still too fast (and it grows to 15 s).
      t.clock.advance(6_000);
      expect(await errorOf(poll(req.auth_req_id))).toBe('400 slow_down');
      expect((await t.rt.stores.decoupled.get(req.id))!.interval).toBe(15);
      t.clock.advance(15_000);
      expect(await errorOf(poll(req.auth_req_id))).toBe('400 authorization_pending');

      // The request is listed for approval.
      const pending = (await a.get('/decoupled-requests?status=pending')).json();
      const listed = pending.items.find((r: { id: string }) => r.id === req.id);
      expect(listed).toEqual({
        id: req.id,
        client_id: client.clientId,
        application_id: client.appId,
        application_name: 'Till App',
        scopes: ['payments:read', 'payments:create'],
        user_id: null,
        organization_id: merchant,
        binding_message: 'A1B2',
        status: 'pending',
        created_at: T0,
        expires_at: T0 + 600_000,
        decided_at: null,
        decided_by: null,
      });
      expect((await a.get(`/decoupled-requests/${req.id}`)).json()).toEqual(listed);

      const approved = await a.post(`/decoupled-requests/${req.id}/approve`);
      expect(approved.statusCode).toBe(200);
      expect(approved.json()).toMatchObject({ status: 'approved', organization_id: merchant, decided_at: t.clock.now(), decided_by: expect.stringMatching(/^app:/) });
      expect((await a.post(`/decoupled-requests/${req.id}/deny`)).statusCode).toBe(409);
      expect((await a.get('/decoupled-requests?status=pending')).json().items.map((r: { id: string }) => r.id)).not.toContain(req.id);

      // Another client cannot redeem it.
      expect(await errorOf(poll(req.auth_req_id, other))).toBe('400 invalid_grant');

      t.clock.advance(5_000);
      const tokens = await poll(req.auth_req_id);
      expect(tokens.statusCode).toBe(200);
      expect(tokens.headers['cache-control']).toBe('no-store');
      const body = tokens.json();
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'payments:read payments:create', refresh_token: expect.any(String) });
      const installations = (await a.get(`/installations?organization_id=${merchant}&application_id=${client.appId}`)).json().items;
      expect(installations).toHaveLength(1);
      expect(installations[0]).toMatchObject({ status: 'active', scopes: ['payments:read', 'payments:create'] });
      expect(claims(body.access_token)).toMatchObject({ sub: merchant, installation_id: installations[0].id, scope: 'payments:read payments:create', client_id: client.clientId, aud: 'payments' });
      expect((await a.get(`/decoupled-requests/${req.id}`)).json().status).toBe('redeemed');

      // Single use.
      expect(await errorOf(poll(req.auth_req_id))).toBe('400 invalid_grant');
      // The refresh token works under the app's policy (rotate).
      const refreshed = await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: body.refresh_token }, { id: client.clientId, secret: client.clientSecret });
      expect(refreshed.statusCode).toBe(200);
      expect(refreshed.json().refresh_token).toEqual(expect.any(String));
      const audit = (await a.get('/audit-events?limit=200')).json().items.map((e: { action: string }) => e.action);
      expect(audit).toEqual(expect.arrayContaining(['decoupled_request.created', 'decoupled_request.approved']));
    });

    it('answers access_denied after a denial', async () => {
      const req = await start({ login_hint: merchant });
      const denied = await a.post(`/decoupled-requests/${req.id}/deny`);
      expect(denied.statusCode).toBe(200);
      expect(denied.json().status).toBe('denied');
      expect(await errorOf(poll(req.auth_req_id))).toBe('400 access_denied');
      expect((await a.post(`/decoupled-requests/${req.id}/approve`)).statusCode).toBe(409);
      expect((await a.get('/audit-events?limit=200')).json().items.map((e: { action: string }) => e.action)).toContain('decoupled_request.denied');
    });

    it('lists a history: status=decided (approved, denied, redeemed) and order=newest, paging towards older ones', async () => {
      const app = await register({ name: 'History App', type: 'third_party', grant_types: ['refresh_token', CIBA] });
      const made: string[] = [];
      for (let i = 0; i < 4; i++) {
        // Ids are time-ordered: a second apart, they sort in creation order.
        t.clock.set(T0 + (i + 1) * 1000);
        made.push((await start({ login_hint: merchant, binding_message: `H${i}` }, app)).id);
      }
      expect((await a.post(`/decoupled-requests/${made[0]}/approve`)).statusCode).toBe(200);
      expect((await a.post(`/decoupled-requests/${made[1]}/deny`)).statusCode).toBe(200);
      expect((await a.post(`/decoupled-requests/${made[3]}/approve`)).statusCode).toBe(200);
      const list = async (query: string) => (await a.get(`/decoupled-requests?application_id=${app.appId}&${query}`)).json();
      expect((await list('status=decided')).items.map((r: { id: string }) => r.id)).toEqual([made[0], made[1], made[3]]);
      const newest = await list('status=decided&order=newest&limit=2');
      expect(newest.items.map((r: { id: string }) => r.id)).toEqual([made[3], made[1]]);
      expect((await list(`status=decided&order=newest&limit=2&cursor=${newest.next_cursor}`)).items.map((r: { id: string }) => r.id)).toEqual([made[0]]);
      expect((await list('order=newest')).items.map((r: { id: string }) => r.id)).toEqual([...made].reverse());
      expect((await a.get('/decoupled-requests?order=sideways')).statusCode).toBe(400);
      const bad = await a.get('/decoupled-requests?status=maybe');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().detail).toContain('decided');
    });

    it('expires: expired_token to the client, expired and undecidable in the API', async () => {
      const req = await start({ login_hint: merchant, requested_expiry: '60' });
      expect(req.expires_in).toBe(60);
      t.clock.advance(60_000);
      expect(await errorOf(poll(req.auth_req_id))).toBe('400 expired_token');
      expect((await a.get('/decoupled-requests?status=pending')).json().items.map((r: { id: string }) => r.id)).not.toContain(req.id);
      expect((await a.get(`/decoupled-requests/${req.id}`)).json().status).toBe('expired');
      expect((await a.post(`/decoupled-requests/${req.id}/approve`)).statusCode).toBe(409);
      expect((await a.get('/decoupled-requests/breq_nope')).statusCode).toBe(404);
      expect((await a.get('/decoupled-requests?status=bogus')).statusCode).toBe(400);
    });

    it('names a user: their only granting organization, or the one chosen among several', async () => {
      const single = await start({ login_hint: owner.email });
      expect((await a.post(`/decoupled-requests/${single.id}/approve`)).json()).toMatchObject({ user_id: owner.id, organization_id: merchant });
      const t1 = await poll(single.auth_req_id);
      expect(t1.statusCode).toBe(200);
      expect(claims(t1.json().access_token).sub).toBe(merchant);

      const several = await start({ login_hint: multi.email });
      const missing = await a.post(`/decoupled-requests/${several.id}/approve`);
      expect(missing.statusCode).toBe(400);
      expect(missing.json().errors[0].field).toBe('organization_id');
      expect((await a.post(`/decoupled-requests/${several.id}/approve`, { organization_id: partnerOrg })).statusCode).toBe(400);
      const chosen = await a.post(`/decoupled-requests/${several.id}/approve`, { organization_id: second });
      expect(chosen.statusCode).toBe(200);
      expect(chosen.json().organization_id).toBe(second);
      const t2 = await poll(several.auth_req_id);
      expect(t2.statusCode).toBe(200);
      expect(claims(t2.json().access_token)).toMatchObject({ sub: second, merchant_id: second });
    });

    it('lets people see and decide only the requests that name them or an organization they grant for', async () => {
      const load = async (u: TestUser): Promise<DecoupledPrincipal> => ({ kind: 'user', user: (await t.rt.stores.users.get(u.id))! });
      const forOwner = await start({ login_hint: owner.email });
      const forMulti = await start({ login_hint: multi.email });
      const forSecond = await start({ login_hint: second });
      const seen = async (u: TestUser) => (await listDecoupledRequests(t.rt, await load(u), { status: 'pending' })).items.map((r) => r.id);
      expect(await seen(owner)).toContain(forOwner.id);
      expect(await seen(owner)).not.toContain(forMulti.id);
      expect(await seen(owner)).not.toContain(forSecond.id);
      expect(await seen(multi)).toEqual(expect.arrayContaining([forMulti.id, forSecond.id]));
      expect(await seen(multi)).not.toContain(forOwner.id);
      expect(await seen(developer)).toEqual([]);

      await expect(decideDecoupledRequest(t.rt, await load(developer), forOwner.id, 'approve')).rejects.toMatchObject({ kind: 'not_found' });
      await expect(decideDecoupledRequest(t.rt, await load(owner), forSecond.id, 'approve')).rejects.toMatchObject({ kind: 'not_found' });
      const view = await decideDecoupledRequest(t.rt, await load(multi), forSecond.id, 'approve');
      expect(view).toMatchObject({ status: 'approved', organization_id: second, decided_by: `user:${multi.id}` });
      await expect(decideDecoupledRequest(t.rt, await load(multi), forMulti.id, 'approve')).rejects.toMatchObject({ kind: 'invalid_input' });
      expect(await decideDecoupledRequest(t.rt, await load(multi), forMulti.id, 'deny')).toMatchObject({ status: 'denied' });
      expect(await decideDecoupledRequest(t.rt, await load(owner), forOwner.id, 'approve')).toMatchObject({ status: 'approved', organization_id: merchant });

      // The approver lost the right to grant before the client polled: no tokens.
      const forMerchant = await start({ login_hint: merchant });
      await decideDecoupledRequest(t.rt, await load(multi), forMerchant.id, 'approve');
      await t.rt.stores.users.setMembership(multi.id, merchant, 'developer', T0);
      try {
        expect(await errorOf(poll(forMerchant.auth_req_id))).toBe('400 invalid_grant');
      } finally {
        await t.rt.stores.users.setMembership(multi.id, merchant, 'admin', T0);
      }
      expect((await poll(forSecond.auth_req_id)).statusCode).toBe(200);
    });

    it('gives exactly one token response to 20 concurrent polls of an approved request', async () => {
      const req = await start({ login_hint: merchant });
      await a.post(`/decoupled-requests/${req.id}/approve`);
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const address = t.app.server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/oauth/token`;
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.clientId, client.clientSecret) },
            body: form({ grant_type: CIBA, auth_req_id: req.auth_req_id }),
          }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: string } })),
        ),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      const failures = results.filter((r) => r.status !== 200);
      expect(failures).toHaveLength(19);
      expect(failures.every((r) => r.status === 400 && r.body.error === 'invalid_grant')).toBe(true);
      const families = await t.rt.db.db.selectFrom('refresh_families').select('id').where('origin', '=', 'decoupled').execute();
      const issued = (await t.rt.stores.decoupled.get(req.id))!;
      expect(families.map((f) => f.id)).toContain(issued.familyId);
    });
  });
});
