import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oauth from 'oauth4webapi';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { ISSUER, adminToken, api, buildTestApp, merchantApp, tokenRequest, type Api, type TestApp } from '../helpers/app.js';
import { freePort } from '../helpers/net.js';

describe.each(DIALECTS)('discovery, health and metrics on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let client: Awaited<ReturnType<typeof merchantApp>>;

    beforeAll(async () => {
      t = await buildTestApp(dialect);
      a = api(t.app, await adminToken(t));
      client = await merchantApp(a, ['payments:create', 'payments:read']);
    });
    afterAll(async () => t?.close());

    it('serves RFC 8414 metadata', async () => {
      const res = await t.app.inject('/.well-known/oauth-authorization-server');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['cache-control']).toMatch(/max-age=\d+/);
      const md = res.json();
      expect(md.issuer).toBe(ISSUER);
      expect(md.token_endpoint).toBe(`${ISSUER}/oauth/token`);
      expect(md.jwks_uri).toBe(`${ISSUER}/.well-known/jwks.json`);
      expect(md.grant_types_supported).toContain('client_credentials');
      expect(md.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post']));
      expect(md.scopes_supported).toEqual(expect.arrayContaining(['grantry:admin', 'payments:create', 'payments:read']));
      const catalogue = (await a.get('/scopes?limit=200')).json().items.map((s: { scope: string }) => s.scope);
      expect([...md.scopes_supported].sort()).toEqual([...catalogue].sort());
    });

    it('lists a scope added to the catalogue in scopes_supported', async () => {
      await a.post('/scopes', { scope: 'refunds:create' });
      const md = (await t.app.inject('/.well-known/oauth-authorization-server')).json();
      expect(md.scopes_supported).toContain('refunds:create');
      await a.delete('/scopes/refunds:create');
      expect((await t.app.inject('/.well-known/oauth-authorization-server')).json().scopes_supported).not.toContain('refunds:create');
    });

    it('answers /healthz and /readyz', async () => {
      const health = await t.app.inject('/healthz');
      expect(health.statusCode).toBe(200);
      expect(health.json()).toEqual({ status: 'ok' });
      const ready = await t.app.inject('/readyz');
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready' });
    });

    it('exposes Prometheus metrics for token requests, latency and the database pool', async () => {
      await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'payments:read' }, { id: client.clientId, secret: client.clientSecret });
      await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'payments:read' }, { id: client.clientId, secret: 'wrong' });
      const res = await t.app.inject('/metrics');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      const text = res.body;
      expect(text).toMatch(/^# TYPE grantry_token_requests_total counter$/m);
      expect(text).toMatch(/^grantry_token_requests_total\{grant_type="client_credentials",outcome="ok"\} [1-9]\d*$/m);
      expect(text).toMatch(/^grantry_token_requests_total\{grant_type="client_credentials",outcome="invalid_client"\} [1-9]\d*$/m);
      expect(text).toMatch(/^# TYPE grantry_token_request_duration_seconds histogram$/m);
      expect(text).toMatch(/^grantry_token_request_duration_seconds_count\{grant_type="client_credentials"\} [1-9]\d*$/m);
      expect(text).toMatch(/^grantry_token_request_duration_seconds_bucket\{le="\+Inf",grant_type="client_credentials"\} [1-9]\d*$/m);
      for (const g of ['grantry_db_pool_connections', 'grantry_db_pool_idle', 'grantry_db_pool_waiting']) expect(text).toContain(`# TYPE ${g} gauge`);
      if (dialect === 'postgres') {
        const total = Number(/^grantry_db_pool_connections (\d+)$/m.exec(text)?.[1]);
        expect(total).toBeGreaterThanOrEqual(1);
        expect(text).toMatch(/^grantry_db_pool_waiting \d+$/m);
      }
      // Metrics never carry credentials.
      expect(text).not.toContain(client.clientSecret);
      expect(text).not.toContain(client.clientId);
    });
  });

  describe.skipIf(skipDialect(dialect))('readiness without a database', () => {
    it('/readyz → 503 when the database is closed, /healthz stays 200', async () => {
      const t = await buildTestApp(dialect);
      try {
        expect((await t.app.inject('/readyz')).statusCode).toBe(200);
        await t.rt.db.close();
        const ready = await t.app.inject('/readyz');
        expect(ready.statusCode).toBe(503);
        expect(ready.json()).toMatchObject({ status: 'unavailable' });
        expect((await t.app.inject('/healthz')).statusCode).toBe(200);
      } finally {
        await t.app.close();
        await t.database.drop();
      }
    });
  });

  describe.skipIf(skipDialect(dialect))('a standard client library against a listening server', () => {
    let t: TestApp;
    let issuer: string;
    let client: Awaited<ReturnType<typeof merchantApp>>;

    beforeAll(async () => {
      const port = await freePort();
      issuer = `http://127.0.0.1:${port}`;
      t = await buildTestApp(dialect, { issuer });
      client = await merchantApp(api(t.app, await adminToken(t)), ['payments:create', 'payments:read']);
      await t.app.listen({ port, host: '127.0.0.1' });
    });
    afterAll(async () => t?.close());

    it('oauth4webapi discovers the server and gets a client_credentials token that verifies with its JWKS', async () => {
      const issuerUrl = new URL(issuer);
      const opts = { [oauth.allowInsecureRequests]: true };
      const as = await oauth.processDiscoveryResponse(issuerUrl, await oauth.discoveryRequest(issuerUrl, { algorithm: 'oauth2', ...opts }));
      expect(as.issuer).toBe(issuer);
      expect(as.token_endpoint).toBe(`${issuer}/oauth/token`);

      const oclient: oauth.Client = { client_id: client.clientId };
      for (const auth of [oauth.ClientSecretBasic(client.clientSecret), oauth.ClientSecretPost(client.clientSecret)]) {
        const response = await oauth.clientCredentialsGrantRequest(as, oclient, auth, new URLSearchParams({ scope: 'payments:create' }), opts);
        expect(response.headers.get('cache-control')).toBe('no-store');
        const result = await oauth.processClientCredentialsResponse(as, oclient, response);
        expect(result.token_type).toBe('bearer');
        expect(result.expires_in).toBe(86400);
        expect(result.scope).toBe('payments:create');

        const jwks = createRemoteJWKSet(new URL(as.jwks_uri!));
        const { payload, protectedHeader } = await jwtVerify(result.access_token, jwks, {
          issuer: as.issuer,
          audience: 'payments',
          typ: 'at+jwt',
          currentDate: new Date(t.clock.now()),
        });
        expect(protectedHeader.alg).toBe('RS256');
        expect(payload).toMatchObject({ sub: client.clientId, client_id: client.clientId, merchant_id: client.orgId, scope: 'payments:create' });
      }
    });

    it('the library sees an invalid_client error as an OAuth error', async () => {
      const issuerUrl = new URL(issuer);
      const opts = { [oauth.allowInsecureRequests]: true };
      const as = await oauth.processDiscoveryResponse(issuerUrl, await oauth.discoveryRequest(issuerUrl, { algorithm: 'oauth2', ...opts }));
      const oclient: oauth.Client = { client_id: client.clientId };
      const response = await oauth.clientCredentialsGrantRequest(as, oclient, oauth.ClientSecretBasic('wrong'), new URLSearchParams({ scope: 'payments:create' }), opts);
      expect(response.status).toBe(401);
      // RFC 6749 §5.2: Basic was used, so the 401 carries a Basic challenge; the library surfaces it.
      const err = await oauth.processClientCredentialsResponse(as, oclient, response).then(
        () => null,
        (e: unknown) => e as oauth.WWWAuthenticateChallengeError,
      );
      expect(err).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
      expect(err!.status).toBe(401);
      expect(err!.cause[0]).toMatchObject({ scheme: 'basic' });
      expect(await err!.response.json()).toMatchObject({ error: 'invalid_client' });
    });
  });
});
