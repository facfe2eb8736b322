import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { T0, adminToken, api, basic, buildTestApp, form, merchantApp, type Api, type TestApp } from '../helpers/app.js';
import { installAndReceive, merchantOrg, partnerApp, type Partner } from '../helpers/installations.js';
import { WebClient, createUser, firstPartySignIn, pkce, redirectParams, type TestUser } from '../helpers/web.js';
import { MAX_PARAMS } from '../../src/protocol/params.js';

/**
 * The evidence file for the hostile-input catalogue of ../shared/research/webhooks-security.md §D,
 * rows 1–34, plus the parameter-count limit (issue 8 point 5). One `it` per row; where Grantry's
 * answer differs from the catalogue's suggestion the test says so and docs/errors.md gives the reason.
 *
 * Every 4xx of an OAuth endpoint is checked by `oauthError`: RFC 6749 §5.2 JSON (error and
 * error_description only), `Cache-Control: no-store`, an error_description within the §5.2 charset
 * (%x20-21 / %x23-5B / %x5D-7E: nothing raw is reflected), and the Basic challenge on every 401.
 */

const CIBA = 'urn:openid:params:grant-type:ciba';
const REDIRECT = 'https://partner.example/callback';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const DESCRIPTION_CHARSET = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());

/** RFC 6749 §5.2 error shape, no-store, safe description; never a 5xx. */
function oauthError(res: LightMyRequestResponse, status: number, code: string): Record<string, string> {
  expect(res.statusCode, `${res.statusCode} ${res.body.slice(0, 300)}`).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers.pragma).toBe('no-cache');
  const body = res.json() as Record<string, string>;
  expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
  expect(body.error, body.error_description).toBe(code);
  expect(body.error_description).toMatch(DESCRIPTION_CHARSET);
  expect(body.error_description).not.toMatch(/\bat .*\.(ts|js):\d+|Error:|SQLITE|syntax error|relation "/);
  if (status === 401) expect(res.headers['www-authenticate']).toBe('Basic realm="grantry", charset="UTF-8"');
  return body;
}

/** A header value must never carry a raw CR, LF or NUL (response splitting). */
function cleanHeaders(res: LightMyRequestResponse): void {
  for (const [name, value] of Object.entries(res.headers)) {
    for (const v of Array.isArray(value) ? value : [String(value)]) expect(v, name).not.toMatch(/[\r\n\0]/);
  }
}

interface Client {
  appId: string;
  clientId: string;
  clientSecret: string | null;
  orgId: string;
}

describe.each(DIALECTS)('hostile inputs (research §D rows 1–34) on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let merchant: Awaited<ReturnType<typeof merchantApp>>;
    let reuse: Partner;
    let rotate: Partner;
    let graceful: Partner;
    let shortLived: Partner;
    let codeClient: Client;
    let spa: Client;
    let merchantId: string;
    let owner: TestUser;

    // Distinct client addresses, so the failure limits of one row never decide another's answer.
    let n = 0;
    const addr = (): string => `10.${dialect === 'sqlite' ? 1 : 2}.${(n >> 8) & 255}.${n++ & 255}`;

    const post = (url: string, payload: string, headers: Record<string, string> = FORM, remoteAddress = addr()) =>
      t.app.inject({ method: 'POST', url, remoteAddress, headers, payload });
    const token = (params: Record<string, string>, auth?: { id: string; secret: string }, remoteAddress = addr()) =>
      post('/oauth/token', form(params), { ...FORM, ...(auth ? { authorization: basic(auth.id, auth.secret) } : {}) }, remoteAddress);
    const rawBasic = (raw: string) => 'Basic ' + Buffer.from(raw, 'utf8').toString('base64');
    const cc = { grant_type: 'client_credentials', scope: 'payments:create' };
    const mCreds = () => ({ id: merchant.clientId, secret: merchant.clientSecret });
    const pCreds = (p: Partner) => ({ id: p.clientId, secret: p.clientSecret });
    const refresh = (p: Partner, refresh_token: string, extra: Record<string, string> = {}) => token({ grant_type: 'refresh_token', refresh_token, ...extra }, pCreds(p));
    const introspect = (auth: { id: string; secret: string }, tok: string) => post('/oauth/introspect', form({ token: tok }), { ...FORM, authorization: basic(auth.id, auth.secret) });
    const revoke = (auth: { id: string; secret: string } | { clientId: string }, tok: string) =>
      'clientId' in auth ? post('/oauth/revoke', form({ token: tok, client_id: auth.clientId })) : post('/oauth/revoke', form({ token: tok }), { ...FORM, authorization: basic(auth.id, auth.secret) });
    const install = async (p: Partner, scopes = ['payments:create', 'payments:read']) => (await installAndReceive(t, a, await merchantOrg(a), p, scopes)).data as { refresh_token: string; access_token: string };

    // The authorization code flow through the server's own sign-in and consent pages.
    const authorizeUrl = (client: Client, extra: Record<string, string> = {}) =>
      `/oauth/authorize?${form({ response_type: 'code', client_id: client.clientId, redirect_uri: REDIRECT, scope: 'payments:read', state: 'st-1', ...extra })}`;
    const authorize = async (client: Client, challenge: string | null, extra: Record<string, string> = {}) => {
      const web = new WebClient(t.app);
      const signIn = await web.get(authorizeUrl(client, challenge ? { code_challenge: challenge, code_challenge_method: 'S256', ...extra } : extra));
      expect(signIn.statusCode).toBe(200);
      const back = await web.submit(signIn, { email: owner.email, password: owner.password });
      const consent = await web.get(back.headers.location as string);
      expect(consent.statusCode).toBe(200);
      const approved = await web.submit(consent, { decision: 'approve', organization_id: merchantId });
      expect(approved.statusCode).toBe(303);
      return redirectParams(approved).get('code')!;
    };
    const exchange = (client: Client, code: string, verifier?: string, extra: Record<string, string> = {}) =>
      token(
        { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...(verifier ? { code_verifier: verifier } : {}), ...(client.clientSecret ? {} : { client_id: client.clientId }), ...extra },
        client.clientSecret ? { id: client.clientId, secret: client.clientSecret } : undefined,
      );
    const register = async (body: Record<string, unknown>): Promise<Client> => {
      const org = await a.post('/organizations', { type: 'partner', name: 'Code Partner' });
      const res = await a.post('/applications', { organization_id: org.json().id, scopes: ['payments:create', 'payments:read'], redirect_uris: [REDIRECT], ...body });
      if (res.statusCode !== 201) throw new Error(res.body);
      return { appId: res.json().id, clientId: res.json().client_id, clientSecret: res.json().client_secret, orgId: org.json().id };
    };

    beforeAll(async () => {
      t = await buildTestApp(dialect, { webhookAllowedNetworks: ['127.0.0.0/8'] });
      a = api(t.app, await adminToken(t));
      merchant = await merchantApp(a);
      reuse = await partnerApp(a, { grant_types: ['refresh_token', CIBA] });
      rotate = await partnerApp(a, { refresh_policy: 'rotate' });
      graceful = await partnerApp(a, { refresh_policy: 'rotate', refresh_grace_period: 10 });
      shortLived = await partnerApp(a, { refresh_token_ttl: 100 });
      codeClient = await register({ name: 'Code App', type: 'third_party', refresh_policy: 'rotate' });
      spa = await register({ name: 'SPA', type: 'public' });
      merchantId = await merchantOrg(a, 'Acme Shoes');
      owner = await createUser(t, { organizationId: merchantId, role: 'owner' });
    });
    afterAll(async () => t?.close());
    afterEach(() => {
      t.clock.set(T0);
      vi.restoreAllMocks();
    });

    it('D1: GET, PUT, DELETE or PATCH on /oauth/token (and the other POST endpoints) → 405 invalid_request with Allow: POST', async () => {
      // The catalogue allows 405 or 400; Grantry pins 405 (RFC 9110 §15.5.6) with an RFC 6749 body.
      for (const method of ['GET', 'PUT', 'DELETE', 'PATCH'] as const) {
        for (const url of ['/oauth/token', '/oauth/revoke', '/oauth/introspect']) {
          const res = await t.app.inject({ method, url, remoteAddress: addr(), headers: FORM, payload: method === 'GET' ? undefined : form(cc) });
          oauthError(res, 405, 'invalid_request');
          expect(res.headers.allow).toBe('POST');
        }
      }
    });

    it('D2: a JSON body (a documented feature, seed 002) is accepted only as one flat object of strings; anything else → 400 invalid_request', async () => {
      // The catalogue's "JSON → 400" does not apply: seed 002 clients send JSON, so Grantry accepts a
      // flat JSON object of strings exactly like a form. What is not such an object is refused.
      const json = (payload: string, auth = true) => post('/oauth/token', payload, { 'content-type': 'application/json', ...(auth ? { authorization: basic(merchant.clientId, merchant.clientSecret) } : {}) });
      const ok = await json(JSON.stringify(cc));
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['cache-control']).toBe('no-store');
      for (const payload of [
        JSON.stringify({ grant_type: 'client_credentials', scope: ['payments:create'] }),
        JSON.stringify({ grant_type: 'client_credentials', scope: { a: 'payments:create' } }),
        JSON.stringify({ grant_type: 'client_credentials', scope: 'payments:create', expires_in: 1 }),
        JSON.stringify({ grant_type: 'client_credentials', scope: null }),
        JSON.stringify({ grant_type: 'client_credentials', scope: true }),
        JSON.stringify([cc]),
        JSON.stringify('grant_type=client_credentials'),
        '42',
        '{"grant_type":"client_credentials",',
        '{"__proto__":{"grant_type":"client_credentials"}}',
        '{"constructor":{"prototype":{"x":"y"}}}',
      ]) {
        oauthError(await json(payload), 400, 'invalid_request');
      }
    });

    it('D3: multipart/form-data, text/plain and other content types → 400 invalid_request', async () => {
      const boundary = 'XyZ';
      const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_credentials\r\n--${boundary}--\r\n`;
      const auth = { authorization: basic(merchant.clientId, merchant.clientSecret) };
      for (const [type, payload] of [
        [`multipart/form-data; boundary=${boundary}`, multipart],
        ['text/plain', form(cc)],
        ['application/xml', '<grant_type>client_credentials</grant_type>'],
        ['application/x-www-form-urlencoded-but-not', form(cc)],
      ] as const) {
        oauthError(await post('/oauth/token', payload, { 'content-type': type, ...auth }), 400, 'invalid_request');
        oauthError(await post('/oauth/revoke', payload, { 'content-type': type, ...auth }), 400, 'invalid_request');
      }
    });

    it('D4: an empty body, or no body and no content type → 400 invalid_request (grant_type missing)', async () => {
      const auth = { authorization: basic(merchant.clientId, merchant.clientSecret) };
      const empty = oauthError(await post('/oauth/token', '', { ...FORM, ...auth }), 400, 'invalid_request');
      expect(empty.error_description).toMatch(/grant_type/);
      oauthError(await t.app.inject({ method: 'POST', url: '/oauth/token', remoteAddress: addr(), headers: auth }), 400, 'invalid_request');
      oauthError(await post('/oauth/token', '', { 'content-type': 'application/json', ...auth }), 400, 'invalid_request');
      // Parameters without a value are omitted (RFC 6749 §3.2).
      oauthError(await post('/oauth/token', 'grant_type=&scope=', { ...FORM, ...auth }), 400, 'invalid_request');
    });

    it('D5: a body over GRANTRY_BODY_LIMIT → 413 invalid_request; a Content-Length that does not match → 400; slow clients are timed out', async () => {
      // Grantry answers 413 (the catalogue allows it) with the RFC 6749 body; docs/errors.md says so.
      const auth = { authorization: basic(merchant.clientId, merchant.clientSecret) };
      const big = `${form(cc)}&pad=${'a'.repeat(t.rt.config.bodyLimit)}`;
      oauthError(await post('/oauth/token', big, { ...FORM, ...auth }), 413, 'invalid_request');
      oauthError(await post('/oauth/token', JSON.stringify({ ...cc, pad: 'a'.repeat(t.rt.config.bodyLimit) }), { 'content-type': 'application/json', ...auth }), 413, 'invalid_request');
      // Declares more than it sends: the body is cut short.
      const short = await post('/oauth/token', form(cc), { ...FORM, ...auth, 'content-length': String(form(cc).length + 50) });
      oauthError(short, 400, 'invalid_request');
      // Slow-loris: the server closes requests that take longer than 30 s and idle connections after 60 s.
      expect(t.app.server.requestTimeout).toBe(30_000);
      expect(t.app.initialConfig.connectionTimeout).toBe(60_000);
    });

    it('D6: a repeated grant_type, scope, refresh_token or client_id → 400 invalid_request', async () => {
      const auth = { authorization: basic(merchant.clientId, merchant.clientSecret) };
      for (const body of [
        'grant_type=refresh_token&grant_type=client_credentials&scope=payments:create',
        'grant_type=client_credentials&scope=payments:create&scope=payments:read',
        'grant_type=client_credentials&scope=&scope=payments:read',
        'grant_type=refresh_token&refresh_token=grt_a&refresh_token=grt_b',
        `grant_type=client_credentials&scope=payments:create&client_id=${merchant.clientId}&client_id=${merchant.clientId}`,
      ]) {
        const res = oauthError(await post('/oauth/token', body, { ...FORM, ...auth }), 400, 'invalid_request');
        expect(res.error_description).toMatch(/repeated/);
      }
      oauthError(await post('/oauth/revoke', 'token=a&token=b', { ...FORM, ...auth }), 400, 'invalid_request');
      oauthError(await post('/oauth/introspect', 'token=a&token=b', { ...FORM, ...auth }), 400, 'invalid_request');
    });

    it('D7: qs-style scope[]=a or scope[a]=b is an unknown parameter, never an object: the real parameter counts as absent', async () => {
      const auth = { authorization: basic(merchant.clientId, merchant.clientSecret) };
      // grant_type[] is not grant_type: grant_type is missing → invalid_request.
      oauthError(await post('/oauth/token', 'grant_type[]=client_credentials&scope=payments:create', { ...FORM, ...auth }), 400, 'invalid_request');
      oauthError(await post('/oauth/token', 'grant_type[a]=client_credentials&scope=payments:create', { ...FORM, ...auth }), 400, 'invalid_request');
      // scope[] is not scope: client_credentials without a scope → invalid_scope (seed 001: scope required).
      for (const body of ['grant_type=client_credentials&scope[]=payments:create', 'grant_type=client_credentials&scope[a]=payments:create']) {
        oauthError(await post('/oauth/token', body, { ...FORM, ...auth }), 400, 'invalid_scope');
      }
    });

    it('D8: an unknown grant_type → 400 unsupported_grant_type; a grant the client may not use → 400 unauthorized_client', async () => {
      for (const grant of ['password', 'implicit', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'CLIENT_CREDENTIALS', 'client_credentials ']) {
        oauthError(await token({ grant_type: grant, scope: 'payments:create' }, mCreds()), 400, 'unsupported_grant_type');
      }
      oauthError(await token({ grant_type: 'refresh_token', refresh_token: 'grt_x' }, mCreds()), 400, 'unauthorized_client');
      oauthError(await token({ grant_type: 'authorization_code', code: 'gac_x' }, mCreds()), 400, 'unauthorized_client');
      oauthError(await token({ grant_type: 'client_credentials', scope: 'payments:create' }, pCreds(reuse)), 400, 'unauthorized_client');
    });

    it('D9: client_id with NUL, CR/LF, non-VSCHAR or non-ASCII → 401 invalid_client before any lookup', async () => {
      const lookups = vi.spyOn(t.rt.tokenDeps.clients, 'get');
      const hostile = [`${merchant.clientId}\0`, '\0', `${merchant.clientId}\r\nX-Injected: 1`, `${merchant.clientId}\n`, 'cid\ttab', 'cid\x7f', 'cïd_ünïcode', 'cid_😀', `${merchant.clientId}\u2028`];
      for (const id of hostile) {
        // client_secret_post: in the body.
        const inBody = await post('/oauth/token', form({ ...cc, client_id: id, client_secret: merchant.clientSecret }));
        const unknown = oauthError(inBody, 401, 'invalid_client');
        // client_secret_basic: form-encoded inside Basic, as RFC 6749 §2.3.1 asks.
        oauthError(await token(cc, { id, secret: merchant.clientSecret }), 401, 'invalid_client');
        // The same answer as an unknown client.
        const ref = oauthError(await token(cc, { id: 'cid_unknown_client', secret: merchant.clientSecret }), 401, 'invalid_client');
        expect(unknown.error_description).toBe(ref.error_description);
        // Public-client style (no secret) and on the other endpoints that authenticate clients.
        oauthError(await post('/oauth/token', form({ grant_type: 'authorization_code', code: 'gac_x', client_id: id })), 401, 'invalid_client');
        oauthError(await post('/oauth/revoke', form({ token: 'x', client_id: id })), 401, 'invalid_client');
        oauthError(await post('/oauth/introspect', form({ token: 'x', client_id: id, client_secret: 'x' })), 401, 'invalid_client');
      }
      const lookedUp = lookups.mock.calls.map(([id]) => id);
      for (const id of hostile) expect(lookedUp).not.toContain(id);
      expect(lookedUp).toContain('cid_unknown_client');
    });

    it('D10: Basic credentials not form-encoded — client id "an:identifier" sent raw → split at the first colon → 401 invalid_client', async () => {
      const imported = await merchantApp(a, ['payments:create'], { client_id: 'an:identifier', client_secret: 'imported-secret-0123456789-abcdefghij' });
      const res = await post('/oauth/token', form(cc), { ...FORM, authorization: rawBasic(`an:identifier:${imported.clientSecret}`) });
      oauthError(res, 401, 'invalid_client');
    });

    it('D11: a raw secret containing ":" still authenticates (everything after the first colon is the password); generated secrets are base64url', async () => {
      const imported = await merchantApp(a, ['payments:create'], { client_id: 'cid_colon_secret', client_secret: 'colon:in:the:secret:0123456789abcdef' });
      const res = await post('/oauth/token', form(cc), { ...FORM, authorization: rawBasic(`cid_colon_secret:${imported.clientSecret}`) });
      expect(res.statusCode, res.body).toBe(200);
      // Grantry's own secrets need no encoding at all.
      expect(merchant.clientSecret).toMatch(/^gs_[A-Za-z0-9_-]{43}$/);
      expect(merchant.clientId).toMatch(/^[A-Za-z0-9_-]+$/);
    });

    it('D12: a raw secret containing "+" form-decodes to a space → 401 invalid_client with WWW-Authenticate', async () => {
      const imported = await merchantApp(a, ['payments:create'], { client_id: 'cid_plus_secret', client_secret: 'plus+in+the+secret+0123456789abcdef' });
      oauthError(await post('/oauth/token', form(cc), { ...FORM, authorization: rawBasic(`cid_plus_secret:${imported.clientSecret}`) }), 401, 'invalid_client');
      // Encoded as RFC 6749 §2.3.1 asks, it works.
      expect((await token(cc, { id: 'cid_plus_secret', secret: imported.clientSecret })).statusCode).toBe(200);
    });

    it('D13: a %-sequence that cannot be decoded in Basic → 401 invalid_client (Grantry: a malformed Basic credential is a failed authentication)', async () => {
      // The catalogue suggests 400 invalid_request; Grantry answers 401 invalid_client with the Basic
      // challenge for every unusable Basic credential, counted by the failure limits (docs/errors.md).
      for (const raw of [`${merchant.clientId}:foo with %`, `${merchant.clientId}:%E0%A4%A`, `%zz:${merchant.clientSecret}`]) {
        oauthError(await post('/oauth/token', form(cc), { ...FORM, authorization: rawBasic(raw) }), 401, 'invalid_client');
      }
      // In a form body a stray "%" is taken literally (WHATWG form decoding): a wrong secret, 401.
      oauthError(await post('/oauth/token', `${form(cc)}&client_id=${merchant.clientId}&client_secret=foo%`), 401, 'invalid_client');
    });

    it('D14: correctly encoded exotic credentials ("an:identifier", "\'%&+:") → 200', async () => {
      const id = "an:identifier'%&+";
      const secret = "s3cr'%&+:=/?#[]@!$()*,;-0123456789abcdef";
      await merchantApp(a, ['payments:create'], { client_id: id, client_secret: secret });
      const res = await token(cc, { id, secret });
      expect(res.statusCode, res.body).toBe(200);
      expect(claims(res.json().access_token).client_id).toBe(id);
      // client_secret_post with the same values.
      expect((await post('/oauth/token', form({ ...cc, client_id: id, client_secret: secret }))).statusCode).toBe(200);
    });

    it('D15: Authorization: Basic with no value, non-base64 data, no colon, or another scheme → 401 invalid_client (Grantry\'s choice; catalogue: 400)', async () => {
      // Kept on purpose (docs/errors.md): RFC 6749 §5.2 names "unsupported authentication method" as
      // invalid_client; the 401 carries the Basic challenge so the client learns the scheme to use,
      // and each attempt counts against the client-authentication failure limits.
      for (const header of ['Basic', 'Basic ', 'Basic !!!not-base64!!!', rawBasic(merchant.clientId), `Bearer ${merchant.clientSecret}`, 'Digest username="x"', `Basic ${Buffer.from(`${merchant.clientId}:${merchant.clientSecret}`).toString('base64')} trailing`]) {
        oauthError(await post('/oauth/token', form(cc), { ...FORM, authorization: header }), 401, 'invalid_client');
      }
    });

    it('D16: Basic credentials and client_secret in the body → 400 invalid_request (one method only)', async () => {
      const res = await post('/oauth/token', form({ ...cc, client_secret: merchant.clientSecret }), { ...FORM, authorization: basic(merchant.clientId, merchant.clientSecret) });
      expect(oauthError(res, 400, 'invalid_request').error_description).toMatch(/both/);
      oauthError(await post('/oauth/token', form({ ...cc, client_id: 'someone_else' }), { ...FORM, authorization: basic(merchant.clientId, merchant.clientSecret) }), 400, 'invalid_request');
    });

    it('D17: a wrong or expired secret → 401 invalid_client with WWW-Authenticate: Basic realm', async () => {
      const wrong = oauthError(await token(cc, { id: merchant.clientId, secret: `${merchant.clientSecret}x` }), 401, 'invalid_client');
      oauthError(await token(cc, { id: merchant.clientId, secret: merchant.clientSecret.slice(0, 10) }), 401, 'invalid_client');
      oauthError(await token(cc, { id: merchant.clientId, secret: '' }), 401, 'invalid_client');
      const app = await merchantApp(a, ['payments:create']);
      const rotated = await a.post(`/applications/${app.appId}/secrets`, { expires_in: 60 });
      expect(rotated.statusCode).toBe(201);
      const fresh = rotated.json().client_secret as string;
      expect((await token(cc, { id: app.clientId, secret: fresh })).statusCode).toBe(200);
      t.clock.advance(60_001);
      const expired = oauthError(await token(cc, { id: app.clientId, secret: fresh }), 401, 'invalid_client');
      // One answer for every failure; the comparison is HMAC-then-timingSafeEqual on fixed-length digests,
      // so its time depends on neither the secret's prefix nor its length.
      expect(expired.error_description).toBe(wrong.error_description);
    });

    it('D18: 1000 wrong secrets for one client → 429 with Retry-After after the threshold; the client elsewhere, and after the window, still works', async () => {
      const victim = await merchantApp(a, ['payments:create']);
      const attacker = '192.0.2.18';
      const statuses: number[] = [];
      let blocked: LightMyRequestResponse | undefined;
      for (let i = 0; i < 1000; i++) {
        const res = await token(cc, { id: victim.clientId, secret: `guess-${i}` }, attacker);
        statuses.push(res.statusCode);
        if (res.statusCode === 429) blocked = res;
      }
      const limit = t.rt.config.clientAuthFailureLimit;
      expect(statuses.slice(0, limit).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(limit).every((s) => s === 429)).toBe(true);
      oauthError(blocked!, 429, 'invalid_client');
      expect(Number(blocked!.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(blocked!.headers['retry-after'])).toBeLessThanOrEqual(60);
      // Even the right secret is refused from the guessing address while blocked …
      expect((await token(cc, { id: victim.clientId, secret: victim.clientSecret }, attacker)).statusCode).toBe(429);
      // … but the victim, at its own address, is never locked out, and the block ends with the window.
      expect((await token(cc, { id: victim.clientId, secret: victim.clientSecret })).statusCode).toBe(200);
      t.clock.advance(60_001);
      expect((await token(cc, { id: victim.clientId, secret: victim.clientSecret }, attacker)).statusCode).toBe(200);
    });

    it('D19: a refresh token that is expired, revoked, unknown or random → 400 invalid_grant', async () => {
      const expiring = await install(shortLived);
      t.clock.advance(100_001);
      oauthError(await refresh(shortLived, expiring.refresh_token), 400, 'invalid_grant');
      t.clock.set(T0);
      const revoked = await install(reuse);
      expect((await revoke(pCreds(reuse), revoked.refresh_token)).statusCode).toBe(200);
      oauthError(await refresh(reuse, revoked.refresh_token), 400, 'invalid_grant');
      oauthError(await refresh(reuse, `grt_${'A'.repeat(43)}`), 400, 'invalid_grant');
      oauthError(await refresh(reuse, 'random-garbage'), 400, 'invalid_grant');
      oauthError(await refresh(reuse, 'grt_'), 400, 'invalid_grant');
      oauthError(await refresh(reuse, `grt_${'x'.repeat(5000)}`), 400, 'invalid_grant');
    });

    it('D20: the refresh token of client A presented by client B → 400 invalid_grant; A\'s family is not revoked', async () => {
      const data = await install(rotate);
      const other = await partnerApp(a, { refresh_policy: 'rotate' });
      oauthError(await refresh(other, data.refresh_token), 400, 'invalid_grant');
      const stillMine = await refresh(rotate, data.refresh_token);
      expect(stillMine.statusCode).toBe(200);
      expect(stillMine.json().refresh_token).toMatch(/^grt_/);
    });

    it('D21: a refresh asking for a scope outside the grant → 400 invalid_scope', async () => {
      const data = await install(reuse, ['payments:read']);
      oauthError(await refresh(reuse, data.refresh_token, { scope: 'payments:read payments:create' }), 400, 'invalid_scope');
      oauthError(await refresh(reuse, data.refresh_token, { scope: 'refunds:create' }), 400, 'invalid_scope');
      oauthError(await refresh(reuse, data.refresh_token, { scope: 'grantry:admin' }), 400, 'invalid_scope');
      expect((await refresh(reuse, data.refresh_token)).statusCode).toBe(200);
    });

    it('D22: a refresh with a narrower scope → 200 with a narrowed access token; the new refresh token keeps the original scope', async () => {
      const data = await install(rotate);
      const narrowed = await refresh(rotate, data.refresh_token, { scope: 'payments:read' });
      expect(narrowed.statusCode).toBe(200);
      expect(narrowed.json().scope).toBe('payments:read');
      expect(claims(narrowed.json().access_token).scope).toBe('payments:read');
      const next = await refresh(rotate, narrowed.json().refresh_token);
      expect(next.statusCode).toBe(200);
      expect(next.json().scope).toBe('payments:create payments:read');
    });

    it('D23: the same rotating refresh token sent 20× concurrently (grace 0) → exactly one 200, the rest invalid_grant, never a 5xx', async () => {
      const data = await install(rotate);
      const results = await Promise.all(Array.from({ length: 20 }, () => refresh(rotate, data.refresh_token)));
      expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
      for (const r of results.filter((x) => x.statusCode !== 200)) oauthError(r, 400, 'invalid_grant');
      // The losers were reuse: the family is revoked, so the winner's token is dead too (no second active family).
      const winner = results.find((r) => r.statusCode === 200)!.json();
      oauthError(await refresh(rotate, winner.refresh_token), 400, 'invalid_grant');
    });

    it('D24: the old refresh token reused after the grace window → 400 invalid_grant; the new refresh and access tokens turn inactive', async () => {
      const data = await install(graceful);
      const first = await refresh(graceful, data.refresh_token);
      expect(first.statusCode).toBe(200);
      // Within the grace window: the same pair again (a lost response).
      t.clock.advance(5_000);
      expect((await refresh(graceful, data.refresh_token)).json().refresh_token).toBe(first.json().refresh_token);
      t.clock.advance(6_000);
      oauthError(await refresh(graceful, data.refresh_token), 400, 'invalid_grant');
      expect((await introspect(pCreds(graceful), first.json().refresh_token)).json()).toEqual({ active: false });
      expect((await introspect(pCreds(graceful), first.json().access_token)).json()).toEqual({ active: false });
      oauthError(await refresh(graceful, first.json().refresh_token), 400, 'invalid_grant');
    });

    it('D25: an authorization code replayed → 400 invalid_grant and the first tokens revoked; of concurrent redemptions exactly one wins', async () => {
      const { verifier, challenge } = pkce();
      const code = await authorize(codeClient, challenge);
      const first = await exchange(codeClient, code, verifier);
      expect(first.statusCode).toBe(200);
      oauthError(await exchange(codeClient, code, verifier), 400, 'invalid_grant');
      const creds = { id: codeClient.clientId, secret: codeClient.clientSecret! };
      expect((await introspect(creds, first.json().access_token)).json()).toEqual({ active: false });
      expect((await introspect(creds, first.json().refresh_token)).json()).toEqual({ active: false });

      const pair = pkce();
      const raced = await authorize(codeClient, pair.challenge);
      const results = await Promise.all(Array.from({ length: 10 }, () => exchange(codeClient, raced, pair.verifier)));
      expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
      for (const r of results.filter((x) => x.statusCode !== 200)) oauthError(r, 400, 'invalid_grant');
    });

    it('D26: PKCE — missing or wrong verifier → invalid_grant; verifier without challenge → invalid_grant; plain → invalid_request at /authorize; 42/129 chars or "+" → invalid_request', async () => {
      const { verifier, challenge } = pkce();
      oauthError(await exchange(codeClient, await authorize(codeClient, challenge)), 400, 'invalid_grant');
      oauthError(await exchange(codeClient, await authorize(codeClient, challenge), pkce().verifier), 400, 'invalid_grant');
      oauthError(await exchange(codeClient, await authorize(codeClient, null), verifier), 400, 'invalid_grant');
      oauthError(await exchange(spa, await authorize(spa, challenge)), 400, 'invalid_grant');
      // plain is refused at the authorization endpoint, by redirect.
      const plain = await new WebClient(t.app).get(authorizeUrl(codeClient, { code_challenge: verifier, code_challenge_method: 'plain' }));
      expect(plain.statusCode).toBe(303);
      expect(redirectParams(plain).get('error')).toBe('invalid_request');
      expect(redirectParams(plain).get('state')).toBe('st-1');
      // A malformed verifier is refused before the code is looked at (and does not spend it).
      const code = await authorize(codeClient, challenge);
      for (const bad of ['a'.repeat(42), 'a'.repeat(129), `${'a'.repeat(42)}+`, `${'a'.repeat(42)} `, `${'a'.repeat(42)}\0`]) {
        oauthError(await exchange(codeClient, code, bad), 400, 'invalid_request');
      }
      expect((await exchange(codeClient, code, verifier)).statusCode).toBe(200);
    });

    it('D27: a redirect_uri at /token that differs, has a trailing slash, a case change or an extra query → 400 invalid_grant (exact match)', async () => {
      for (const uri of ['https://partner.example/other', `${REDIRECT}/`, 'https://Partner.example/callback', 'https://partner.example/Callback', `${REDIRECT}?x=1`, `${REDIRECT}#`, `${REDIRECT}%20`]) {
        const { verifier, challenge } = pkce();
        const code = await authorize(codeClient, challenge);
        oauthError(await exchange(codeClient, code, verifier, { redirect_uri: uri }), 400, 'invalid_grant');
      }
    });

    it('D28: clock edges — one server clock decides: access token at exp−1 s active, at exp inactive; code at 60 s; refresh idle expiry ±1 s', async () => {
      // Grantry accepts no client-supplied time (no JWT client assertions), so a client clock 10 minutes
      // fast changes nothing; every decision uses the server's one clock.
      const at = (await token(cc, mCreds())).json().access_token as string;
      const { exp } = claims(at);
      t.clock.set(exp * 1000 - 1000);
      expect((await introspect(mCreds(), at)).json().active).toBe(true);
      t.clock.set(exp * 1000);
      expect((await introspect(mCreds(), at)).json()).toEqual({ active: false });
      t.clock.set(exp * 1000 + 1000);
      expect((await introspect(mCreds(), at)).json()).toEqual({ active: false });

      t.clock.set(T0);
      const { verifier, challenge } = pkce();
      const late = await authorize(codeClient, challenge);
      t.clock.advance(60_000);
      oauthError(await exchange(codeClient, late, verifier), 400, 'invalid_grant');
      t.clock.set(T0);
      const onTime = await authorize(codeClient, challenge);
      t.clock.advance(59_000);
      expect((await exchange(codeClient, onTime, verifier)).statusCode).toBe(200);

      t.clock.set(T0);
      const a1 = await install(shortLived);
      const a2 = await install(shortLived);
      t.clock.advance(99_000);
      expect((await refresh(shortLived, a1.refresh_token)).statusCode).toBe(200);
      t.clock.set(T0 + 100_000);
      oauthError(await refresh(shortLived, a2.refresh_token), 400, 'invalid_grant');
    });

    it('D29: SQL-looking strings, NUL and 10 KB of "%" in every parameter → the parameter\'s normal 4xx, never a 5xx', async () => {
      const ciba = await partnerApp(a, { grant_types: ['refresh_token', CIBA] });
      const data = await install(reuse);
      const hostile = ["' OR 1=1--", '"; DROP TABLE applications; --', "'); DELETE FROM refresh_tokens; --", '\0', 'a\0b', '%'.repeat(10_000), '\\x00\\', '$1::text'];
      const auth = (p: { clientId: string; clientSecret: string }) => ({ ...FORM, authorization: basic(p.clientId, p.clientSecret) });
      // [endpoint, base params, parameter, expected status, expected code, headers]
      const cases: [string, Record<string, string>, string, number, string, Record<string, string>][] = [
        ['/oauth/token', cc, 'client_id', 401, 'invalid_client', FORM],
        ['/oauth/token', { ...cc, client_id: merchant.clientId }, 'client_secret', 401, 'invalid_client', FORM],
        ['/oauth/token', { scope: 'payments:create' }, 'grant_type', 400, 'unsupported_grant_type', auth(merchant)],
        ['/oauth/token', { grant_type: 'client_credentials' }, 'scope', 400, 'invalid_scope', auth(merchant)],
        ['/oauth/token', { grant_type: 'refresh_token' }, 'refresh_token', 400, 'invalid_grant', auth(reuse)],
        ['/oauth/token', { grant_type: 'refresh_token', refresh_token: data.refresh_token }, 'scope', 400, 'invalid_scope', auth(reuse)],
        ['/oauth/token', { grant_type: 'authorization_code' }, 'code', 400, 'invalid_grant', auth({ clientId: codeClient.clientId, clientSecret: codeClient.clientSecret! })],
        ['/oauth/token', { grant_type: 'authorization_code', code: 'gac_x' }, 'code_verifier', 400, 'invalid_request', auth({ clientId: codeClient.clientId, clientSecret: codeClient.clientSecret! })],
        ['/oauth/token', { grant_type: 'authorization_code', code: 'gac_x' }, 'redirect_uri', 400, 'invalid_grant', auth({ clientId: codeClient.clientId, clientSecret: codeClient.clientSecret! })],
        ['/oauth/token', { grant_type: CIBA }, 'auth_req_id', 400, 'invalid_grant', auth(ciba)],
        ['/oauth/revoke', {}, 'client_id', 401, 'invalid_client', FORM],
        ['/oauth/introspect', {}, 'client_id', 401, 'invalid_client', FORM],
        ['/oauth/bc-authorize', { scope: 'payments:read' }, 'login_hint', 400, 'unknown_user_id', auth(ciba)],
        ['/oauth/bc-authorize', { login_hint: owner.email }, 'scope', 400, 'invalid_scope', auth(ciba)],
      ];
      for (const [url, base, param, status, code, headers] of cases) {
        for (const value of hostile) {
          // 10 KB of "%" is sent raw (the form parser takes a stray "%" literally); encoded it would be
          // 30 KB, over the body limit (D5). The rest is form-encoded, NUL included (%00).
          const res = value.startsWith('%') ? await post(url, `${form(base)}&${param}=${value}`, headers) : await post(url, form({ ...base, [param]: value }), headers);
          // A value holding a NUL is refused as malformed before anything reads it; credentials are
          // judged by client authentication instead (D9).
          if (value.includes('\0') && param !== 'client_id' && param !== 'client_secret') oauthError(res, 400, 'invalid_request');
          else oauthError(res, status, code);
        }
      }
      // token and token_type_hint: unknown tokens are not an error (RFC 7009 §2.2, RFC 7662 §2.2).
      for (const value of hostile.filter((v) => !v.includes('\0'))) {
        const body = value.startsWith('%') ? `token=${value}&token_type_hint=hint` : form({ token: value, token_type_hint: value });
        expect((await post('/oauth/revoke', body, auth(reuse))).statusCode).toBe(200);
        const inspected = await post('/oauth/introspect', body, auth(reuse));
        expect(inspected.statusCode).toBe(200);
        expect(inspected.json()).toEqual({ active: false });
      }
      for (const url of ['/oauth/revoke', '/oauth/introspect']) oauthError(await post(url, form({ token: 'a\0b' }), auth(reuse)), 400, 'invalid_request');
      // The authorization endpoint: a hostile scope is redirected as invalid_scope, state encoded.
      for (const value of hostile) {
        const scoped = await new WebClient(t.app, {}, addr()).get(authorizeUrl(codeClient, { scope: value, state: value, code_challenge: pkce().challenge, code_challenge_method: 'S256' }));
        expect(scoped.statusCode).toBe(303);
        expect(redirectParams(scoped).get('error')).toBe('invalid_scope');
        expect(redirectParams(scoped).get('state')).toBe(value);
        cleanHeaders(scoped);
      }
      // The database still holds what it held.
      expect((await a.get(`/applications/${merchant.appId}`)).statusCode).toBe(200);
      expect((await refresh(reuse, data.refresh_token)).statusCode).toBe(200);
    });

    // Was a 500 on PostgreSQL (NUL reached the lookup); authorize.ts now checks the syntax first.
    it('D29 (authorization endpoint): hostile client_id values → the unknown-client error page (400), never a redirect or a 5xx', async () => {
      for (const value of ["' OR 1=1--", '"; DROP TABLE applications; --', '%'.repeat(10_000), '\0', 'a\0b']) {
        const page = await new WebClient(t.app, {}, addr()).get(`/oauth/authorize?${form({ response_type: 'code', client_id: value, redirect_uri: REDIRECT, state: 'x' })}`);
        expect(page.statusCode, JSON.stringify(value).slice(0, 40)).toBe(400);
        expect(page.headers.location).toBeUndefined();
      }
    });

    it('D30: CR/LF in state, redirect_uri or scope is never reflected raw into Location, WWW-Authenticate or error_description', async () => {
      const crlf = 'x\r\nSet-Cookie: pwned=1';
      const web = new WebClient(t.app);
      // state: sent back percent-encoded in the error redirect (Grantry echoes state as RFC 6749 §4.1.2.1 asks; never raw).
      const state = await web.get(authorizeUrl(codeClient, { response_type: 'token', state: crlf }));
      expect(state.statusCode).toBe(303);
      cleanHeaders(state);
      expect(redirectParams(state).get('state')).toBe(crlf);
      expect(redirectParams(state).get('error_description')).toMatch(DESCRIPTION_CHARSET);
      // scope: refused (not a scope-token), with a description that does not quote it.
      const scope = await web.get(authorizeUrl(codeClient, { scope: `payments:read\r\nSet-Cookie: pwned=1` }));
      cleanHeaders(scope);
      expect(redirectParams(scope).get('error')).toBe('invalid_scope');
      expect(redirectParams(scope).get('error_description')).toMatch(DESCRIPTION_CHARSET);
      // redirect_uri: not registered → an error page, no Location at all.
      const redirect = await web.get(authorizeUrl(codeClient, { redirect_uri: `${REDIRECT}\r\nLocation: https://evil.example` }));
      expect(redirect.statusCode).toBe(400);
      expect(redirect.headers.location).toBeUndefined();
      cleanHeaders(redirect);
      expect(redirect.body).not.toContain('\r\nLocation');

      // The token endpoint: the same values, and parameter *names*, never reach a header or a description raw.
      const codeAuth = { ...FORM, authorization: basic(codeClient.clientId, codeClient.clientSecret!) };
      const cases: [LightMyRequestResponse, number, string][] = [
        [await token({ grant_type: 'client_credentials', scope: `payments:create\r\nX: 1` }, mCreds()), 400, 'invalid_scope'],
        [await post('/oauth/token', form({ grant_type: 'authorization_code', code: 'gac_x', redirect_uri: `${REDIRECT}\r\nX: 1` }), codeAuth), 400, 'invalid_grant'],
        [await token({ ...cc, client_id: `cid\r\nX: 1`, client_secret: 'x' }), 401, 'invalid_client'],
        [await token(cc, { id: `cid\r\nWWW-Authenticate: Bearer`, secret: 'x' }), 401, 'invalid_client'],
        [await post('/oauth/token', `${form(cc)}&a%0d%0aX-Injected%3a%201=1&a%0d%0aX-Injected%3a%201=2`, { ...FORM, authorization: basic(merchant.clientId, merchant.clientSecret) }), 400, 'invalid_request'],
        [await post('/oauth/token', `${form(cc)}&%22%5C%00=1&%22%5C%00=2`, { ...FORM, authorization: basic(merchant.clientId, merchant.clientSecret) }), 400, 'invalid_request'],
        [await post('/oauth/token', JSON.stringify({ ...cc, 'a\r\nX-Injected: 1': 1 }), { 'content-type': 'application/json', authorization: basic(merchant.clientId, merchant.clientSecret) }), 400, 'invalid_request'],
        [await post('/oauth/token', JSON.stringify({ ...cc, 'é"\\': [] }), { 'content-type': 'application/json', authorization: basic(merchant.clientId, merchant.clientSecret) }), 400, 'invalid_request'],
      ];
      for (const [res, status, code] of cases) {
        oauthError(res, status, code);
        cleanHeaders(res);
      }
    });

    it('D31: revoking an unknown token → 200; revoking another client\'s token → 400 unauthorized_client (confidential and public), nothing revoked', async () => {
      expect((await revoke(pCreds(reuse), `grt_${'Z'.repeat(43)}`)).statusCode).toBe(200);
      expect((await revoke(pCreds(reuse), 'not-a-token')).statusCode).toBe(200);
      expect((await revoke({ clientId: spa.clientId }, 'not-a-token')).statusCode).toBe(200);
      const theirs = await install(rotate);
      const at = (await token(cc, mCreds())).json().access_token as string;
      // Grantry answers unauthorized_client (the catalogue suggests invalid_request; node-oidc-provider
      // answers a public client with a silent 200). Both refusals say the same thing: not yours.
      oauthError(await revoke(pCreds(reuse), theirs.refresh_token), 400, 'unauthorized_client');
      oauthError(await revoke(pCreds(reuse), at), 400, 'unauthorized_client');
      oauthError(await revoke({ clientId: spa.clientId }, theirs.refresh_token), 400, 'unauthorized_client');
      oauthError(await revoke({ clientId: spa.clientId }, at), 400, 'unauthorized_client');
      // Nothing was revoked.
      expect((await introspect(pCreds(rotate), theirs.refresh_token)).json().active).toBe(true);
      expect((await introspect(mCreds(), at)).json().active).toBe(true);
      // Revocation authenticates like the token endpoint.
      oauthError(await post('/oauth/revoke', form({ token: at })), 401, 'invalid_client');
      oauthError(await revoke({ id: merchant.clientId, secret: 'wrong' }, at), 401, 'invalid_client');
      oauthError(await post('/oauth/revoke', form({}), { ...FORM, authorization: basic(merchant.clientId, merchant.clientSecret) }), 400, 'invalid_request');
    });

    it('D32: introspection without authentication → 401 invalid_client; another client\'s token → {"active": false} only', async () => {
      const at = (await token(cc, mCreds())).json().access_token as string;
      oauthError(await post('/oauth/introspect', form({ token: at })), 401, 'invalid_client');
      oauthError(await post('/oauth/introspect', form({ token: at }), { ...FORM, authorization: `Bearer ${at}` }), 401, 'invalid_client');
      oauthError(await introspect({ id: merchant.clientId, secret: 'wrong' }, at), 401, 'invalid_client');
      const theirs = await install(reuse);
      const other = await merchantApp(a, ['payments:read']);
      expect((await introspect({ id: other.clientId, secret: other.clientSecret }, at)).json()).toEqual({ active: false });
      expect((await introspect({ id: other.clientId, secret: other.clientSecret }, theirs.refresh_token)).json()).toEqual({ active: false });
      expect((await introspect({ id: other.clientId, secret: other.clientSecret }, theirs.access_token)).json()).toEqual({ active: false });
      // The owner sees its own.
      expect((await introspect(mCreds(), at)).json()).toMatchObject({ active: true, client_id: merchant.clientId });
    });

    it('D33: management API — another tenant\'s object (BOLA) → 404, never 403 and never the object', async () => {
      const problem = (res: LightMyRequestResponse, status: number) => {
        expect(res.statusCode, res.body.slice(0, 300)).toBe(status);
        expect(res.headers['content-type']).toContain('application/problem+json');
      };
      // Objects addressed through another parent: a webhook or secret of app A under app B's path.
      const appA = await partnerApp(a);
      const appB = await partnerApp(a);
      const hookA = (await a.get(`/applications/${appA.appId}/webhooks`)).json().items[0].id as string;
      const secretA = (await a.get(`/applications/${appA.appId}/secrets`)).json().items[0].id as string;
      problem(await a.get(`/applications/${appB.appId}/webhooks/${hookA}`), 404);
      problem(await a.patch(`/applications/${appB.appId}/webhooks/${hookA}`, { enabled: false }), 404);
      problem(await a.delete(`/applications/${appB.appId}/webhooks/${hookA}`), 404);
      problem(await a.delete(`/applications/${appB.appId}/secrets/${secretA}`), 404);
      expect((await a.get(`/applications/${appA.appId}/webhooks/${hookA}`)).statusCode).toBe(200);
      expect((await a.get(`/applications/${appA.appId}/secrets`)).json().items.find((s: { id: string }) => s.id === secretA).active).toBe(true);
      // Ids that do not exist, or are not ids at all: 404 like any other …
      for (const id of ['app_doesnotexist', "' OR 1=1--", '..%2F..%2Fscopes', '%2500']) {
        problem(await a.get(`/applications/${id}`), 404);
        problem(await a.get(`/installations/${id}`), 404);
      }
      // … and one holding a NUL is never a 5xx: SQLite finds nothing (404); PostgreSQL refuses the value
      // (22021), which the error handler answers as malformed input (400).
      problem(await a.get('/applications/app_%00'), dialect === 'postgres' ? 400 : 404);
      problem(await a.get('/installations/%00'), dialect === 'postgres' ? 400 : 404);

      // A person (console user) sees only what concerns them: another person's decoupled request is 404.
      const platform = (await a.get('/organizations?type=platform')).json().items[0].id;
      const consoleRedirect = 'http://127.0.0.1:1/console/callback';
      const consoleApp = (await a.post('/applications', { name: 'Console', type: 'public', organization_id: platform, scopes: ['grantry:console'], redirect_uris: [consoleRedirect] })).json();
      const userToken = async (user: TestUser) => {
        const res = await firstPartySignIn(t.app, { clientId: consoleApp.client_id, redirectUri: consoleRedirect }, user);
        expect(res.statusCode, res.body).toBe(200);
        return res.json().access_token as string;
      };
      const other = await createUser(t, { organizationId: await merchantOrg(a, 'Other Shop'), role: 'owner' });
      const ciba = await partnerApp(a, { grant_types: ['refresh_token', CIBA] });
      const bc = await post('/oauth/bc-authorize', form({ scope: 'payments:read', login_hint: owner.email, binding_message: 'BOLA-1' }), { ...FORM, authorization: basic(ciba.clientId, ciba.clientSecret) });
      expect(bc.statusCode, bc.body).toBe(200);
      const mine = api(t.app, await userToken(owner));
      const theirs = api(t.app, await userToken(other));
      const request = (await mine.get('/decoupled-requests?status=pending')).json().items.find((r: { binding_message: string }) => r.binding_message === 'BOLA-1');
      expect(request).toBeDefined();
      problem(await theirs.get(`/decoupled-requests/${request.id}`), 404);
      problem(await theirs.post(`/decoupled-requests/${request.id}/approve`, {}), 404);
      problem(await theirs.post(`/decoupled-requests/${request.id}/deny`, {}), 404);
      expect((await theirs.get('/decoupled-requests')).json().items.map((r: { id: string }) => r.id)).not.toContain(request.id);
      expect((await mine.get(`/decoupled-requests/${request.id}`)).json().status).toBe('pending');
      // Another tenant's installation or application is 404 for a person, exactly like an id that does
      // not exist (same status, same wording), so the answer confirms nothing.
      const inst = (await a.get('/installations')).json().items[0].id as string;
      for (const [real, fake, path] of [[inst, 'ins_doesnotexist', 'installations'], [appA.appId, 'app_doesnotexist', 'applications']] as const) {
        const seen = await theirs.get(`/${path}/${real}`);
        const none = await theirs.get(`/${path}/${fake}`);
        problem(seen, 404);
        problem(none, 404);
        expect(seen.json().detail.replace(real, 'ID')).toBe(none.json().detail.replace(fake, 'ID'));
      }
    });

    it('D34: management API mass assignment — client_secret, client_id, is_confidential, status, type or organization_id in a PATCH → 400 (strict schema), nothing changed', async () => {
      const app = await merchantApp(a, ['payments:create']);
      const before = (await a.get(`/applications/${app.appId}`)).json();
      for (const body of [
        { client_secret: 'x'.repeat(40) },
        { client_id: 'cid_taken_over' },
        { is_confidential: false },
        { status: 'disabled' },
        { type: 'native' },
        { organization_id: reuse.orgId },
        { name: 'Renamed', secrets: [] },
        { name: 'Renamed', id: 'app_other' },
        { name: 'Renamed', created_at: 0 },
      ]) {
        const res = await a.patch(`/applications/${app.appId}`, body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json().type).toBe('urn:grantry:problem:invalid_input');
      }
      expect((await a.get(`/applications/${app.appId}`)).json()).toEqual(before);
      expect((await token(cc, { id: app.clientId, secret: app.clientSecret })).statusCode).toBe(200);
      // The same on installations and webhook subscriptions.
      const merchantForInstall = await merchantOrg(a);
      const installed = await a.post('/installations', { organization_id: merchantForInstall, application_id: reuse.appId, scopes: ['payments:read'] });
      for (const body of [{ scopes: ['payments:read'], status: 'uninstalled' }, { scopes: ['payments:read'], application_id: rotate.appId }, { scopes: ['payments:read'], organization_id: merchantId }]) {
        expect((await a.patch(`/installations/${installed.json().id}`, body)).statusCode).toBe(400);
      }
      const hook = (await a.get(`/applications/${reuse.appId}/webhooks`)).json().items[0].id as string;
      expect((await a.patch(`/applications/${reuse.appId}/webhooks/${hook}`, { enabled: true, secret: 'whsec_mine' })).statusCode).toBe(400);
      expect((await a.patch(`/applications/${reuse.appId}/webhooks/${hook}`, { enabled: true, url: 'https://evil.example' })).statusCode).toBe(400);
    });

    it(`Parameter-count limit (issue 8 point 5): a form or JSON body with more than ${MAX_PARAMS} parameters → 400 invalid_request`, async () => {
      const auth = { authorization: basic(merchant.clientId, merchant.clientSecret) };
      const padding = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`x${i}`, 'y']));
      // At the limit: fine (unknown parameters are ignored, RFC 6749 §3.2).
      const atLimit = { ...cc, ...padding(MAX_PARAMS - 2) };
      expect((await post('/oauth/token', form(atLimit), { ...FORM, ...auth })).statusCode).toBe(200);
      expect((await post('/oauth/token', JSON.stringify(atLimit), { 'content-type': 'application/json', ...auth })).statusCode).toBe(200);
      // One more: refused, whatever the values (empty ones count too: they were sent).
      const over = { ...cc, ...padding(MAX_PARAMS - 1) };
      oauthError(await post('/oauth/token', form(over), { ...FORM, ...auth }), 400, 'invalid_request');
      oauthError(await post('/oauth/token', `${form(cc)}${Array.from({ length: MAX_PARAMS }, (_, i) => `&e${i}=`).join('')}`, { ...FORM, ...auth }), 400, 'invalid_request');
      oauthError(await post('/oauth/token', JSON.stringify(over), { 'content-type': 'application/json', ...auth }), 400, 'invalid_request');
      oauthError(await post('/oauth/revoke', form({ token: 'x', ...padding(MAX_PARAMS) }), { ...FORM, ...auth }), 400, 'invalid_request');
      oauthError(await post('/oauth/introspect', form({ token: 'x', ...padding(MAX_PARAMS) }), { ...FORM, ...auth }), 400, 'invalid_request');
      // Thousands of tiny parameters within the body limit cost the parser nothing either.
      oauthError(await post('/oauth/token', 'a&'.repeat(5000), { ...FORM, ...auth }), 400, 'invalid_request');
    });
  });
});
