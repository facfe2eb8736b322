import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { adminToken, api, buildTestApp, merchantApp, tokenRequest, type Api, type TestApp } from '../helpers/app.js';
import { freePort } from '../helpers/net.js';
import { installAndReceive, merchantOrg, partnerApp } from '../helpers/installations.js';
// The example imports `grantry/verify` by the package name (self-reference through package.json
// "exports", resolved to dist/: `npm run build` first).
import { buildPaymentsApi } from '../../examples/payments-api/server.mjs';

interface Call {
  status: number;
  challenge: string | null;
  body: Record<string, unknown>;
}

describe.each(DIALECTS)('examples/payments-api accepts Grantry tokens through grantry/verify on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let issuer: string;
    /** The example in both modes: JWT checks only, and JWT checks + introspection. */
    let jwtOnly: FastifyInstance;
    let introspecting: FastifyInstance;
    const urls = { jwtOnly: '', introspecting: '' };

    beforeAll(async () => {
      const port = await freePort();
      issuer = `http://127.0.0.1:${port}`;
      t = await buildTestApp(dialect, { issuer, webhookAllowedNetworks: ['127.0.0.0/8'] });
      a = api(t.app, await adminToken(t));
      await t.app.listen({ port, host: '127.0.0.1' });

      // The resource server's own client, allowed to introspect every token (a platform application).
      const platform = (await a.get('/organizations?type=platform')).json().items[0].id;
      const rs = await a.post('/applications', { name: 'Payments API', type: 'merchant', organization_id: platform, scopes: ['grantry:introspect'] });
      expect(rs.statusCode).toBe(201);

      // Grantry's clock is fixed; the example shares it so token times line up.
      const now = () => t.clock.now();
      jwtOnly = buildPaymentsApi({ issuer, now });
      introspecting = buildPaymentsApi({ issuer, now, introspection: { clientId: rs.json().client_id, clientSecret: rs.json().client_secret, cacheSeconds: 5 } });
      urls.jwtOnly = await jwtOnly.listen({ port: 0, host: '127.0.0.1' });
      urls.introspecting = await introspecting.listen({ port: 0, host: '127.0.0.1' });
    });
    afterAll(async () => {
      await jwtOnly?.close();
      await introspecting?.close();
      await t?.close();
    });

    async function call(mode: keyof typeof urls, method: 'GET' | 'POST', token?: string): Promise<Call> {
      const res = await fetch(`${urls[mode]}/payments`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        ...(method === 'POST' ? { body: JSON.stringify({ amount: 1250, currency: 'EUR' }) } : {}),
      });
      return { status: res.status, challenge: res.headers.get('www-authenticate'), body: (await res.json()) as Record<string, unknown> };
    }

    async function clientCredentials(app: { clientId: string; clientSecret: string }, scope: string): Promise<string> {
      const res = await tokenRequest(t.app, { grant_type: 'client_credentials', scope }, { id: app.clientId, secret: app.clientSecret });
      expect(res.statusCode).toBe(200);
      return res.json().access_token;
    }

    it('refuses a request without a token (bare challenge) and a bad token (invalid_token), in both modes', async () => {
      for (const mode of ['jwtOnly', 'introspecting'] as const) {
        for (const method of ['GET', 'POST'] as const) {
          const none = await call(mode, method);
          expect(none.status).toBe(401);
          // RFC 6750 §3.1: no error code when the request carried no credentials.
          expect(none.challenge).toBe('Bearer realm="payments"');
          const bad = await call(mode, method, 'eyJhbGciOiJub25lIn0.e30.');
          expect(bad.status).toBe(401);
          expect(bad.challenge).toMatch(/^Bearer realm="payments", error="invalid_token", error_description="[^"]+"$/);
          expect(bad.body.error).toBe('invalid_token');
        }
      }
    });

    it("a merchant's Token Application: 200/201 with the right scopes, 403 insufficient_scope with the wrong ones", async () => {
      const merchant = await merchantApp(a);
      const readOnly = await clientCredentials(merchant, 'payments:read');
      const both = await clientCredentials(merchant, 'payments:read payments:create');
      for (const mode of ['jwtOnly', 'introspecting'] as const) {
        const denied = await call(mode, 'POST', readOnly);
        expect(denied.status).toBe(403);
        expect(denied.challenge).toBe('Bearer realm="payments", error="insufficient_scope", error_description="the token lacks the scope payments:create", scope="payments:create"');
        expect(denied.body).toEqual({ error: 'insufficient_scope', error_description: 'the token lacks the scope payments:create' });

        const created = await call(mode, 'POST', both);
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({ merchant_id: merchant.orgId, amount: 1250, currency: 'EUR', created_by: merchant.clientId });

        const listed = await call(mode, 'GET', readOnly);
        expect(listed.status).toBe(200);
        expect(listed.body).toMatchObject({ merchant_id: merchant.orgId, client_id: merchant.clientId, payments: [expect.objectContaining({ id: created.body.id })] });
      }
      // A token for another audience is refused outright.
      await a.post('/scopes', { scope: 'refunds:read', description: 'Read refunds' });
      const other = await merchantApp(a, ['refunds:read']);
      const refunds = await call('jwtOnly', 'GET', await clientCredentials(other, 'refunds:read'));
      expect(refunds.status).toBe(401);
      expect(refunds.challenge).toContain('error_description="the token is not meant for this audience"');
    });

    it('an installed partner app: right and wrong scopes, then uninstall (introspection mode refuses at once, JWT-only mode until expiry)', async () => {
      const partner = await partnerApp(a);
      const merchantId = await merchantOrg(a, 'Shop');
      const { installation, data } = await installAndReceive(t, a, merchantId, partner);
      const refresh = (scope?: string) =>
        tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: data.refresh_token as string, ...(scope ? { scope } : {}) }, { id: partner.clientId, secret: partner.clientSecret });

      // The access token delivered with the webhook works as is.
      expect((await call('jwtOnly', 'GET', data.access_token as string)).body).toMatchObject({ merchant_id: merchantId, client_id: partner.clientId });

      const full = await refresh();
      expect(full.statusCode).toBe(200);
      const fullToken = full.json().access_token as string;
      const narrowed = await refresh('payments:read');
      expect(narrowed.statusCode).toBe(200);
      const readToken = narrowed.json().access_token as string;

      for (const mode of ['jwtOnly', 'introspecting'] as const) {
        const created = await call(mode, 'POST', fullToken);
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({ merchant_id: merchantId, created_by: partner.clientId, installation_id: installation.id });
        const listed = await call(mode, 'GET', readToken);
        expect(listed.status).toBe(200);
        expect(listed.body.merchant_id).toBe(merchantId);
        const denied = await call(mode, 'POST', readToken);
        expect(denied.status).toBe(403);
        expect(denied.challenge).toContain('error="insufficient_scope"');
        expect(denied.challenge).toContain('scope="payments:create"');
      }

      // The merchant uninstalls the app.
      expect((await a.delete(`/installations/${installation.id}`)).statusCode).toBe(204);
      // Introspection answers are cached for cacheSeconds (5): past that, the revocation is seen.
      t.clock.advance(6_000);
      const refused = await call('introspecting', 'GET', readToken);
      expect(refused.status).toBe(401);
      expect(refused.challenge).toBe('Bearer realm="payments", error="invalid_token", error_description="the token has been revoked"');
      expect((await call('introspecting', 'POST', fullToken)).status).toBe(401);
      // A JWT check cannot see the uninstall: the token stays accepted until it expires (1 h)...
      expect((await call('jwtOnly', 'GET', readToken)).status).toBe(200);
      // ...and not after.
      t.clock.advance(3600_000 + 60_000); // past exp and the 30 s clock tolerance
      const expired = await call('jwtOnly', 'GET', readToken);
      expect(expired.status).toBe(401);
      expect(expired.challenge).toContain('error_description="the token has expired"');
      // The refresh token died with the installation.
      expect((await refresh()).json().error).toBe('invalid_grant');
    });
  });
});
