import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { adminToken, api, basic, buildTestApp, type TestApp } from '../helpers/app.js';
import { freePort } from '../helpers/net.js';
import { merchantOrg } from '../helpers/installations.js';
import { createUser, pkce, type TestUser } from '../helpers/web.js';
import { browserMissing, launchBrowser } from '../helpers/browser.js';

const SCREENSHOTS = new URL('../../docs/screenshots/', import.meta.url);

/**
 * A partner's web application, as small as it can be: /start sends the browser to Grantry's
 * authorization endpoint; /callback checks state, exchanges the code with its secret and the PKCE
 * verifier, and shows what it received.
 */
function partnerWebApp(opts: { port: number; issuer: string; clientId: string; clientSecret: string }): Server {
  const { verifier, challenge } = pkce();
  const state = 'state-' + Math.random().toString(36).slice(2);
  const redirectUri = `http://127.0.0.1:${opts.port}/callback`;
  return createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', redirectUri);
    if (url.pathname === '/start') {
      const authorize = new URL('/oauth/authorize', opts.issuer);
      authorize.search = new URLSearchParams({ response_type: 'code', client_id: opts.clientId, redirect_uri: redirectUri, scope: 'payments:read payments:create', state, code_challenge: challenge, code_challenge_method: 'S256' }).toString();
      res.writeHead(302, { location: authorize.toString() }).end();
      return;
    }
    if (url.pathname === '/callback') {
      if (url.searchParams.get('state') !== state || url.searchParams.get('iss') !== opts.issuer) {
        res.writeHead(400).end('bad state or issuer');
        return;
      }
      const error = url.searchParams.get('error');
      if (error) {
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<h1 id="result">denied: ${error}</h1>`);
        return;
      }
      const token = await fetch(new URL('/oauth/token', opts.issuer), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(opts.clientId, opts.clientSecret) },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: url.searchParams.get('code') ?? '', redirect_uri: redirectUri, code_verifier: verifier }),
      });
      const body = (await token.json()) as Record<string, string>;
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<h1 id="result">${token.status === 200 ? `tokens received: ${body.scope}; refresh token ${body.refresh_token ? 'yes' : 'no'}` : `token error ${body.error}`}</h1>`);
      return;
    }
    res.writeHead(404).end();
  });
}

describe.each(DIALECTS)('in a real browser, on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect) || browserMissing())('', () => {
    let t: TestApp;
    let browser: Browser;
    let partnerServer: Server;
    let partnerPort: number;
    let owner: TestUser;
    let merchantName: string;

    beforeAll(async () => {
      const port = await freePort();
      partnerPort = await freePort();
      const issuer = `http://127.0.0.1:${port}`;
      t = await buildTestApp(dialect, { issuer });
      const a = api(t.app, await adminToken(t));
      await a.post('/scopes', { scope: 'payments:read', description: 'See your payments and their status' });
      await a.post('/scopes', { scope: 'payments:create', description: 'Take payments on your behalf' });
      const partnerOrg = (await a.post('/organizations', { type: 'partner', name: 'Ledgerly Inc.' })).json().id;
      const app = (
        await a.post('/applications', {
          name: 'Ledgerly Bookkeeping',
          type: 'third_party',
          organization_id: partnerOrg,
          scopes: ['payments:read', 'payments:create'],
          redirect_uris: [`http://127.0.0.1:${partnerPort}/callback`],
          refresh_policy: 'rotate',
        })
      ).json();
      merchantName = 'Acme Shoes';
      const merchant = await merchantOrg(a, merchantName);
      owner = await createUser(t, { organizationId: merchant, role: 'owner', email: 'olivia@acme.example' });
      await t.app.listen({ port, host: '127.0.0.1' });
      partnerServer = partnerWebApp({ port: partnerPort, issuer, clientId: app.client_id, clientSecret: app.client_secret });
      await new Promise<void>((resolve) => partnerServer.listen(partnerPort, '127.0.0.1', resolve));
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => partnerServer?.close(resolve));
      await t?.close();
    });

    it('signs in, consents, and the client receives tokens', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const cspViolations: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' && m.text().includes('Content Security Policy')) cspViolations.push(m.text());
      });
      const stylesheets: number[] = [];
      page.on('response', (r) => {
        if (r.url().endsWith('/assets/grantry.css')) stylesheets.push(r.status());
      });
      await page.goto(`http://127.0.0.1:${partnerPort}/start`);
      await page.getByLabel('Email').fill(owner.email);
      await page.getByLabel('Password').fill(owner.password);
      if (dialect === 'sqlite') await page.screenshot({ path: new URL('sign-in.png', SCREENSHOTS).pathname });
      await page.getByRole('button', { name: 'Sign in' }).click();

      await expect.poll(() => page.textContent('body')).toContain('Ledgerly Bookkeeping');
      const consent = (await page.textContent('body')) ?? '';
      for (const text of ['Ledgerly Inc.', 'See your payments and their status', 'Take payments on your behalf', merchantName]) expect(consent).toContain(text);
      if (dialect === 'sqlite') await page.screenshot({ path: new URL('consent.png', SCREENSHOTS).pathname, fullPage: true });
      await page.getByRole('button', { name: 'Allow access' }).click();

      await page.waitForSelector('#result');
      expect(await page.textContent('#result')).toBe('tokens received: payments:read payments:create; refresh token yes');
      // The stylesheet loaded (or was revalidated) and nothing was blocked by the Content-Security-Policy.
      expect(stylesheets.length).toBeGreaterThan(0);
      expect(stylesheets.every((s) => s === 200 || s === 304)).toBe(true);
      expect(cspViolations).toEqual([]);
      await page.close();
    });

    it('works on a phone-sized screen too, and a denial reaches the client as access_denied', async () => {
      const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${partnerPort}/start`);
      await page.getByLabel('Email').fill(owner.email);
      await page.getByLabel('Password').fill(owner.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Deny' }).waitFor();
      // Nothing overflows sideways on a narrow screen.
      // (A string: the test project has no DOM typings.)
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      if (dialect === 'sqlite') await page.screenshot({ path: new URL('consent-phone.png', SCREENSHOTS).pathname, fullPage: true });
      await page.getByRole('button', { name: 'Deny' }).click();
      await page.waitForSelector('#result');
      expect(await page.textContent('#result')).toBe('denied: access_denied');
      await context.close();
    });
  });
});
