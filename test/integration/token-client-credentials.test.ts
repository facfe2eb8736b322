import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { ISSUER, adminToken, api, basic, buildTestApp, form, merchantApp, tokenRequest, type Api, type TestApp } from '../helpers/app.js';

describe.each(DIALECTS)('client_credentials (seed 001) on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let client: Awaited<ReturnType<typeof merchantApp>>;
    const creds = () => ({ id: client.clientId, secret: client.clientSecret });

    beforeAll(async () => {
      t = await buildTestApp(dialect);
      a = api(t.app, await adminToken(t));
      client = await merchantApp(a);
    });
    afterAll(async () => t?.close());

    it('issues a 24 h bearer token with Basic auth and a form body', async () => {
      const res = await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'payments:create' }, creds());
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers.pragma).toBe('no-cache');
      const body = res.json();
      expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 86400, scope: 'payments:create' });
    });

    it('issues an RFC 9068 JWT that verifies against the JWKS', async () => {
      const res = await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'payments:create payments:read' }, creds());
      const token = res.json().access_token as string;
      const jwks = createLocalJWKSet((await t.app.inject('/.well-known/jwks.json')).json());
      const { payload, protectedHeader } = await jwtVerify(token, jwks, {
        issuer: ISSUER,
        audience: 'payments',
        typ: 'at+jwt',
        currentDate: new Date(t.clock.now()),
      });
      expect(protectedHeader.alg).toBe('RS256');
      expect(protectedHeader.kid).toEqual(expect.any(String));
      expect(payload).toMatchObject({
        iss: ISSUER,
        sub: client.clientId,
        aud: 'payments',
        scope: 'payments:create payments:read',
        client_id: client.clientId,
        merchant_id: client.orgId,
      });
      expect(payload.exp! - payload.iat!).toBe(86400);
      expect(payload.iat).toBe(Math.floor(t.clock.now() / 1000));
      expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('gives every token a fresh jti', async () => {
      const jtis = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const res = await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'payments:create' }, creds());
        const payload = JSON.parse(Buffer.from(res.json().access_token.split('.')[1], 'base64url').toString());
        jtis.add(payload.jti);
      }
      expect(jtis.size).toBe(5);
    });

    it('puts every audience of the granted scopes in aud', async () => {
      await a.post('/scopes', { scope: 'refunds:create' });
      const multi = await a.post('/applications', { name: 'Two audiences', type: 'merchant', organization_id: client.orgId, scopes: ['payments:read', 'refunds:create'] });
      const { client_id, client_secret } = multi.json();
      const res = await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'payments:read refunds:create' }, { id: client_id, secret: client_secret });
      const payload = JSON.parse(Buffer.from(res.json().access_token.split('.')[1], 'base64url').toString());
      expect(payload.aud).toEqual(['payments', 'refunds']);
    });

    it('accepts client_secret_post and a JSON body (seed 002 style)', async () => {
      const post = await t.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ grant_type: 'client_credentials', scope: 'payments:read', client_id: client.clientId, client_secret: client.clientSecret }),
      });
      expect(post.statusCode).toBe(200);
      const json = await t.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/json' },
        payload: { grant_type: 'client_credentials', scope: 'payments:read', client_id: client.clientId, client_secret: client.clientSecret },
      });
      expect(json.statusCode).toBe(200);
      expect(json.json().scope).toBe('payments:read');
      const basicJson = await t.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/json; charset=utf-8', authorization: basic(client.clientId, client.clientSecret) },
        payload: JSON.stringify({ grant_type: 'client_credentials', scope: 'payments:read' }),
      });
      expect(basicJson.statusCode).toBe(200);
    });

    describe('client authentication errors → 401 invalid_client', () => {
      const cases: [string, () => Record<string, string>][] = [
        ['wrong secret (Basic)', () => ({ authorization: basic(client.clientId, client.clientSecret + 'x') })],
        ['unknown client (Basic)', () => ({ authorization: basic('cid_unknown', client.clientSecret) })],
        ['empty secret (Basic)', () => ({ authorization: basic(client.clientId, '') })],
        ['Basic without a colon', () => ({ authorization: 'Basic ' + Buffer.from(client.clientId).toString('base64') })],
        ['not Basic at all', () => ({ authorization: 'Bearer abc' })],
        ['malformed percent-encoding', () => ({ authorization: 'Basic ' + Buffer.from(`${client.clientId}:%E0%A4%A`).toString('base64') })],
      ];
      for (const [name, headers] of cases) {
        it(name, async () => {
          const res = await t.app.inject({
            method: 'POST',
            url: '/oauth/token',
            headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers() },
            payload: form({ grant_type: 'client_credentials', scope: 'payments:create' }),
          });
          expect(res.statusCode).toBe(401);
          expect(res.json().error).toBe('invalid_client');
          // RFC 6749 §5.2: the client used the Authorization header, so the answer carries the challenge.
          expect(res.headers['www-authenticate']).toMatch(/^Basic /);
          expect(res.body).not.toContain(client.clientSecret);
        });
      }

      it('wrong secret in the body', async () => {
        const res = await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'payments:create', client_id: client.clientId, client_secret: 'nope' });
        expect(res.statusCode).toBe(401);
        expect(res.json().error).toBe('invalid_client');
      });

      it('no credentials at all', async () => {
        const res = await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'payments:create' });
        expect(res.statusCode).toBe(401);
        expect(res.json().error).toBe('invalid_client');
      });

      it('a confidential client without its secret', async () => {
        const res = await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'payments:create', client_id: client.clientId });
        expect(res.statusCode).toBe(401);
        expect(res.json().error).toBe('invalid_client');
      });
    });

    it('refuses two authentication methods in one request (RFC 6749 §2.3)', async () => {
      const res = await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'payments:create', client_secret: client.clientSecret }, creds());
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_request');
    });

    it('form-url-decodes Basic credentials (RFC 6749 §2.3.1): a secret with ":" and "%" works', async () => {
      const secret = 'imported:secret%with+special/chars=0123456789';
      const rotated = await a.post(`/applications/${client.appId}/secrets`, { client_secret: secret });
      expect(rotated.statusCode).toBe(201);
      const res = await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'payments:create' }, { id: client.clientId, secret });
      expect(res.statusCode).toBe(200);
      // Sent without form-encoding, the "+" would decode to a space and the secret would not match.
      const raw = await t.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic ' + Buffer.from(`${client.clientId}:${secret}`).toString('base64') },
        payload: form({ grant_type: 'client_credentials', scope: 'payments:create' }),
      });
      expect(raw.statusCode).toBe(401);
      const secrets = (await a.get(`/applications/${client.appId}/secrets`)).json().items;
      await a.delete(`/applications/${client.appId}/secrets/${secrets[secrets.length - 1].id}`);
    });

    describe('grant and scope errors → 400', () => {
      const cases: [string, Record<string, string>, string][] = [
        ['missing grant_type', { scope: 'payments:create' }, 'invalid_request'],
        ['unknown grant_type', { grant_type: 'password', scope: 'payments:create' }, 'unsupported_grant_type'],
        ['a grant the app may not use', { grant_type: 'refresh_token', refresh_token: 'x' }, 'unauthorized_client'],
        ['no scope (seed 001)', { grant_type: 'client_credentials' }, 'invalid_scope'],
        ['empty scope', { grant_type: 'client_credentials', scope: '   ' }, 'invalid_scope'],
        ['a scope not linked to the app (seed 001)', { grant_type: 'client_credentials', scope: 'payments:create refunds:delete' }, 'invalid_scope'],
        ['a malformed scope', { grant_type: 'client_credentials', scope: 'payments:create "x"' }, 'invalid_scope'],
      ];
      for (const [name, params, error] of cases) {
        it(name, async () => {
          const res = await tokenRequest(t.app, params, creds());
          expect(res.statusCode).toBe(400);
          expect(res.json()).toEqual({ error, error_description: expect.any(String) });
          expect(res.headers['cache-control']).toBe('no-store');
        });
      }
    });

    describe('malformed requests → invalid_request', () => {
      it('a repeated parameter (RFC 6749 §3.2)', async () => {
        const res = await t.app.inject({
          method: 'POST',
          url: '/oauth/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.clientId, client.clientSecret) },
          payload: 'grant_type=client_credentials&scope=payments:create&scope=payments:read',
        });
        expect(res.statusCode).toBe(400);
        expect(res.json().error).toBe('invalid_request');
        // An empty first occurrence does not make the second one acceptable.
        const emptyFirst = await t.app.inject({
          method: 'POST',
          url: '/oauth/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.clientId, client.clientSecret) },
          payload: 'grant_type=client_credentials&scope=&scope=payments:read',
        });
        expect(emptyFirst.json().error).toBe('invalid_request');
      });

      it('an unsupported content type', async () => {
        const res = await t.app.inject({
          method: 'POST',
          url: '/oauth/token',
          headers: { 'content-type': 'text/plain', authorization: basic(client.clientId, client.clientSecret) },
          payload: 'grant_type=client_credentials',
        });
        expect(res.statusCode).toBe(400);
        expect(res.json().error).toBe('invalid_request');
      });

      it('malformed JSON', async () => {
        const res = await t.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json' }, payload: '{"grant_type": ' });
        expect(res.statusCode).toBe(400);
        expect(res.json().error).toBe('invalid_request');
      });

      it('JSON that is not an object of strings', async () => {
        for (const payload of ['["client_credentials"]', '{"grant_type": ["client_credentials"]}', '{"grant_type": 1}', '"x"']) {
          const res = await t.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json', authorization: basic(client.clientId, client.clientSecret) }, payload });
          expect(res.statusCode, payload).toBe(400);
          expect(res.json().error, payload).toBe('invalid_request');
        }
      });

      it('a JSON body with __proto__', async () => {
        const res = await t.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json' }, payload: '{"__proto__": {"x": 1}, "grant_type": "client_credentials"}' });
        expect(res.statusCode).toBe(400);
        expect(res.json().error).toBe('invalid_request');
      });

      it('an oversized body → 413 with an RFC-shaped body', async () => {
        const res = await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'payments:create', pad: 'x'.repeat(20_000) }, creds());
        expect(res.statusCode).toBe(413);
        expect(res.json().error).toBe('invalid_request');
      });

      it('GET and other methods → 405 with Allow: POST', async () => {
        for (const method of ['GET', 'PUT', 'DELETE', 'PATCH'] as const) {
          const res = await t.app.inject({ method, url: '/oauth/token?grant_type=client_credentials' });
          expect(res.statusCode).toBe(405);
          expect(res.headers.allow).toBe('POST');
          expect(res.json()).toEqual({ error: 'invalid_request', error_description: expect.stringContaining('POST') });
        }
      });
    });

    it('honours a per-application access-token lifetime', async () => {
      const short = await a.post('/applications', { name: 'Short', type: 'merchant', organization_id: client.orgId, scopes: ['payments:read'], access_token_ttl: 600 });
      const { client_id, client_secret } = short.json();
      const res = await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'payments:read' }, { id: client_id, secret: client_secret });
      expect(res.json().expires_in).toBe(600);
    });

    it('sees a scope change, a secret rotation and a deletion at once', async () => {
      const app = (await a.post('/applications', { name: 'Changing', type: 'merchant', organization_id: client.orgId, scopes: ['payments:read'] })).json();
      const ask = (secret: string, scope = 'payments:read') => tokenRequest(t.app, { grant_type: 'client_credentials', scope }, { id: app.client_id, secret });
      expect((await ask(app.client_secret)).statusCode).toBe(200);
      expect((await ask(app.client_secret, 'payments:create')).json().error).toBe('invalid_scope');
      await a.patch(`/applications/${app.id}`, { scopes: ['payments:read', 'payments:create'] });
      expect((await ask(app.client_secret, 'payments:create')).statusCode).toBe(200);
      const rotated = (await a.post(`/applications/${app.id}/secrets`, { expire_others_in: 0 })).json();
      expect((await ask(app.client_secret)).statusCode).toBe(401);
      expect((await ask(rotated.client_secret)).statusCode).toBe(200);
      await a.delete(`/applications/${app.id}`);
      expect((await ask(rotated.client_secret)).statusCode).toBe(401);
    });

    it('keeps two active secrets, and expires the old one after the grace period', async () => {
      const app = (await a.post('/applications', { name: 'Two secrets', type: 'merchant', organization_id: client.orgId, scopes: ['payments:read'] })).json();
      const ask = (secret: string) => tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'payments:read' }, { id: app.client_id, secret });
      const second = (await a.post(`/applications/${app.id}/secrets`, { expire_others_in: 3600 })).json();
      expect((await ask(app.client_secret)).statusCode).toBe(200);
      expect((await ask(second.client_secret)).statusCode).toBe(200);
      t.clock.advance(3600_000);
      expect((await ask(app.client_secret)).statusCode).toBe(401);
      expect((await ask(second.client_secret)).statusCode).toBe(200);
      t.clock.advance(-3600_000);
    });

    it('counts requests and failures in /metrics', async () => {
      const metrics = (await t.app.inject('/metrics')).body;
      expect(metrics).toMatch(/grantry_token_requests_total\{grant_type="client_credentials",outcome="ok"\} \d+/);
      expect(metrics).toMatch(/grantry_token_requests_total\{grant_type="client_credentials",outcome="invalid_client"\} \d+/);
      expect(metrics).toMatch(/grantry_token_request_duration_seconds_bucket/);
      expect(metrics).toMatch(/grantry_client_auth_failures_total \d+/);
    });

    it('signs with the configured algorithm', async () => {
      for (const alg of ['ES256', 'EdDSA'] as const) {
        const other = await buildTestApp(dialect, { signingAlg: alg });
        try {
          const oa = api(other.app, await adminToken(other));
          const c = await merchantApp(oa, ['payments:read']);
          const res = await tokenRequest(other.app, { grant_type: 'client_credentials', scope: 'payments:read' }, { id: c.clientId, secret: c.clientSecret });
          const token = res.json().access_token;
          expect(decodeProtectedHeader(token).alg).toBe(alg);
          const jwks = createLocalJWKSet((await other.app.inject('/.well-known/jwks.json')).json());
          await expect(jwtVerify(token, jwks, { issuer: ISSUER, audience: 'payments', currentDate: new Date(other.clock.now()) })).resolves.toBeTruthy();
        } finally {
          await other.close();
        }
      }
    });
  });
});
