import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { T0, adminToken, api, basic, buildTestApp, form, merchantApp, type Api, type TestApp } from '../helpers/app.js';
import { installAndReceive, merchantOrg, partnerApp, type Partner } from '../helpers/installations.js';
import { WebClient, createUser, redirectParams, type TestUser } from '../helpers/web.js';

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());
const json = (body: unknown) => JSON.stringify(body);

/**
 * Each dialect is tested from its seed document alone: the requests a client written from that
 * document sends, and the answers the document shows.
 */
describe.each(DIALECTS)('dialects on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;

    beforeAll(async () => {
      t = await buildTestApp(dialect, { dialects: ['header-v1', 'authorize-v3'], webhookAllowedNetworks: ['127.0.0.0/8'] });
      a = api(t.app, await adminToken(t));
    });
    afterAll(async () => t?.close());
    afterEach(() => t.clock.set(T0));

    describe('header-v1 (seed 003: POST /v1/auth/token)', () => {
      let partner: Partner;
      const PARTNER_ID = 4242;
      const refresh = (headers: Record<string, string>, body: unknown) =>
        t.app.inject({ method: 'POST', url: '/v1/auth/token', headers: { 'content-type': 'application/json', ...headers }, payload: json(body) });

      beforeAll(async () => {
        partner = await partnerApp(a, { refresh_policy: 'rotate', partner_id: PARTNER_ID });
      });

      it('refreshes: headers partnerId and grantType, body {"refreshToken"}; the answer has the seed\'s four fields', async () => {
        const { data } = await installAndReceive(t, a, await merchantOrg(a), partner);
        const res = await refresh({ partnerId: String(PARTNER_ID), grantType: 'refresh_token' }, { refreshToken: data.refresh_token });
        expect(res.statusCode).toBe(200);
        expect(res.headers['cache-control']).toBe('no-store');
        const body = res.json();
        expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
        expect(body).toMatchObject({ expires_in: 3600, token_type: 'Bearer' });
        expect(claims(body.access_token)).toMatchObject({ client_id: partner.clientId, scope: 'payments:create payments:read' });
        // The new refresh token works the same way; the spent one is refused with the seed's words.
        expect((await refresh({ partnerId: String(PARTNER_ID), grantType: 'refresh_token' }, { refreshToken: body.refresh_token })).statusCode).toBe(200);
      });

      it('"Expired or Invalid Refresh Token" and "Missing Refresh Token", word for word', async () => {
        const invalid = await refresh({ partnerId: String(PARTNER_ID), grantType: 'refresh_token' }, { refreshToken: 'dGhpcyBpcyBhIHJlZnJlc2hUb2tlbi...' });
        expect(invalid.statusCode).toBe(400);
        expect(invalid.json()).toEqual({ error: 'invalid_grant', error_description: 'Refresh token has expired or is invalid.' });
        const missing = await refresh({ partnerId: String(PARTNER_ID), grantType: 'refresh_token' }, {});
        expect(missing.statusCode).toBe(400);
        expect(missing.json()).toEqual({ error: 'invalid_request', error_description: 'Missing refresh token.' });
        const expired = await installAndReceive(t, a, await merchantOrg(a), partner);
        t.clock.advance(31 * 86400_000);
        const late = await refresh({ partnerId: String(PARTNER_ID), grantType: 'refresh_token' }, { refreshToken: expired.data.refresh_token });
        expect(late.json()).toEqual({ error: 'invalid_grant', error_description: 'Refresh token has expired or is invalid.' });
      });

      it('the refresh token must belong to the application with that partnerId', async () => {
        const other = await partnerApp(a, { partner_id: 7 });
        const { data } = await installAndReceive(t, a, await merchantOrg(a), partner);
        const res = await refresh({ partnerId: '7', grantType: 'refresh_token' }, { refreshToken: data.refresh_token });
        expect(res.json()).toEqual({ error: 'invalid_grant', error_description: 'Refresh token has expired or is invalid.' });
        void other;
      });

      it('refuses a missing or non-int32 partnerId, an unknown one, and another grantType', async () => {
        const { data } = await installAndReceive(t, a, await merchantOrg(a), partner);
        const cases: [Record<string, string>, number, string][] = [
          [{ grantType: 'refresh_token' }, 400, 'invalid_request'],
          [{ partnerId: 'abc', grantType: 'refresh_token' }, 400, 'invalid_request'],
          [{ partnerId: '2147483648', grantType: 'refresh_token' }, 400, 'invalid_request'],
          [{ partnerId: String(PARTNER_ID) }, 400, 'invalid_request'],
          [{ partnerId: String(PARTNER_ID), grantType: 'client_credentials' }, 400, 'unsupported_grant_type'],
          [{ partnerId: '999999', grantType: 'refresh_token' }, 401, 'invalid_client'],
          [{ partnerId: String(PARTNER_ID), grantType: 'refresh_token', authorization: basic(partner.clientId, 'wrong-secret') }, 401, 'invalid_client'],
        ];
        for (const [headers, status, error] of cases) {
          const res = await refresh(headers, { refreshToken: data.refresh_token });
          expect(res.statusCode, JSON.stringify(headers)).toBe(status);
          expect(res.json().error, JSON.stringify(headers)).toBe(error);
        }
        const malformed = await t.app.inject({ method: 'POST', url: '/v1/auth/token', headers: { 'content-type': 'application/json', partnerId: String(PARTNER_ID), grantType: 'refresh_token' }, payload: '{"refreshToken": ' });
        expect(malformed.statusCode).toBe(400);
        expect(malformed.json().error).toBe('invalid_request');
        // With the right Basic credentials as well, it still works.
        const withBasic = await refresh({ partnerId: String(PARTNER_ID), grantType: 'refresh_token', authorization: basic(partner.clientId, partner.clientSecret) }, { refreshToken: data.refresh_token });
        expect(withBasic.statusCode).toBe(200);
      });

      it('partner_id is unique and an int32', async () => {
        const taken = await a.post('/applications', { name: 'Dup', type: 'third_party', organization_id: partner.orgId, scopes: ['payments:read'], partner_id: PARTNER_ID });
        expect(taken.statusCode).toBe(409);
        expect((await a.patch(`/applications/${partner.appId}`, { partner_id: 0 })).statusCode).toBe(400);
        expect((await a.patch(`/applications/${partner.appId}`, { partner_id: 2 ** 31 })).statusCode).toBe(400);
        expect((await a.get(`/applications/${partner.appId}`)).json().partner_id).toBe(PARTNER_ID);
      });
    });

    describe('authorize-v3 (seed 004: POST /v3/authorize/token and /v3/authorize-decoupled/token)', () => {
      let app: { appId: string; clientId: string; clientSecret: string };
      let merchant: string;
      let owner: TestUser;
      const REDIRECT = 'https://wallet.example/callback';
      const post = (path: string, body: unknown) =>
        t.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json', authorization: basic(app.clientId, app.clientSecret) }, payload: json(body) });

      const code = async () => {
        const web = new WebClient(t.app);
        const signIn = await web.get(`/oauth/authorize?${form({ response_type: 'code', client_id: app.clientId, scope: 'payments:read', state: 's' })}`);
        const back = await web.submit(signIn, { email: owner.email, password: owner.password });
        const consent = await web.get(back.headers.location as string);
        return redirectParams(await web.submit(consent, { decision: 'approve', organization_id: merchant })).get('code')!;
      };

      beforeAll(async () => {
        const org = (await a.post('/organizations', { type: 'partner', name: 'Wallet Co' })).json().id;
        // The app's own policy is `reuse`: the seed's endpoints still issue one-time refresh tokens.
        const res = (
          await a.post('/applications', {
            name: 'Wallet',
            type: 'third_party',
            organization_id: org,
            scopes: ['payments:read'],
            redirect_uris: [REDIRECT],
            refresh_policy: 'reuse',
            grant_types: ['authorization_code', 'refresh_token', 'urn:openid:params:grant-type:ciba'],
          })
        ).json();
        app = { appId: res.id, clientId: res.client_id, clientSecret: res.client_secret };
        merchant = await merchantOrg(a, 'Corner Shop');
        owner = await createUser(t, { organizationId: merchant, role: 'owner' });
      });

      it('"Example request using authorization code" → {"token_type": "BEARER", access_token (5 min), expires_in, refresh_token}', async () => {
        const res = await post('/v3/authorize/token', { grant_type: 'authorization_code', code: await code() });
        expect(res.statusCode).toBe(200);
        const body = res.json();
        expect(Object.keys(body)).toEqual(['token_type', 'access_token', 'expires_in', 'refresh_token']);
        expect(body).toMatchObject({ token_type: 'BEARER', expires_in: 300 });
        const at = claims(body.access_token);
        expect(at.exp - at.iat).toBe(300);
      });

      it('"Example request using refresh token": one-time use, a new refresh token every time', async () => {
        const first = (await post('/v3/authorize/token', { grant_type: 'authorization_code', code: await code() })).json();
        const second = await post('/v3/authorize/token', { grant_type: 'refresh_token', refresh_token: first.refresh_token });
        expect(second.statusCode).toBe(200);
        expect(second.json()).toMatchObject({ token_type: 'BEARER', expires_in: 300, refresh_token: expect.stringMatching(/^grt_/) });
        expect(second.json().refresh_token).not.toBe(first.refresh_token);
        const reused = await post('/v3/authorize/token', { grant_type: 'refresh_token', refresh_token: first.refresh_token });
        expect(reused.statusCode).toBe(400);
        expect(reused.json().error).toBe('invalid_grant');
      });

      it('the decoupled endpoint: code is the auth_req_id; authorization_pending until approved, then tokens and refreshes', async () => {
        const bc = await t.app.inject({
          method: 'POST',
          url: '/oauth/bc-authorize',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(app.clientId, app.clientSecret) },
          payload: form({ scope: 'payments:read', login_hint: owner.email, binding_message: 'SHOP-1' }),
        });
        const authReqId = bc.json().auth_req_id;
        const pending = await post('/v3/authorize-decoupled/token', { grant_type: 'authorization_code', code: authReqId });
        expect(pending.statusCode).toBe(400);
        expect(pending.json().error).toBe('authorization_pending');
        const listed = (await a.get('/decoupled-requests?status=pending')).json().items.find((r: { binding_message: string }) => r.binding_message === 'SHOP-1');
        expect((await a.post(`/decoupled-requests/${listed.id}/approve`, {})).statusCode).toBe(200);
        t.clock.advance(10_000);
        const tokens = await post('/v3/authorize-decoupled/token', { grant_type: 'authorization_code', code: authReqId });
        expect(tokens.statusCode).toBe(200);
        expect(tokens.json()).toMatchObject({ token_type: 'BEARER', expires_in: 300, refresh_token: expect.stringMatching(/^grt_/) });
        const refreshed = await post('/v3/authorize-decoupled/token', { grant_type: 'refresh_token', refresh_token: tokens.json().refresh_token });
        expect(refreshed.statusCode).toBe(200);
        expect(refreshed.json().token_type).toBe('BEARER');
      });

      it('grant_type is mandatory and must be authorization_code or refresh_token; refresh_token must be present for it', async () => {
        for (const [path, body, error] of [
          ['/v3/authorize/token', { code: 'gac_x' }, 'invalid_request'],
          ['/v3/authorize/token', { grant_type: 'client_credentials' }, 'unsupported_grant_type'],
          ['/v3/authorize/token', { grant_type: 'refresh_token' }, 'invalid_request'],
          ['/v3/authorize/token', { grant_type: 'authorization_code' }, 'invalid_request'],
          ['/v3/authorize/token', { grant_type: 'authorization_code', code: 'gac_unknown' }, 'invalid_grant'],
          ['/v3/authorize-decoupled/token', { grant_type: 'authorization_code', code: 'gbc_unknown' }, 'invalid_grant'],
        ] as const) {
          const res = await post(path, body);
          expect(res.statusCode, JSON.stringify(body)).toBe(400);
          expect(res.json().error, JSON.stringify(body)).toBe(error);
        }
        const noAuth = await t.app.inject({ method: 'POST', url: '/v3/authorize/token', headers: { 'content-type': 'application/json' }, payload: json({ grant_type: 'refresh_token', refresh_token: 'grt_x' }) });
        expect(noAuth.statusCode).toBe(401);
        expect(noAuth.json().error).toBe('invalid_client');
        expect((await t.app.inject({ method: 'GET', url: '/v3/authorize/token' })).statusCode).toBe(405);
      });
    });
  });

  describe.skipIf(skipDialect(dialect))('seed 001: GET oauth/token', () => {
    let on: TestApp;
    let off: TestApp;
    let client: Awaited<ReturnType<typeof merchantApp>>;
    let offClient: Awaited<ReturnType<typeof merchantApp>>;

    beforeAll(async () => {
      on = await buildTestApp(dialect, { allowGetToken: true });
      off = await buildTestApp(dialect);
      client = await merchantApp(api(on.app, await adminToken(on)), ['payments:create']);
      offClient = await merchantApp(api(off.app, await adminToken(off)), ['payments:create']);
    });
    afterAll(async () => {
      await on?.close();
      await off?.close();
    });

    it('with GRANTRY_ALLOW_GET_TOKEN=true: Basic authentication, grant type and scopes in the body or the query', async () => {
      const auth = basic(client.clientId, client.clientSecret);
      const inBody = await on.app.inject({ method: 'GET', url: '/oauth/token', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ grant_type: 'client_credentials', scope: 'payments:create' }) });
      expect(inBody.statusCode).toBe(200);
      expect(inBody.json()).toMatchObject({ token_type: 'Bearer', expires_in: 86400, scope: 'payments:create' });
      const inJson = await on.app.inject({ method: 'GET', url: '/oauth/token', headers: { authorization: auth, 'content-type': 'application/json' }, payload: json({ grant_type: 'client_credentials', scope: 'payments:create' }) });
      expect(inJson.statusCode).toBe(200);
      const inQuery = await on.app.inject({ method: 'GET', url: `/oauth/token?${form({ grant_type: 'client_credentials', scope: 'payments:create' })}`, headers: { authorization: auth } });
      expect(inQuery.statusCode).toBe(200);
      expect(inQuery.headers['cache-control']).toBe('no-store');
      // The seed's 400s and 401.
      const wrongGrant = await on.app.inject({ method: 'GET', url: `/oauth/token?${form({ grant_type: 'password', scope: 'payments:create' })}`, headers: { authorization: auth } });
      expect(wrongGrant.statusCode).toBe(400);
      const noScope = await on.app.inject({ method: 'GET', url: '/oauth/token?grant_type=client_credentials', headers: { authorization: auth } });
      expect(noScope.json().error).toBe('invalid_scope');
      const badSecret = await on.app.inject({ method: 'GET', url: '/oauth/token?grant_type=client_credentials&scope=payments:create', headers: { authorization: basic(client.clientId, 'nope') } });
      expect(badSecret.statusCode).toBe(401);
    });

    it('never takes a client secret from the URL, nor a parameter twice', async () => {
      const res = await on.app.inject({ method: 'GET', url: `/oauth/token?${form({ grant_type: 'client_credentials', scope: 'payments:create', client_id: client.clientId, client_secret: client.clientSecret })}` });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_request');
      expect(res.body).not.toContain(client.clientSecret);
      const twice = await on.app.inject({ method: 'GET', url: '/oauth/token?grant_type=client_credentials', headers: { authorization: basic(client.clientId, client.clientSecret), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials&scope=payments:create' });
      expect(twice.json().error).toBe('invalid_request');
    });

    it('off by default: 405 with an RFC 6749 body that says to use POST', async () => {
      const res = await off.app.inject({ method: 'GET', url: '/oauth/token?grant_type=client_credentials&scope=payments:create', headers: { authorization: basic(offClient.clientId, offClient.clientSecret) } });
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe('POST');
      expect(res.json()).toEqual({ error: 'invalid_request', error_description: expect.stringContaining('POST') });
      // And the dialects are off by default too.
      expect((await off.app.inject({ method: 'POST', url: '/v1/auth/token', headers: { 'content-type': 'application/json', partnerId: '1', grantType: 'refresh_token' }, payload: '{}' })).statusCode).toBe(404);
    });
  });
});
