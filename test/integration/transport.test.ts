import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { adminToken, api, basic, buildTestApp, form, merchantApp, type TestApp } from '../helpers/app.js';
import { freePort } from '../helpers/net.js';

/** Transport security: HSTS behind TLS, CORS only where configured, direct HTTPS serving. */
describe.each(DIALECTS)('transport and headers on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('behind a proxy, with CORS for one origin', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await buildTestApp(dialect, { trustProxy: '127.0.0.1/32', corsOrigins: ['https://spa.example'] });
    });
    afterAll(async () => t?.close());

    it('sends Strict-Transport-Security only when the request came over https, per a trusted proxy', async () => {
      const viaTls = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-forwarded-proto': 'https' } });
      expect(viaTls.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      const plain = await t.app.inject({ method: 'GET', url: '/healthz' });
      expect(plain.headers['strict-transport-security']).toBeUndefined();
      // An untrusted peer cannot claim https (or another client address).
      const spoofed = await t.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '192.0.2.1', headers: { 'x-forwarded-proto': 'https' } });
      expect(spoofed.headers['strict-transport-security']).toBeUndefined();
    });

    it('answers CORS for the configured origin on the OAuth endpoints only', async () => {
      const preflight = (url: string, origin: string) =>
        t.app.inject({ method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
      const ok = await preflight('/oauth/token', 'https://spa.example');
      expect(ok.statusCode).toBe(204);
      expect(ok.headers['access-control-allow-origin']).toBe('https://spa.example');
      expect((await preflight('/oauth/token', 'https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
      expect((await preflight('/api/v1/applications', 'https://spa.example')).headers['access-control-allow-origin']).toBeUndefined();
      expect((await preflight('/oauth/authorize', 'https://spa.example')).headers['access-control-allow-origin']).toBeUndefined();
      const jwks = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json', headers: { origin: 'https://spa.example' } });
      expect(jwks.headers['access-control-allow-origin']).toBe('https://spa.example');
    });

    it('never caches token responses, and every page carries a CSP', async () => {
      const page = await t.app.inject({ method: 'GET', url: '/login' });
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      const err = await t.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ grant_type: 'client_credentials' }) });
      expect(err.headers['cache-control']).toBe('no-store');
    });
  });

  describe.skipIf(skipDialect(dialect))('serving HTTPS itself (GRANTRY_TLS_CERT, GRANTRY_TLS_KEY)', () => {
    let t: TestApp;
    let dir: string;
    let port: number;
    let cert: string;
    let client: Awaited<ReturnType<typeof merchantApp>>;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'grantry-tls-'));
      // A throwaway self-signed certificate for 127.0.0.1.
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      cert = (await import('node:fs')).readFileSync(join(dir, 'cert.pem'), 'utf8');
      port = await freePort();
      t = await buildTestApp(dialect, { issuer: `https://127.0.0.1:${port}`, tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
      client = await merchantApp(api(t.app, await adminToken(t)), ['payments:create']);
      await t.app.listen({ port, host: '127.0.0.1' });
    });
    afterAll(async () => {
      await t?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('issues a token over TLS, with HSTS', async () => {
      const res = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/oauth/token', method: 'POST', ca: cert, headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.clientId, client.clientSecret) } },
          (r) => {
            let body = '';
            r.on('data', (d: Buffer) => (body += d.toString()));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body }));
          },
        );
        req.on('error', reject);
        req.end(form({ grant_type: 'client_credentials', scope: 'payments:create' }));
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).token_type).toBe('Bearer');
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    });
  });
});
