import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startConsoleServer, type ConsoleServer } from '../helpers/console-server.js';
import { until } from '../helpers/net.js';
import { startReceiver, type Receiver } from '../helpers/webhooks.js';
import { browserMissing, launchBrowser } from '../helpers/browser.js';
import { DIALECTS, skipDialect } from '../helpers/db.js';

const SCREENSHOTS = new URL('../../docs/screenshots/', import.meta.url);
const shot = (name: string) => new URL(`console-${name}.png`, SCREENSHOTS).pathname;

/** The management API as the admin application (set-up and checks behind the browser's back). */
interface Admin {
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

interface Person {
  email: string;
  password: string;
}

const VIEWPORTS = [
  { name: 'desktop', viewport: { width: 1280, height: 800 }, isMobile: false },
  { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true },
] as const;

/**
 * The console (web/), built into dist/console/ and served by a real `grantry serve` (startServer: the
 * webhook worker runs), driven in Chromium at 1280 px and at a phone's 390 px: sign-in through
 * Grantry's own pages, the organization switcher, seed 001's Token Applications steps, secrets, delete,
 * partner apps with redirect URIs and refresh policy, webhook subscriptions and their delivery log.
 */
// A shared machine may be busy: generous limits, as each test drives several pages.
describe.each(DIALECTS)('the console in a real browser on %s', (dialect) => {
  describe.skipIf(browserMissing() || skipDialect(dialect))('', { timeout: 90_000 }, () => {
    let grantry: ConsoleServer;
    let issuer: string;
    let admin: Admin;
    let adminUser: Person;
    let browser: Browser;
    let receiver: Receiver;
    let receiverCalls = 0;

    const token = async (clientId: string, secret: string, scope: string) =>
      fetch(`${issuer}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic ' + Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64') },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
      });

    beforeAll(async () => {
      grantry = await startConsoleServer('grantry-console', dialect);
      ({ issuer, adminUser } = grantry);
      admin = { call: grantry.admin };
      for (const [scope, description] of [
        ['payments:create', 'Take payments on your behalf'],
        ['payments:read', 'See your payments and their status'],
        ['refunds:create', 'Refund payments'],
      ]) {
        expect((await admin.call('POST', '/scopes', { scope, description })).status).toBe(201);
      }
      // The first attempt of every message is refused with a long Retry-After: it waits for the Retry button.
      const seen = new Set<string>();
      receiver = await startReceiver((_n, req, res) => {
        receiverCalls++;
        const id = String(req.headers['webhook-id']);
        if (seen.has(id)) return res.writeHead(204).end();
        seen.add(id);
        res.writeHead(503, { 'retry-after': '3600' }).end('busy');
      });
      browser = await launchBrowser();
    });

    afterAll(async () => {
      await browser?.close();
      await receiver?.close();
      await grantry?.stop();
    });

    /** A person with two organizations: a merchant they own and a partner where they are a developer. */
    async function person(label: string): Promise<Person & { merchant: string; partner: string }> {
      const merchant = (await admin.call<{ id: string }>('POST', '/organizations', { type: 'merchant', name: 'Acme Shoes' })).body.id;
      const partner = (await admin.call<{ id: string }>('POST', '/organizations', { type: 'partner', name: 'Ledgerly Inc.' })).body.id;
      // Someone else's organization, which they must not see.
      await admin.call('POST', '/organizations', { type: 'merchant', name: `Other Shop ${label}` });
      const p = { email: `olivia.${label}@acme.example`, password: `pw-${randomBytes(12).toString('base64url')}` };
      const created = await admin.call('POST', '/users', {
        email: p.email,
        name: 'Olivia',
        password: p.password,
        memberships: [
          { organization_id: merchant, role: 'owner' },
          { organization_id: partner, role: 'developer' },
        ],
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return { ...p, merchant, partner };
    }

    const overflow = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');

    async function signIn(page: Page, who: Person, path = '/console/') {
      await page.goto(`${issuer}${path}`);
      // Grantry's own sign-in page (the console is a first-party client: no consent page).
      await page.getByLabel('Email').fill(who.email);
      await page.getByLabel('Password').fill(who.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.pathname.startsWith('/console/') && !u.pathname.startsWith('/console/callback'));
    }

    for (const v of VIEWPORTS) {
      describe(`at ${v.viewport.width} px (${v.name})`, () => {
        let context: BrowserContext;
        let page: Page;
        let olivia: Awaited<ReturnType<typeof person>>;
        const issued: { grant: string; status: number; access_token?: string; refresh_token?: string; expires_in?: number }[] = [];
        const phone = v.isMobile;
        /** The whole page, from the top, without passing notifications. */
        async function screenshot(name: string) {
          await page.evaluate('window.scrollTo(0, 0)');
          const hide = await page.addStyleTag({ content: '.mantine-Notifications-root { display: none !important }' });
          await page.screenshot({ path: shot(phone ? `${name}-phone` : name), fullPage: true });
          await hide.evaluate('(el) => el.remove()');
        }

        /** The navigation: behind the burger on a phone. */
        async function navigate(label: string) {
          if (phone) await page.getByRole('button', { name: 'Open navigation' }).click();
          await page.getByRole('navigation').getByRole('link', { name: label, exact: true }).click();
        }
        async function switchOrganization(name: string) {
          if (phone) await page.getByRole('button', { name: 'Open navigation' }).click();
          await page.getByRole('combobox', { name: 'Organization' }).click();
          await page.getByRole('option', { name, exact: true }).click();
          await closeNavigation();
        }
        async function closeNavigation() {
          const close = page.getByRole('button', { name: 'Close navigation' });
          if (phone && (await close.isVisible())) await close.click();
        }
        async function pickScopes(dialogOrPage: Page | ReturnType<Page['getByRole']>, scopes: string[]) {
          const input = dialogOrPage.getByRole('combobox', { name: 'Scopes' });
          for (const s of scopes) {
            await input.click();
            await page.getByRole('option', { name: new RegExp(`^${s}`) }).click();
          }
          await page.keyboard.press('Escape');
        }
        const noOverflow = async (where: string) => expect(await overflow(page), `horizontal overflow on ${where}`).toBeLessThanOrEqual(0);

        beforeAll(async () => {
          olivia = await person(v.name);
          context = await browser.newContext({ viewport: v.viewport, isMobile: v.isMobile, hasTouch: v.isMobile });
          // Fail within the test's own timeout, with Playwright's message rather than vitest's.
          context.setDefaultTimeout(20_000);
          // The page's clock runs as usual, but can be moved forward (to the refresh before expiry).
          await context.clock.install();
          page = await context.newPage();
          // What the console gets from the token endpoint (to check rotation and revocation from outside).
          page.on('response', (r) => {
            if (new URL(r.url()).pathname !== '/oauth/token') return;
            const grant = new URLSearchParams(r.request().postData() ?? '').get('grant_type') ?? '';
            void r.json().then((body: (typeof issued)[number]) => issued.push({ ...body, grant, status: r.status() }), () => undefined);
          });
        });
        afterEach(async (ctx) => {
          // CONSOLE_DEBUG=1: what the page looked like when a test failed.
          if (process.env.CONSOLE_DEBUG && ctx.task.result?.state === 'fail') {
            await page.screenshot({ path: join(tmpdir(), `console-fail-${v.name}.png`), fullPage: true });
            writeFileSync(join(tmpdir(), `console-fail-${v.name}.aria`), await page.locator('body').ariaSnapshot());
          }
        });
        afterAll(async () => context?.close());

        it('signs in through Grantry and keeps tokens out of storage; a reload signs in again without a password', async () => {
          await signIn(page, olivia);
          await expect.poll(() => page.getByRole('heading', { name: 'Token Applications' }).isVisible()).toBe(true);
          expect(new URL(page.url()).pathname).toBe('/console/applications');
          expect(page.url()).not.toContain('code=');
          // Tokens in memory only: nothing in localStorage, and the PKCE entry is gone from sessionStorage.
          expect(await page.evaluate<number>('localStorage.length')).toBe(0);
          expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
          expect(issued.at(-1)).toMatchObject({ grant: 'authorization_code', status: 200, refresh_token: expect.any(String) });
          await page.reload();
          await expect.poll(() => page.getByRole('heading', { name: 'Token Applications' }).isVisible()).toBe(true);
          expect(await page.getByLabel('Password').count()).toBe(0);
          await noOverflow('the list');
        });

        it('switches between the person\'s organizations (and only theirs)', async () => {
          if (phone) await page.getByRole('button', { name: 'Open navigation' }).click();
          await page.getByRole('combobox', { name: 'Organization' }).click();
          const options = await page.getByRole('option').allTextContents();
          expect(options.sort()).toEqual(['Acme Shoes', 'Ledgerly Inc.']);
          await page.keyboard.press('Escape');
          await closeNavigation();
          // No platform pages for a member.
          expect(await page.getByRole('link', { name: 'Signing keys' }).count()).toBe(0);

          await switchOrganization('Ledgerly Inc.');
          await expect.poll(() => page.getByText('Token Applications belong to merchant organizations').isVisible()).toBe(true);
          await navigate('Partner apps');
          await expect.poll(() => page.getByRole('button', { name: 'Register partner app' }).isVisible()).toBe(true);
          await switchOrganization('Acme Shoes');
          await navigate('Applications');
          await expect.poll(() => page.getByRole('button', { name: 'Register new application' }).isVisible()).toBe(true);
        });

        it('on a 401 refreshes by rotation and carries on', async () => {
          const before = issued.at(-1)!;
          // The access token stops working (revoked), as an expired one would.
          const revoked = await fetch(`${issuer}/oauth/revoke`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ token: before.access_token!, token_type_hint: 'access_token', client_id: 'grantry-console' }),
          });
          expect(revoked.status).toBe(200);
          await navigate('Partner apps');
          await navigate('Applications');
          await expect.poll(() => issued.filter((t) => t.grant === 'refresh_token').length).toBeGreaterThan(0);
          const refreshed = issued.at(-1)!;
          expect(refreshed).toMatchObject({ grant: 'refresh_token', status: 200 });
          // Rotation: a new refresh token each time.
          expect(refreshed.refresh_token).toBeDefined();
          expect(refreshed.refresh_token).not.toBe(before.refresh_token);
          await page.getByRole('button', { name: 'Register new application' }).waitFor();
          expect(await page.getByRole('alert').count()).toBe(0);
        });

        it('refreshes by rotation a minute before the access token expires', async () => {
          const current = issued.at(-1)!;
          const count = issued.length;
          expect(current.expires_in).toBeGreaterThan(120);
          await page.clock.fastForward((current.expires_in! - 61) * 1000);
          await expect.poll(() => issued.length).toBe(count + 1);
          expect(issued.at(-1)).toMatchObject({ grant: 'refresh_token', status: 200 });
          expect(issued.at(-1)!.refresh_token).not.toBe(current.refresh_token);
          // Still signed in, with the new token.
          await navigate('Partner apps');
          await navigate('Applications');
          await page.getByRole('button', { name: 'Register new application' }).waitFor();
          expect(await page.getByRole('alert').count()).toBe(0);
        });

        let appId: string;
        let clientId: string;
        let firstSecret: string;

        it('seed 001: Register new application → name and scopes → Save → the secret once → the app at the end of the list', async () => {
          // Two applications already, so "the end of the list" means something.
          for (const name of ['Acme Webshop', 'Acme POS']) {
            expect((await admin.call('POST', '/applications', { name, type: 'merchant', organization_id: olivia.merchant, scopes: ['payments:read'] })).status).toBe(201);
          }
          await page.reload();
          await expect.poll(() => page.getByTestId('app-row').count()).toBe(2);

          await page.getByRole('button', { name: 'Register new application' }).click();
          const dialog = page.getByRole('dialog', { name: 'Register new application' });
          // The form says what is missing.
          await dialog.getByRole('button', { name: 'Save' }).click();
          await expect.poll(() => dialog.getByText('Enter a name for the application').isVisible()).toBe(true);
          await expect.poll(() => dialog.getByText('Pick at least one scope').isVisible()).toBe(true);
          await dialog.getByLabel('Name').fill('Acme ERP');
          await pickScopes(dialog, ['payments:create']);
          if (!phone) await screenshot('register');
          await noOverflow('the registration form');
          await dialog.getByRole('button', { name: 'Save' }).click();

          const done = page.getByRole('dialog', { name: 'Application registered' });
          await done.waitFor();
          clientId = (await done.getByTestId('created-client-id').textContent())!.trim();
          firstSecret = (await done.getByTestId('created-client-secret').textContent())!.trim();
          expect(clientId).toMatch(/^cid_/);
          expect(firstSecret).toMatch(/^gs_/);
          expect(await done.getByText('This is the only time Grantry shows it').isVisible()).toBe(true);
          expect(await done.getByRole('button', { name: 'Copy client secret' }).isVisible()).toBe(true);
          await screenshot('secret-once');
          await noOverflow('the secret');
          // The credentials work (seed 001: client_credentials with Basic).
          const issued = await token(clientId, firstSecret, 'payments:create');
          expect(issued.status).toBe(200);

          await done.getByRole('button', { name: 'I have copied the secret' }).click();
          await done.waitFor({ state: 'detached' });
          // Gone for good: nowhere on the page any more.
          expect(await page.content()).not.toContain(firstSecret);
          await expect.poll(() => page.getByTestId('app-row').count()).toBe(3);
          expect(await page.getByTestId('app-row').last().textContent()).toContain('Acme ERP');
          await screenshot('applications');
          await noOverflow('the list');
        });

        it('seed 001: open the application → Edit → change name and scopes → Save', async () => {
          await page.getByTestId('app-row').last().getByRole('link', { name: 'Acme ERP' }).click();
          await page.getByRole('heading', { name: 'Acme ERP', level: 1 }).waitFor();
          appId = new URL(page.url()).pathname.split('/').pop()!;
          await page.getByRole('button', { name: 'Edit' }).click();
          await page.getByLabel('Name').fill('');
          await page.getByRole('button', { name: 'Save' }).click();
          await expect.poll(() => page.getByText('Enter a name for the application').isVisible()).toBe(true);
          await page.getByLabel('Name').fill('Acme ERP (production)');
          await pickScopes(page, ['payments:read', 'refunds:create']);
          if (!phone) await screenshot('edit');
          await noOverflow('the edit form');
          await page.getByRole('button', { name: 'Save' }).click();
          await page.getByRole('heading', { name: 'Acme ERP (production)', level: 1 }).waitFor();
          await expect.poll(() => page.getByTestId('scopes').textContent()).toContain('refunds:create');
          const saved = await admin.call<{ name: string; scopes: string[] }>('GET', `/applications/${appId}`);
          expect(saved.body.name).toBe('Acme ERP (production)');
          expect(saved.body.scopes.sort()).toEqual(['payments:create', 'payments:read', 'refunds:create']);
        });

        it('adds a second secret, rotates, and revokes an old one (each new secret shown once)', async () => {
          const activeRows = () => page.getByTestId('secret-row').filter({ hasText: /Active/ }).count();
          await expect.poll(activeRows).toBe(1);

          await page.getByRole('button', { name: 'Add a second secret' }).click();
          let shown = page.getByRole('dialog', { name: 'New client secret' });
          const second = (await shown.getByTestId('new-client-secret').textContent())!.trim();
          expect(second).toMatch(/^gs_/);
          await shown.getByRole('button', { name: 'I have copied the secret' }).click();
          await shown.waitFor({ state: 'detached' });
          expect(await page.content()).not.toContain(second);
          await expect.poll(activeRows).toBe(2);
          // Two active secrets at most: the button says so instead of failing.
          expect(await page.getByRole('button', { name: 'Add a second secret' }).getAttribute('aria-disabled')).toBe('true');
          expect((await token(clientId, firstSecret, 'payments:read')).status).toBe(200);
          expect((await token(clientId, second, 'payments:read')).status).toBe(200);

          // Rotate: a new secret, and the others stop working at once.
          await page.getByRole('button', { name: 'Rotate secret' }).click();
          const rotate = page.getByRole('dialog', { name: 'Rotate the client secret' });
          await rotate.getByLabel('Immediately').check();
          await rotate.getByRole('button', { name: 'Rotate secret' }).click();
          shown = page.getByRole('dialog', { name: 'New client secret' });
          const third = (await shown.getByTestId('new-client-secret').textContent())!.trim();
          await shown.getByRole('button', { name: 'I have copied the secret' }).click();
          await shown.waitFor({ state: 'detached' });
          await expect.poll(activeRows).toBe(1);
          expect((await token(clientId, firstSecret, 'payments:read')).status).toBe(401);
          expect((await token(clientId, second, 'payments:read')).status).toBe(401);
          expect((await token(clientId, third, 'payments:read')).status).toBe(200);

          // Add one more, then revoke the older one, after confirming.
          await page.getByRole('button', { name: 'Add a second secret' }).click();
          shown = page.getByRole('dialog', { name: 'New client secret' });
          const fourth = (await shown.getByTestId('new-client-secret').textContent())!.trim();
          await shown.getByRole('button', { name: 'I have copied the secret' }).click();
          await shown.waitFor({ state: 'detached' });
          await expect.poll(activeRows).toBe(2);
          if (!phone) await screenshot('application');
          await noOverflow('the application');
          await page.getByRole('button', { name: `Revoke secret ${third.slice(0, 7)}` }).click();
          const confirm = page.getByRole('dialog', { name: /Revoke the secret/ });
          await confirm.getByRole('button', { name: 'Cancel' }).click();
          await expect.poll(activeRows).toBe(2);
          await page.getByRole('button', { name: `Revoke secret ${third.slice(0, 7)}` }).click();
          await page.getByRole('dialog', { name: /Revoke the secret/ }).getByRole('button', { name: 'Revoke secret' }).click();
          await expect.poll(activeRows).toBe(1);
          expect((await token(clientId, third, 'payments:read')).status).toBe(401);
          expect((await token(clientId, fourth, 'payments:read')).status).toBe(200);
        });

        it('deletes the application after confirmation', async () => {
          await page.getByRole('button', { name: 'Delete', exact: true }).click();
          const confirm = page.getByRole('dialog', { name: 'Delete Acme ERP (production)?' });
          await confirm.getByRole('button', { name: 'Cancel' }).click();
          await confirm.waitFor({ state: 'detached' });
          expect((await admin.call('GET', `/applications/${appId}`)).status).toBe(200);
          await page.getByRole('button', { name: 'Delete', exact: true }).click();
          await page.getByRole('dialog', { name: 'Delete Acme ERP (production)?' }).getByRole('button', { name: 'Delete application' }).click();
          await page.waitForURL((u) => u.pathname === '/console/applications');
          await expect.poll(() => page.getByTestId('app-row').count()).toBe(2);
          expect(await page.getByTestId('app-row').filter({ hasText: 'Acme ERP' }).count()).toBe(0);
          expect((await admin.call('GET', `/applications/${appId}`)).status).toBe(404);
        });

        let partnerAppId: string;

        it('registers a partner app with redirect URIs and a refresh policy', async () => {
          await switchOrganization('Ledgerly Inc.');
          await navigate('Partner apps');
          await page.getByRole('button', { name: 'Register partner app' }).click();
          const dialog = page.getByRole('dialog', { name: 'Register partner app' });
          await dialog.getByLabel('Name').fill('Ledgerly Bookkeeping');
          await pickScopes(dialog, ['payments:read']);
          await dialog.getByLabel('Redirect URIs').fill('http://ledgerly.example/callback');
          await dialog.getByText('Rotate', { exact: true }).click();
          await dialog.getByLabel('Grace period', { exact: true }).fill('30');
          await dialog.getByLabel('Grace period: unit').selectOption({ label: 'seconds' });
          await dialog.getByLabel('Refresh token lifetime', { exact: true }).fill('30');
          await dialog.getByRole('button', { name: 'Save' }).click();
          // http off loopback is refused before anything is sent.
          await expect.poll(() => dialog.getByText('must use https').isVisible()).toBe(true);
          await dialog.getByLabel('Redirect URIs').fill('https://ledgerly.example/callback\nhttp://127.0.0.1:8765/callback');
          if (!phone) await screenshot('partner-register');
          await noOverflow('the partner app form');
          await dialog.getByRole('button', { name: 'Save' }).click();
          const done = page.getByRole('dialog', { name: 'Application registered' });
          const secret = (await done.getByTestId('created-client-secret').textContent())!.trim();
          expect(secret).toMatch(/^gs_/);
          await done.getByRole('button', { name: 'I have copied the secret' }).click();
          await done.waitFor({ state: 'detached' });
          expect(await page.content()).not.toContain(secret);

          await page.getByRole('link', { name: 'Ledgerly Bookkeeping' }).click();
          await page.getByRole('heading', { name: 'Ledgerly Bookkeeping', level: 1 }).waitFor();
          partnerAppId = new URL(page.url()).pathname.split('/').pop()!;
          expect(await page.getByTestId('redirect-uris').textContent()).toContain('https://ledgerly.example/callback');
          const policy = (await page.getByTestId('refresh-policy').textContent()) ?? '';
          expect(policy).toContain('Rotate (grace period 30 seconds)');
          expect(policy).toContain('30 days');
          const saved = await admin.call<Record<string, unknown>>('GET', `/applications/${partnerAppId}`);
          expect(saved.body).toMatchObject({
            type: 'third_party',
            organization_id: olivia.partner,
            redirect_uris: ['https://ledgerly.example/callback', 'http://127.0.0.1:8765/callback'],
            refresh_policy: 'rotate',
            refresh_grace_period: 30,
            refresh_token_ttl: 30 * 86400,
            access_token_ttl: null,
          });
        });

        it('adds a webhook subscription (its secret shown once); the delivery log shows each attempt and Retry sends again', async () => {
          await page.getByRole('button', { name: 'Add subscription' }).click();
          const dialog = page.getByRole('dialog', { name: 'Add a webhook subscription' });
          await dialog.getByLabel('URL').fill('not a url');
          await dialog.getByRole('button', { name: 'Save' }).click();
          await expect.poll(() => dialog.getByText('Enter an absolute URL').isVisible()).toBe(true);
          await dialog.getByLabel('URL').fill(receiver.url);
          await dialog.getByRole('button', { name: 'Save' }).click();
          const done = page.getByRole('dialog', { name: 'Subscription added' });
          const whsec = (await done.getByTestId('webhook-secret').textContent())!.trim();
          expect(whsec).toMatch(/^whsec_/);
          await noOverflow('the webhook secret');
          await done.getByRole('button', { name: 'I have copied the secret' }).click();
          await done.waitFor({ state: 'detached' });
          expect(await page.content()).not.toContain(whsec);
          await expect.poll(() => page.getByTestId('subscription-row').count()).toBe(1);
          if (!phone) await screenshot('partner-app');
          await noOverflow('the partner app');

          // A merchant installs the app: INSTALLATION.CREATE goes to the receiver, which answers 503 first.
          const calls = receiverCalls;
          const installed = await admin.call('POST', '/installations', { organization_id: olivia.merchant, application_id: partnerAppId, scopes: ['payments:read'] });
          expect(installed.status, JSON.stringify(installed.body)).toBe(201);
          await until('the first delivery attempt', () => receiverCalls > calls);

          await page.getByRole('link', { name: 'Delivery log' }).click();
          await page.getByRole('heading', { name: 'Delivery log' }).waitFor();
          const delivery = page.getByTestId('delivery').first();
          await expect.poll(() => delivery.getAttribute('data-status')).toBe('pending');
          await expect.poll(() => delivery.getByTestId('attempt').count()).toBe(1);
          expect(await delivery.getByTestId('attempt').first().textContent()).toContain('503');
          expect(await delivery.textContent()).toContain('INSTALLATION.CREATE');
          await noOverflow('the delivery log');

          await delivery.getByRole('button', { name: 'Retry' }).click();
          await expect.poll(() => delivery.getAttribute('data-status'), { timeout: 20_000 }).toBe('succeeded');
          await expect.poll(() => delivery.getByTestId('attempt').count()).toBe(2);
          expect(await delivery.getByTestId('attempt').nth(1).textContent()).toContain('204');
          expect(await delivery.getByTestId('delivery-status').textContent()).toBe('Delivered');
          await screenshot('delivery-log');
          await noOverflow('the delivery log');
          // The receiver got the same message twice (webhook-id is the same on a retry).
          expect(receiver.receipts.at(-1)!.id).toBe(receiver.receipts.at(-2)!.id);
        });

        it('signs out: the refresh token is revoked and the browser session ends', async () => {
          const refreshToken = issued.at(-1)!.refresh_token!;
          const revocation = page.waitForResponse((r) => new URL(r.url()).pathname === '/oauth/revoke');
          const logout = page.waitForResponse((r) => new URL(r.url()).pathname === '/logout' && r.request().method() === 'POST');
          await page.getByRole('button', { name: /^Account:/ }).click();
          await page.getByRole('menuitem', { name: 'Sign out' }).click();
          expect((await revocation).status()).toBe(200);
          expect((await logout).status()).toBe(303);
          // The refresh token is dead.
          const again = await fetch(`${issuer}/oauth/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'grantry-console' }),
          });
          expect(again.status).toBe(400);
          expect(((await again.json()) as { error: string }).error).toBe('invalid_grant');
          // Back to the console, which needs a password again: the browser session is over.
          await page.getByLabel('Password').waitFor();
          expect(new URL(page.url()).pathname.startsWith('/console')).toBe(false);
          await page.goto(`${issuer}/console/applications`);
          await page.getByLabel('Password').waitFor();
        });
      });
    }

    it('shows a platform administrator every organization and the platform pages', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      context.setDefaultTimeout(20_000);
      const page = await context.newPage();
      await signIn(page, adminUser);
      await page.getByRole('link', { name: 'Signing keys' }).waitFor();
      for (const label of ['Dashboard', 'Scopes', 'Users', 'Audit log']) expect(await page.getByRole('link', { name: label, exact: true }).count()).toBe(1);
      await page.getByRole('combobox', { name: 'Organization' }).click();
      const options = await page.getByRole('option').allTextContents();
      expect(options).toEqual(expect.arrayContaining(['Acme Shoes', 'Ledgerly Inc.', 'Other Shop desktop', 'Other Shop phone', 'Platform']));
      // A list longer than a page: the API's cursor, one page at a time.
      const others = (await admin.call<{ items: { id: string; name: string }[] }>('GET', '/organizations?limit=200')).body.items.find((o) => o.name === 'Other Shop desktop')!;
      for (let i = 1; i <= 27; i++) {
        expect((await admin.call('POST', '/applications', { name: `App ${String(i).padStart(2, '0')}`, type: 'merchant', organization_id: others.id, scopes: ['payments:read'] })).status).toBe(201);
      }
      await page.getByRole('option', { name: 'Other Shop desktop' }).click();
      await page.getByRole('heading', { name: 'Token Applications' }).waitFor();
      await expect.poll(() => page.getByTestId('app-row').count()).toBe(25);
      await page.getByRole('button', { name: 'Load more applications' }).click();
      await expect.poll(() => page.getByTestId('app-row').count()).toBe(27);
      expect(await page.getByTestId('app-row').last().textContent()).toContain('App 27');
      await page.getByText('All 27 applications shown').waitFor();
      await context.close();
    });
  });
});
