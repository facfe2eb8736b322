import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startConsoleServer, type ConsoleServer } from '../helpers/console-server.js';
import { browserMissing, launchBrowser } from '../helpers/browser.js';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { startReceiver, type Receiver } from '../helpers/webhooks.js';

const SCREENSHOTS = new URL('../../docs/screenshots/', import.meta.url);
const CIBA = 'urn:openid:params:grant-type:ciba';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
/** Screenshots without the toasts of the moment (they come and go with timing). */
const NO_TOASTS = '.mantine-Notifications-root { display: none !important; }';

interface Person {
  email: string;
  password: string;
}
interface Client {
  id: string;
  clientId: string;
  clientSecret: string;
}
type Call = <T = any>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;

/**
 * The console's installations, decoupled requests and platform administration (scopes, signing keys,
 * users, audit log, dashboard), in Chromium against a real Grantry (startServer + `grantry init`'s
 * initialize, so the console's client exists): a merchant's owner, a partner's developer and the first
 * platform administrator sign in through Grantry's own pages. Every page is also checked at 390 px.
 */
describe.each(DIALECTS)('the console: installations, decoupled requests, platform administration on %s', (dialect) => {
  describe.skipIf(browserMissing() || skipDialect(dialect))('', () => {
    let grantry: ConsoleServer;
    let issuer: string;
    let admin: Call;
    let adminUser: Person;
    let browser: Browser;
    const olivia: Person = { email: 'olivia@acme.example', password: `pw-${randomBytes(12).toString('base64url')}` };
    const paul: Person = { email: 'paul@ledgerly.example', password: `pw-${randomBytes(12).toString('base64url')}` };
    let acme: string;
    let otherShop: string;
    let ledgerlyApp: Client;
    let tilloApp: Client;
    let erp: Client;
    /** The refresh token the approved decoupled request brought Tillo POS (replayed for the dashboard). */
    let tilloRefresh = '';
    /** Ledgerly's webhooks arrive; Tillo's receiver is down (the dashboard's failure rate). */
    let good: Receiver;
    let down: Receiver;

    const basic = (c: Pick<Client, 'clientId' | 'clientSecret'>) => 'Basic ' + Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString('base64');
    const oauth = async (path: string, c: Pick<Client, 'clientId' | 'clientSecret'>, params: Record<string, string>) => {
      const res = await fetch(`${issuer}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(c) }, body: new URLSearchParams(params) });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const bearerCall = (token: string): Call => grantry.bearer(token);
    const created = async (what: string, r: Promise<{ status: number; body: any }>) => {
      const { status, body } = await r;
      expect(status, `${what}: ${JSON.stringify(body)}`).toBe(201);
      return body;
    };

    beforeAll(async () => {
      // What the browser shows takes a moment (requests, animations): polls wait up to 10 s.
      vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 100 } } });
      good = await startReceiver();
      down = await startReceiver((_n, _req, res) => res.writeHead(500).end('down'));
      grantry = await startConsoleServer('grantry-console-admin', dialect);
      ({ issuer, adminUser, admin } = grantry);

      for (const [scope, description] of [
        ['payments:create', 'Take payments on your behalf'],
        ['payments:read', 'See your payments and their status'],
        ['refunds:create', 'Refund payments'],
      ] as const) {
        await created(scope, admin('POST', '/scopes', { scope, description }));
      }
      const ledgerly = (await created('partner', admin('POST', '/organizations', { type: 'partner', name: 'Ledgerly Inc.' }))).id;
      const tillo = (await created('partner', admin('POST', '/organizations', { type: 'partner', name: 'Tillo Ltd.' }))).id;
      acme = (await created('merchant', admin('POST', '/organizations', { type: 'merchant', name: 'Acme Shoes' }))).id;
      otherShop = (await created('merchant', admin('POST', '/organizations', { type: 'merchant', name: 'Other Shop' }))).id;
      const app = async (body: Record<string, unknown>): Promise<Client> => {
        const a = await created(String(body.name), admin('POST', '/applications', body));
        return { id: a.id, clientId: a.client_id, clientSecret: a.client_secret };
      };
      ledgerlyApp = await app({ name: 'Ledgerly Bookkeeping', type: 'third_party', organization_id: ledgerly, scopes: ['payments:read', 'payments:create', 'refunds:create'], redirect_uris: ['https://ledgerly.example/callback'] });
      tilloApp = await app({
        name: 'Tillo POS',
        type: 'third_party',
        organization_id: tillo,
        scopes: ['payments:create', 'payments:read'],
        grant_types: ['refresh_token', 'authorization_code', CIBA],
        // One-time refresh tokens with no grace: a replay is a reuse detection at once.
        refresh_policy: 'rotate',
        refresh_grace_period: 0,
      });
      const events = ['INSTALLATION.CREATE', 'INSTALLATION.UPDATE', 'INSTALLATION.DELETE', 'REFRESH_TOKEN.REUSE_DETECTED'];
      await created('webhook', admin('POST', `/applications/${ledgerlyApp.id}/webhooks`, { url: good.url, events }));
      await created('webhook', admin('POST', `/applications/${tilloApp.id}/webhooks`, { url: down.url, events }));
      erp = await app({ name: 'Acme ERP', type: 'merchant', organization_id: acme, scopes: ['payments:read'] });
      // Someone else's installation, which Olivia must never see.
      await created('installation', admin('POST', '/installations', { organization_id: otherShop, application_id: tilloApp.id, scopes: ['payments:read'] }));
      await created('olivia', admin('POST', '/users', { email: olivia.email, name: 'Olivia Martin', password: olivia.password, memberships: [{ organization_id: acme, role: 'owner' }] }));
      await created('paul', admin('POST', '/users', { email: paul.email, name: 'Paul Ng', password: paul.password, memberships: [{ organization_id: ledgerly, role: 'developer' }] }));
      browser = await launchBrowser();
    });

    afterAll(async () => {
      await browser?.close();
      await grantry?.stop();
      await good?.close();
      await down?.close();
    });

    async function open(who: Person, viewport = DESKTOP): Promise<{ context: BrowserContext; page: Page }> {
      const phone = viewport.width < 600;
      const context = await browser.newContext({ viewport, isMobile: phone, hasTouch: phone });
      // A step that cannot happen fails with its locator, well before the test's own timeout.
      context.setDefaultTimeout(10_000);
      const page = await context.newPage();
      await page.goto(`${issuer}/console/`);
      // Should the sign-in page not come, say what the browser shows instead.
      await page.getByLabel('Email').waitFor().catch(async (err: Error) => {
        throw new Error(`no sign-in page at ${page.url()}: ${(await page.innerText('body').catch(() => '')).slice(0, 500)}\n${err.message}`);
      });
      // Grantry's own sign-in page (the console is a first-party client: no consent page).
      await page.getByLabel('Email').fill(who.email);
      await page.getByLabel('Password').fill(who.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.pathname.startsWith('/console/') && !u.pathname.startsWith('/console/callback'));
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      return { context, page };
    }

    /** The navigation: behind the burger on a phone. */
    async function navigate(page: Page, label: string, heading = label) {
      const burger = page.getByRole('button', { name: 'Open navigation' });
      const phone = await burger.isVisible();
      if (phone) await burger.click();
      const nav = page.getByRole('navigation');
      await nav.getByRole('link', { name: label, exact: true }).click();
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      // On a phone the menu slides away: wait until it is off the screen.
      if (phone) await expect.poll(async () => ((b) => (b ? b.x + b.width : 0))(await nav.boundingBox())).toBeLessThanOrEqual(0);
    }

    /** A picture of the page once every modal and drawer has finished closing. */
    const shot = async (page: Page, name: string) => {
      await expect.poll(() => page.locator('.mantine-Modal-overlay, .mantine-Drawer-overlay').count()).toBe(0);
      await page.screenshot({ path: new URL(`console-${name}.png`, SCREENSHOTS).pathname, style: NO_TOASTS });
    };
    const overflow = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    const noOverflow = async (page: Page, where: string) => expect(await overflow(page), `horizontal overflow on ${where}`).toBeLessThanOrEqual(0);
    const dialog = (page: Page, name: string | RegExp) => page.getByRole('dialog', { name });
    const gone = (l: Locator) => l.waitFor({ state: 'detached' });
    /** A text field, or a select's input (a combobox once it can be searched). */
    const field = (scope: Page | Locator, name: string) => scope.getByRole('textbox', { name, exact: true }).or(scope.getByRole('combobox', { name, exact: true }));

    describe('as the owner of a merchant organization', () => {
      let context: BrowserContext;
      let page: Page;
      /** The console's bearer token, seen on its own API calls (to ask the API directly as Olivia). */
      let oliviaToken = '';

      beforeAll(async () => {
        ({ context, page } = await open(olivia));
        page.on('request', (r) => {
          const auth = r.headers().authorization;
          if (auth?.startsWith('Bearer ') && r.url().includes('/api/v1/')) oliviaToken = auth.slice('Bearer '.length);
        });
      });
      afterAll(async () => context?.close());

      it("sees only her organization's installations", async () => {
        await navigate(page, 'Installations');
        await page.getByTestId('no-installations').waitFor();
        expect(await page.getByTestId('installation').count()).toBe(0);
        // Other Shop has Tillo POS installed; Olivia's console shows nothing of it, and the API agrees.
        expect((await admin('GET', `/installations?organization_id=${otherShop}`)).body.items).toHaveLength(1);
        const mine = await bearerCall(oliviaToken)('GET', '/installations');
        expect(mine.status).toBe(200);
        expect(mine.body.items).toEqual([]);
        expect((await bearerCall(oliviaToken)('GET', `/installations?organization_id=${otherShop}`)).status).toBe(404);
        await noOverflow(page, 'the empty installations');
      });

      it('installs a partner app from the available apps, with the scopes she picks', async () => {
        await page.getByRole('button', { name: 'Install an app' }).click();
        const pick = dialog(page, 'Install an app');
        await expect.poll(() => pick.getByTestId('catalog-app').count()).toBe(2);
        expect(await pick.getByTestId('catalog-app').allTextContents()).toEqual([expect.stringContaining('by Ledgerly Inc.'), expect.stringContaining('by Tillo Ltd.')]);
        await pick.getByRole('button', { name: 'Choose Ledgerly Bookkeeping' }).click();
        const grant = dialog(page, 'Install Ledgerly Bookkeeping');
        // The form says what is missing before anything is sent.
        await grant.getByRole('button', { name: 'Install' }).click();
        await grant.getByText('Pick at least one scope to grant').waitFor();
        expect(await grant.getByText('See your payments and their status').isVisible()).toBe(true);
        await grant.getByRole('checkbox', { name: 'payments:read' }).check();
        await grant.getByRole('button', { name: 'Install' }).click();
        await gone(grant);
        const card = page.getByTestId('installation');
        await expect.poll(() => card.count()).toBe(1);
        await expect.poll(() => card.getAttribute('data-app')).toBe('Ledgerly Bookkeeping');
        expect(await card.getByTestId('granted-scopes').textContent()).toBe('payments:read');
        const saved = (await admin('GET', `/installations?organization_id=${acme}`)).body.items;
        expect(saved).toMatchObject([{ application_id: ledgerlyApp.id, scopes: ['payments:read'], status: 'active' }]);
      });

      it('changes the granted scopes', async () => {
        await page.getByRole('button', { name: 'Change scopes' }).click();
        const change = dialog(page, 'Change the scopes of Ledgerly Bookkeeping');
        await change.getByRole('checkbox', { name: 'payments:read' }).uncheck();
        await change.getByRole('button', { name: 'Save scopes' }).click();
        await change.getByText('Keep at least one scope, or uninstall the app instead').waitFor();
        await change.getByRole('checkbox', { name: 'payments:read' }).check();
        await change.getByRole('checkbox', { name: 'refunds:create' }).check();
        await change.getByRole('button', { name: 'Save scopes' }).click();
        await gone(change);
        const badges = page.getByTestId('granted-scopes').locator('.mantine-Badge-root');
        await expect.poll(async () => (await badges.allTextContents()).sort()).toEqual(['payments:read', 'refunds:create']);
        const saved = (await admin('GET', `/installations?organization_id=${acme}`)).body.items[0];
        expect([...saved.scopes].sort()).toEqual(['payments:read', 'refunds:create']);
        expect(saved.credentials_version).toBe(2);
        await shot(page, 'installations');
        await noOverflow(page, 'the installations');
      });

      it('uninstalls after confirming', async () => {
        await page.getByRole('button', { name: 'Uninstall' }).click();
        const confirm = dialog(page, 'Uninstall Ledgerly Bookkeeping?');
        await confirm.getByRole('button', { name: 'Cancel' }).click();
        await gone(confirm);
        expect((await admin('GET', `/installations?organization_id=${acme}`)).body.items[0].status).toBe('active');
        await page.getByRole('button', { name: 'Uninstall' }).click();
        await dialog(page, 'Uninstall Ledgerly Bookkeeping?').getByRole('button', { name: 'Uninstall' }).click();
        await page.getByTestId('no-installations').waitFor();
        expect((await admin('GET', `/installations?organization_id=${acme}`)).body.items[0].status).toBe('uninstalled');
        await page.getByText('Uninstalled', { exact: true }).click();
        await expect.poll(() => page.getByTestId('installation').getAttribute('data-status')).toBe('uninstalled');
        expect(await page.getByRole('button', { name: 'Uninstall' }).count()).toBe(0);
      });

      it('approves one pending decoupled request and denies another', async () => {
        const ask = async (binding: string) => {
          const r = await oauth('/oauth/bc-authorize', tilloApp, { scope: 'payments:create', login_hint: olivia.email, binding_message: binding });
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          return r.body.auth_req_id as string;
        };
        const approved = await ask('Till 4 · 12,50 €');
        const denied = await ask('Till 7 · 99,00 €');
        await navigate(page, 'Decoupled requests');
        const pending = page.getByTestId('decoupled-request').and(page.locator('[data-status="pending"]'));
        await expect.poll(() => pending.count()).toBe(2);
        const first = pending.filter({ hasText: 'Till 4 · 12,50 €' });
        expect(await first.textContent()).toContain('Tillo POS');
        expect(await first.textContent()).toContain('Take payments on your behalf');
        expect(await first.textContent()).toMatch(/Expires\s*in \d+/);
        await shot(page, 'decoupled');
        await noOverflow(page, 'the decoupled requests');

        await first.getByRole('button', { name: 'Approve' }).click();
        await dialog(page, 'Approve the request of Tillo POS?').getByRole('button', { name: 'Approve request' }).click();
        await expect.poll(() => pending.count()).toBe(1);

        const second = pending.filter({ hasText: 'Till 7 · 99,00 €' });
        await second.getByRole('button', { name: 'Deny' }).click();
        const confirm = dialog(page, 'Deny the request of Tillo POS?');
        await confirm.getByRole('button', { name: 'Cancel' }).click();
        await gone(confirm);
        expect(await pending.count()).toBe(1);
        await second.getByRole('button', { name: 'Deny' }).click();
        await dialog(page, 'Deny the request of Tillo POS?').getByRole('button', { name: 'Deny request' }).click();
        await page.getByTestId('no-pending').waitFor();

        const history = page.getByTestId('history').getByTestId('decoupled-request');
        await expect.poll(() => history.count()).toBe(2);
        expect(await history.filter({ hasText: 'Till 4' }).getAttribute('data-status')).toBe('approved');
        expect(await history.filter({ hasText: 'Till 7' }).getAttribute('data-status')).toBe('denied');
        expect(await history.filter({ hasText: 'Till 7' }).textContent()).toContain('by you');

        // The app's next polls: tokens for the approved one, access_denied for the other.
        const poll = (id: string) => oauth('/oauth/token', tilloApp, { grant_type: CIBA, auth_req_id: id });
        const ok = await poll(approved);
        expect(ok.status, JSON.stringify(ok.body)).toBe(200);
        expect(ok.body.scope).toBe('payments:create');
        tilloRefresh = ok.body.refresh_token;
        expect(tilloRefresh).toBeTruthy();
        expect(await poll(denied)).toMatchObject({ status: 400, body: { error: 'access_denied' } });
      });

      it('has no platform pages: hidden in the navigation, refused by the API', async () => {
        const nav = page.getByRole('navigation');
        for (const label of ['Dashboard', 'Scopes', 'Signing keys', 'Users', 'Audit log']) expect(await nav.getByRole('link', { name: label, exact: true }).count()).toBe(0);
        const asOlivia = bearerCall(oliviaToken);
        for (const path of ['/keys', '/users', '/audit-events', '/stats']) expect([403, 404], path).toContain((await asOlivia('GET', path)).status);
        const refused = await asOlivia('POST', '/scopes', { scope: 'sneaky:write' });
        expect(refused.status).toBe(403);
        expect((await asOlivia('POST', '/keys/rotate', {})).status).toBe(403);
        // Typed straight into the address bar, a platform page says what it is, and asks nothing.
        let asked = false;
        page.on('request', (r) => void (r.url().includes('/api/v1/keys') && (asked = true)));
        await page.goto(`${issuer}/console/signing-keys`);
        await page.getByTestId('platform-only').waitFor();
        expect(await page.getByTestId('platform-only').textContent()).toContain('Only platform administrators can see it');
        expect(asked).toBe(false);
      });
    });

    describe('as a developer of the partner organization', () => {
      it('sees who installed its apps, read-only', async () => {
        const { context, page } = await open(paul);
        try {
          await navigate(page, 'Installations');
          const section = page.getByTestId('partner-app-installations');
          await expect.poll(() => section.count()).toBe(1);
          expect(await section.getByRole('heading').textContent()).toBe('Ledgerly Bookkeeping');
          const rows = section.getByTestId('partner-installation');
          await expect.poll(() => rows.count()).toBe(1);
          expect(await rows.textContent()).toContain('Uninstalled');
          for (const button of ['Install an app', 'Change scopes', 'Uninstall']) expect(await page.getByRole('button', { name: button }).count()).toBe(0);
        } finally {
          await context.close();
        }
      });
    });

    describe('as a platform administrator', () => {
      let context: BrowserContext;
      let page: Page;

      beforeAll(async () => {
        // Traffic for the dashboard: tokens for a merchant app, a bad secret twice.
        for (let i = 0; i < 5; i++) expect((await oauth('/oauth/token', erp, { grant_type: 'client_credentials', scope: 'payments:read' })).status).toBe(200);
        for (let i = 0; i < 2; i++) expect((await oauth('/oauth/token', { ...erp, clientSecret: 'wrong' }, { grant_type: 'client_credentials' })).status).toBe(401);
        // Tillo POS refreshes, then its old refresh token is replayed: a reuse detection.
        expect((await oauth('/oauth/token', tilloApp, { grant_type: 'refresh_token', refresh_token: tilloRefresh })).status).toBe(200);
        expect(await oauth('/oauth/token', tilloApp, { grant_type: 'refresh_token', refresh_token: tilloRefresh })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
        ({ context, page } = await open(adminUser));
      });
      afterAll(async () => context?.close());

      it('adds a scope (the form says what is wrong first), edits its description and deletes it', async () => {
        await navigate(page, 'Scopes');
        await expect.poll(() => page.getByTestId('audience').count()).toBeGreaterThanOrEqual(2);
        expect(await page.locator('[data-audience="payments"]').getByTestId('scope-row').count()).toBe(2);

        await page.getByRole('button', { name: 'Add scope' }).click();
        const add = dialog(page, 'Add a scope');
        await add.getByLabel('Scope').fill('Invoices');
        await add.getByRole('button', { name: 'Add scope' }).click();
        await add.getByText('A scope is an audience and an operation separated by a colon').waitFor();
        await add.getByLabel('Scope').fill('Invoices:read');
        await add.getByRole('button', { name: 'Add scope' }).click();
        await add.getByText('Use lower-case letters only').waitFor();
        await add.getByLabel('Scope').fill('invoices:read');
        await add.getByLabel('Description').fill('See your invoices');
        await add.getByRole('button', { name: 'Add scope' }).click();
        await gone(add);
        const row = page.locator('[data-scope="invoices:read"]');
        await row.waitFor();
        expect(await page.locator('[data-audience="invoices"]').count()).toBe(1);
        expect(await row.getByTestId('scope-description').textContent()).toBe('See your invoices');

        await row.getByRole('button', { name: 'Edit invoices:read' }).click();
        const edit = dialog(page, 'Edit invoices:read');
        await edit.getByLabel('Description').fill('See your invoices and credit notes');
        await edit.getByRole('button', { name: 'Save' }).click();
        await gone(edit);
        await expect.poll(() => row.getByTestId('scope-description').textContent()).toBe('See your invoices and credit notes');
        expect((await admin('GET', '/scopes/invoices:read')).body.description).toBe('See your invoices and credit notes');
        await shot(page, 'scopes');
        await noOverflow(page, 'the scopes');

        await row.getByRole('button', { name: 'Delete invoices:read' }).click();
        await dialog(page, 'Delete invoices:read?').getByRole('button', { name: 'Delete scope' }).click();
        await gone(row);
        expect((await admin('GET', '/scopes/invoices:read')).status).toBe(404);
      });

      it('shows the API’s refusal in words: a scope still granted cannot be deleted', async () => {
        await page.locator('[data-scope="payments:read"]').getByRole('button', { name: 'Delete payments:read' }).click();
        await dialog(page, 'Delete payments:read?').getByRole('button', { name: 'Delete scope' }).click();
        const alert = page.getByRole('alert').filter({ hasText: 'payments:read was not deleted' });
        await alert.waitFor();
        expect(await alert.textContent()).toContain('Scope payments:read is still granted to an application; remove it there first.');
        expect(await page.locator('[data-scope="payments:read"]').count()).toBe(1);
      });

      it('rotates the signing key with the algorithm chosen', async () => {
        await navigate(page, 'Signing keys');
        const rows = page.getByTestId('key-row');
        const before = (await admin('GET', '/keys')).body.items as { kid: string; alg: string; state: string }[];
        await expect.poll(() => rows.count()).toBe(before.length);
        const active = before.find((k) => k.state === 'active')!;
        const otherAlg = active.alg === 'EdDSA' ? 'ES256' : 'EdDSA';
        await page.getByRole('button', { name: 'Rotate' }).click();
        const rotate = dialog(page, 'Rotate the signing key?');
        await rotate.getByRole('radio', { name: new RegExp(`^${otherAlg}`) }).check();
        await rotate.getByText(`The algorithm changes from ${active.alg} to ${otherAlg}`).waitFor();
        await rotate.getByRole('button', { name: 'Cancel' }).click();
        await gone(rotate);
        expect((await admin('GET', '/keys')).body.items).toHaveLength(before.length);
        await page.getByRole('button', { name: 'Rotate' }).click();
        await dialog(page, 'Rotate the signing key?').getByRole('radio', { name: new RegExp(`^${otherAlg}`) }).check();
        await dialog(page, 'Rotate the signing key?').getByRole('button', { name: 'Rotate key' }).click();
        await expect.poll(() => rows.count()).toBe(before.length + 1);
        const after = (await admin('GET', '/keys')).body.items as { kid: string; alg: string; state: string }[];
        const fresh = after.find((k) => !before.some((b) => b.kid === k.kid))!;
        expect(fresh.alg).toBe(otherAlg);
        expect(await page.locator(`[data-testid="key-row"][data-alg="${otherAlg}"]`).textContent()).toContain(fresh.kid);
        await shot(page, 'keys');
        await noOverflow(page, 'the signing keys');
      });

      it('creates a user (the setup link once) and gives them a membership', async () => {
        await navigate(page, 'Users');
        await expect.poll(() => page.getByTestId('user-row').count()).toBe(3);
        await page.getByRole('button', { name: 'Create user' }).click();
        const create = dialog(page, 'Create a user');
        await create.getByRole('button', { name: 'Create user' }).click();
        await create.getByText('Enter the person’s email address').waitFor();
        await create.getByLabel('Email').fill('nina.acme.example');
        await create.getByRole('button', { name: 'Create user' }).click();
        await create.getByText('Enter an email address like name@example.com').waitFor();
        await create.getByLabel('Email').fill('nina@acme.example');
        await create.getByLabel('Name').fill('Nina Rossi');
        await create.getByRole('button', { name: 'Create user' }).click();
        const done = dialog(page, 'User created');
        const link = (await done.getByTestId('setup-link').textContent())!.trim();
        expect(link).toMatch(new RegExp(`^${issuer}/setup\\?token=`));
        await done.getByRole('button', { name: 'I have copied the link' }).click();
        await gone(done);
        expect(await page.content()).not.toContain(link);

        // The new user opens, to be given a membership.
        const drawer = page.getByRole('dialog', { name: 'Nina Rossi' });
        await drawer.waitFor();
        await drawer.getByRole('button', { name: 'Add membership' }).click();
        await drawer.getByText('Pick the organization to add them to').waitFor();
        await field(drawer, 'Add to organization').click();
        await page.getByRole('option', { name: 'Acme Shoes', exact: true }).click();
        await field(drawer, 'As').click();
        await page.getByRole('option', { name: /^Admin/ }).click();
        await drawer.getByRole('button', { name: 'Add membership' }).click();
        await expect.poll(() => drawer.getByTestId('membership').count()).toBe(1);
        expect(await drawer.getByTestId('membership').getAttribute('data-org')).toBe('Acme Shoes');
        const nina = (await admin('GET', '/users/nina@acme.example')).body;
        expect(nina).toMatchObject({ name: 'Nina Rossi', has_password: false, memberships: [{ organization_id: acme, role: 'admin' }] });
        await noOverflow(page, 'the user');
        await page.keyboard.press('Escape');
        await gone(drawer);
        await expect.poll(() => page.locator('[data-email="nina@acme.example"]').textContent()).toContain('Acme Shoes · Admin');
        await shot(page, 'users');
        await noOverflow(page, 'the users');
      });

      it('filters the audit log by action and by target id', async () => {
        await navigate(page, 'Audit log');
        const rows = page.getByTestId('audit-row');
        await expect.poll(() => rows.count()).toBeGreaterThan(10);
        // Newest first.
        expect(await rows.first().getAttribute('data-action')).toBe('user.membership_set');

        await field(page, 'Action').fill('scope created');
        await page.getByRole('button', { name: 'Filter' }).click();
        await page.getByText('An action is written like scope.created').waitFor();
        await field(page, 'Action').fill('scope.created');
        await page.getByRole('button', { name: 'Filter' }).click();
        const createdScopes = (await admin('GET', '/audit-events?action=scope.created')).body.items.length;
        expect(createdScopes).toBeGreaterThanOrEqual(4);
        await expect.poll(async () => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))).toEqual(Array(createdScopes).fill('scope.created'));
        expect(new URL(page.url()).searchParams.get('action')).toBe('scope.created');

        await page.getByRole('button', { name: 'Clear' }).click();
        await field(page, 'Target id').fill('invoices:read');
        await page.getByRole('button', { name: 'Filter' }).click();
        await expect.poll(async () => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))).toEqual(['scope.deleted', 'scope.updated', 'scope.created']);
        await shot(page, 'audit');
        await noOverflow(page, 'the audit log');
      });

      it('shows the dashboard’s charts with data, by hour and by day', async () => {
        await navigate(page, 'Dashboard');
        const value = (id: string) => page.getByTestId(`${id}-value`).textContent();
        // Ledgerly's three deliveries arrived; Tillo's (Other Shop's installation, the approved request, the reuse) failed.
        await expect
          .poll(async () => (await admin('GET', '/stats?bucket=hour')).body.totals, { timeout: 20_000 })
          .toMatchObject({ webhook_attempts_succeeded: 3, webhook_attempts_failed: expect.any(Number), refresh_reuse_detections: 1, client_auth_failures: 2 });
        const stats = (await admin('GET', '/stats?bucket=hour')).body;
        expect(stats.totals.webhook_attempts_failed).toBeGreaterThanOrEqual(2);
        const issued = Object.values(stats.totals.tokens as Record<string, number>).reduce((a, b) => a + b, 0);
        // 5 client_credentials tokens for Acme ERP and the admin application's; the decoupled request's; a refresh; the console's sign-ins.
        expect(stats.totals.tokens).toMatchObject({ client_credentials: 6, [CIBA]: 1, refresh_token: 1 });
        await expect.poll(() => value('stat-tokens')).toBe(String(issued));
        expect(await value('stat-auth-failures')).toBe('2');
        expect(await value('stat-reuse')).toBe('1');
        // Some of Tillo's deliveries are still being retried: the rate moves, but it is never zero.
        expect(await value('stat-webhooks')).toMatch(/^[1-9]\d* %$/);
        expect(await page.getByTestId('stat-tokens').textContent()).toContain('most: Client credentials (6)');
        const grants = page.getByTestId('chart-grants');
        const bars = (chart: Locator) => chart.locator('path.recharts-rectangle').count();
        await expect.poll(() => bars(grants)).toBeGreaterThan(0);
        expect(await grants.textContent()).toContain('Client credentials');
        expect(await grants.textContent()).toContain('Decoupled (CIBA)');
        const apps = page.getByTestId('chart-applications');
        await expect.poll(() => bars(apps)).toBeGreaterThan(0);
        const totals = await apps.getByTestId('app-total').allTextContents();
        expect(totals, totals.join(' | ')).toEqual(expect.arrayContaining(['Acme ERP5', 'Tillo POS2']));
        await expect.poll(() => bars(page.getByTestId('chart-security'))).toBeGreaterThan(0);
        // The failure rate has a point this hour (a dot: its line needs two).
        await expect.poll(() => page.getByTestId('chart-webhooks').locator('.recharts-line-dots circle').count()).toBeGreaterThan(0);
        // Let the charts' entry animation finish before the picture.
        await page.waitForTimeout(1500);
        await shot(page, 'dashboard');
        await noOverflow(page, 'the dashboard');

        await page.getByText('30 days', { exact: true }).click();
        await expect.poll(() => page.getByTestId('dashboard').getAttribute('data-bucket')).toBe('day');
        await expect.poll(() => value('stat-tokens')).toBe(String(issued));
        await expect.poll(() => bars(grants)).toBeGreaterThan(0);
      });
    });

    describe('at 390 px (a phone)', () => {
      const pages = {
        merchant: [
          ['Installations', 'Installations'],
          ['Decoupled requests', 'Decoupled requests'],
        ],
        admin: [
          ['Dashboard', 'Dashboard'],
          ['Scopes', 'Scopes'],
          ['Signing keys', 'Signing keys'],
          ['Users', 'Users'],
          ['Audit log', 'Audit log'],
          ['Installations', 'Installations'],
          ['Decoupled requests', 'Decoupled requests'],
        ],
      } as const;

      it('shows every page of a merchant’s owner without horizontal overflow', async () => {
        const { context, page } = await open(olivia, PHONE);
        try {
          for (const [label, heading] of pages.merchant) {
            await navigate(page, label, heading);
            await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
            if (label === 'Installations') {
              // Tillo POS, installed by the approved decoupled request.
              await page.getByTestId('installation').first().waitFor();
              await shot(page, 'installations-phone');
            }
            if (label === 'Decoupled requests') await page.getByTestId('history').waitFor();
            await noOverflow(page, `${label} at 390 px`);
          }
        } finally {
          await context.close();
        }
      });

      it('shows every platform page without horizontal overflow', async () => {
        const { context, page } = await open(adminUser, PHONE);
        try {
          for (const [label, heading] of pages.admin) {
            await navigate(page, label, heading);
            if (label === 'Dashboard') {
              await page.getByTestId('chart-grants').locator('path.recharts-rectangle').first().waitFor();
              await page.waitForTimeout(1500);
              await shot(page, 'dashboard-phone');
            }
            if (label === 'Users') {
              await page.getByTestId('user-row').first().waitFor();
              await page.getByTestId('user-row').filter({ hasText: 'nina@acme.example' }).getByRole('button').click();
              await page.getByRole('dialog', { name: 'Nina Rossi' }).waitFor();
              await noOverflow(page, 'a user at 390 px');
              await page.keyboard.press('Escape');
            }
            if (label === 'Audit log') await page.getByTestId('audit-row').first().waitFor();
            if (label === 'Signing keys') await page.getByTestId('key-row').first().waitFor();
            if (label === 'Scopes') await page.getByTestId('scope-row').first().waitFor();
            await noOverflow(page, `${label} at 390 px`);
          }
        } finally {
          await context.close();
        }
      });
    });
  });
});
