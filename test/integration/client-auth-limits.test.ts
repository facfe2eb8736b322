import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { T0, adminToken, api, basic, buildTestApp, form, merchantApp, type TestApp } from '../helpers/app.js';

/** Failed client authentication is limited per client and address, and per address (RFC 6819 §5.1.4.2.3). */
describe.each(DIALECTS)('client authentication failure limits on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let client: Awaited<ReturnType<typeof merchantApp>>;

    const cc = (secret: string, remoteAddress: string, clientId = client.clientId): Promise<LightMyRequestResponse> =>
      t.app.inject({
        method: 'POST',
        url: '/oauth/token',
        remoteAddress,
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, secret) },
        payload: form({ grant_type: 'client_credentials', scope: 'payments:create' }),
      });

    beforeAll(async () => {
      t = await buildTestApp(dialect, { clientAuthFailureLimit: 5, clientAuthFailureAddressLimit: 20 });
      client = await merchantApp(api(t.app, await adminToken(t)), ['payments:create']);
    });
    afterAll(async () => t?.close());
    afterEach(() => t.clock.set(T0));

    it('blocks the guessing address for that client with 429 and Retry-After, never the client elsewhere, and only for the window', async () => {
      for (let i = 0; i < 5; i++) expect((await cc('wrong-secret', '198.51.100.1')).statusCode).toBe(401);
      const blocked = await cc(client.clientSecret, '198.51.100.1');
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json()).toMatchObject({ error: 'invalid_client' });
      const retry = Number(blocked.headers['retry-after']);
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(60);
      // The real client, at its own address, is not locked out by the attacker.
      expect((await cc(client.clientSecret, '203.0.113.9')).statusCode).toBe(200);
      // The block ends with the window.
      t.clock.advance(60_001);
      expect((await cc(client.clientSecret, '198.51.100.1')).statusCode).toBe(200);
    });

    it('an address failing across many client ids is stopped for all of them', async () => {
      for (let i = 0; i < 20; i++) await cc('x'.repeat(40), '198.51.100.2', `cid_spray_${i}`);
      const res = await cc(client.clientSecret, '198.51.100.2');
      expect(res.statusCode).toBe(429);
      expect((await cc(client.clientSecret, '198.51.100.3')).statusCode).toBe(200);
    });

    it('counts introspection and revocation failures too', async () => {
      const call = (url: string) =>
        t.app.inject({ method: 'POST', url, remoteAddress: '198.51.100.4', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.clientId, 'nope') }, payload: form({ token: 'x' }) });
      for (let i = 0; i < 3; i++) expect((await call('/oauth/introspect')).statusCode).toBe(401);
      for (let i = 0; i < 2; i++) expect((await call('/oauth/revoke')).statusCode).toBe(401);
      expect((await call('/oauth/introspect')).statusCode).toBe(429);
    });
  });
});
