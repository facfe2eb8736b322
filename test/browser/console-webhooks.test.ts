import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startConsoleServer, type ConsoleServer } from '../helpers/console-server.js';
import { browserMissing, launchBrowser } from '../helpers/browser.js';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { until } from '../helpers/net.js';
import { signatureValid, startReceiver, type Receipt, type Receiver } from '../helpers/webhooks.js';
import { compressOutage } from '../helpers/console-webhooks.js';

const SCREENSHOTS = new URL('../../docs/screenshots/', import.meta.url);
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
/** Screenshots without the toasts of the moment (they come and go with timing). */
const NO_TOASTS = '.mantine-Notifications-root { display: none !important; }';
const DAY = 86_400_000;

interface Person {
  email: string;
  password: string;
}
type Call = <T = any>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;

const typeOf = (r: Receipt) => (JSON.parse(r.body) as { type: string }).type;
const dataOf = (r: Receipt) => (JSON.parse(r.body) as { data: Record<string, unknown> }).data;

/**
 * A partner's webhook endpoint in the console (issue 17), in Chromium against a real Grantry
 * (startServer: the webhook worker runs): a developer of the partner edits the endpoint (the server's
 * 400 shown on its field), rotates its signing secret (the new one shown once, the overlap's end shown,
 * both secrets signing meanwhile), sends a test event and follows it into the delivery log; the
 * endpoint fails for "days" (compressOutage), is disabled with reason failing, shows so on the
 * application and on the dashboard (theirs only), is re-enabled (held deliveries released) and
 * recovered (one INSTALLATION.UPDATE per failed installation). A platform administrator then reads
 * the endpoint's changes between the deliveries of its log.
 */
describe.each(DIALECTS)('the console: webhook endpoints on %s', (dialect) => {
  describe.skipIf(browserMissing() || skipDialect(dialect))('', { timeout: 120_000 }, () => {
    let grantry: ConsoleServer;
    let issuer: string;
    let admin: Call;
    let adminUser: Person;
    let browser: Browser;
    const paul: Person = { email: 'paul@ledgerly.example', password: `pw-${randomBytes(12).toString('base64url')}` };
    /** Where the endpoint starts, and where the edit moves it. */
    let first: Receiver;
    let second: Receiver;
    /** The second receiver answers 503 while this is true (the outage). */
    let outage = false;
    /** Another partner's endpoint, disabled: on the administrator's dashboard, never on Paul's. */
    let globexEndpoint: string;
    let appId: string;
    let webhookId: string;
    let originalSecret: string;
    let rotatedSecret: string;
    const merchants: string[] = [];
    const installations: string[] = [];

    let context: BrowserContext;
    let page: Page;

    const created = async (what: string, r: Promise<{ status: number; body: any }>) => {
      const { status, body } = await r;
      expect(status, `${what}: ${JSON.stringify(body)}`).toBe(201);
      return body;
    };
    const endpoint = async () => (await admin('GET', `/applications/${appId}/webhooks/${webhookId}`)).body;
    const deliveries = async () => (await admin<{ items: any[] }>('GET', `/webhook-deliveries?subscription_id=${webhookId}&limit=100`)).body.items;

    beforeAll(async () => {
      vi.setConfig({ expect: { poll: { timeout: 15_000, interval: 100 } } });
      first = await startReceiver();
      second = await startReceiver((_n, _req, res) => (outage ? res.writeHead(503).end('down') : res.writeHead(204).end()));
      grantry = await startConsoleServer('grantry-console-webhooks', dialect);
      ({ issuer, adminUser, admin } = grantry);
      await created('scope', admin('POST', '/scopes', { scope: 'payments:read', description: 'See your payments and their status' }));
      const ledgerly = (await created('partner', admin('POST', '/organizations', { type: 'partner', name: 'Ledgerly Inc.' }))).id;
      const globex = (await created('partner', admin('POST', '/organizations', { type: 'partner', name: 'Globex Apps' }))).id;
      for (const name of ['Acme Shoes', 'Bolt Bikes']) merchants.push((await created('merchant', admin('POST', '/organizations', { type: 'merchant', name }))).id);
      appId = (await created('app', admin('POST', '/applications', { name: 'Ledgerly Bookkeeping', type: 'third_party', organization_id: ledgerly, scopes: ['payments:read'] }))).id;
      const hook = await created('webhook', admin('POST', `/applications/${appId}/webhooks`, { url: first.url, events: ['INSTALLATION.CREATE', 'INSTALLATION.UPDATE', 'INSTALLATION.DELETE'] }));
      webhookId = hook.id;
      originalSecret = hook.secret;
      const globexApp = (await created('app', admin('POST', '/applications', { name: 'Globex Sync', type: 'third_party', organization_id: globex, scopes: ['payments:read'] }))).id;
      globexEndpoint = (await created('webhook', admin('POST', `/applications/${globexApp}/webhooks`, { url: first.url, events: ['INSTALLATION.CREATE'] }))).id;
      expect((await admin('PATCH', `/applications/${globexApp}/webhooks/${globexEndpoint}`, { enabled: false })).status).toBe(200);
      await created('paul', admin('POST', '/users', { email: paul.email, name: 'Paul Ng', password: paul.password, memberships: [{ organization_id: ledgerly, role: 'developer' }] }));
      browser = await launchBrowser();
      ({ context, page } = await open(paul));
    });

    afterAll(async () => {
      await context?.close();
      await browser?.close();
      await grantry?.stop();
      await first?.close();
      await second?.close();
    });

    async function open(who: Person, viewport = DESKTOP): Promise<{ context: BrowserContext; page: Page }> {
      const phone = viewport.width < 600;
      const context = await browser.newContext({ viewport, isMobile: phone, hasTouch: phone });
      // A busy machine (CI runs every suite at once) can take a while over a sign-in.
      context.setDefaultTimeout(20_000);
      const page = await context.newPage();
      await page.goto(`${issuer}/console/`);
      await page.getByLabel('Email').waitFor().catch(async (err: Error) => {
        throw new Error(`no sign-in page at ${page.url()}: ${(await page.innerText('body').catch(() => '')).slice(0, 500)}\n${err.message}`);
      });
      await page.getByLabel('Email').fill(who.email);
      await page.getByLabel('Password').fill(who.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      // Should the console not come, say what the browser shows instead.
      await page.waitForURL((u) => u.pathname.startsWith('/console/') && !u.pathname.startsWith('/console/callback')).catch(async (err: Error) => {
        throw new Error(`no console after signing in, at ${page.url()}: ${(await page.innerText('body').catch(() => '')).slice(0, 500)}\n${err.message}`);
      });
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      return { context, page };
    }

    const shot = async (p: Page, name: string, locator?: Locator) => {
      if (dialect !== 'sqlite') return;
      const path = new URL(`console-${name}.png`, SCREENSHOTS).pathname;
      if (locator) await locator.screenshot({ path, style: NO_TOASTS });
      else await p.screenshot({ path, style: NO_TOASTS, fullPage: true });
    };
    const overflow = (p: Page) => p.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    const noOverflow = async (p: Page, where: string) => expect(await overflow(p), `horizontal overflow on ${where}`).toBeLessThanOrEqual(0);
    const card = () => page.getByTestId('subscription-row');
    const dialog = (p: Page, name: string) => p.getByRole('dialog', { name });
    const openApp = async (p: Page) => {
      await p.goto(`${issuer}/console/partner-apps/${appId}`);
      await p.getByRole('heading', { name: 'Ledgerly Bookkeeping', level: 1 }).waitFor();
      await p.getByTestId('subscription-row').waitFor();
    };

    it('edits the endpoint: URL, events from the catalogue, description, rate limit; the server’s 400 beside its field', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Partner apps', exact: true }).click();
      await page.getByRole('link', { name: 'Ledgerly Bookkeeping' }).click();
      await page.getByRole('heading', { name: 'Ledgerly Bookkeeping', level: 1 }).waitFor();
      await expect.poll(() => card().count()).toBe(1);
      expect(await card().getByTestId('endpoint-url').textContent()).toBe(first.url);
      expect(await card().getByTestId('endpoint-rate-limit').textContent()).toBe('No limit');

      await card().getByRole('button', { name: 'Edit' }).click();
      const edit = dialog(page, 'Edit endpoint');
      // The choices are the catalogue's subscribable events: WEBHOOK.TEST is sent on request only.
      await edit.getByRole('checkbox', { name: 'REFRESH_TOKEN.REUSE_DETECTED' }).waitFor();
      expect(await edit.getByRole('checkbox').count()).toBe(4);
      expect(await edit.getByRole('checkbox', { name: 'WEBHOOK.TEST' }).count()).toBe(0);
      // Descriptions come from the catalogue.
      expect(await edit.textContent()).toContain('A merchant installed your application.');
      // A private address passes the form's own checks; the server refuses it, and says so on the field.
      await edit.getByLabel('URL').fill('http://10.20.30.40/hooks');
      const refused = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().includes(`/webhooks/${webhookId}`));
      await edit.getByRole('button', { name: 'Save' }).click();
      expect((await refused).status()).toBe(400);
      const urlField = edit.getByRole('textbox', { name: 'URL' });
      await expect.poll(async () => (await urlField.getAttribute('aria-invalid')) === 'true').toBe(true);
      await expect.poll(() => edit.getByText('The destination address is not allowed').isVisible()).toBe(true);
      expect((await endpoint()).url).toBe(first.url);

      // The form's own checks: the rate limit is a whole number from 1 to 1000.
      await edit.getByLabel('Rate limit').fill('5000');
      await edit.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => edit.getByText('A whole number from 1 to 1000').isVisible()).toBe(true);

      await urlField.fill(second.url);
      await edit.getByLabel('Description').fill('Ledgerly production receiver');
      await edit.getByRole('checkbox', { name: 'REFRESH_TOKEN.REUSE_DETECTED' }).check();
      await edit.getByLabel('Rate limit').fill('5');
      // The picture from the top of the form (the dialog scrolls within the window).
      await edit.evaluate((el) => el.scrollTo(0, 0));
      await shot(page, 'webhook-edit', edit);
      await edit.getByRole('button', { name: 'Save' }).click();
      await edit.waitFor({ state: 'detached' });
      await expect.poll(async () => card().getByTestId('endpoint-url').textContent()).toBe(second.url);
      expect(await card().getByTestId('endpoint-description').textContent()).toBe('Ledgerly production receiver');
      expect(await card().getByTestId('endpoint-rate-limit').textContent()).toBe('5 per second');
      expect(await card().getByTestId('endpoint-events').textContent()).toContain('REFRESH_TOKEN.REUSE_DETECTED');
      expect(await endpoint()).toMatchObject({
        url: second.url,
        description: 'Ledgerly production receiver',
        rate_limit: 5,
        events: expect.arrayContaining(['INSTALLATION.CREATE', 'INSTALLATION.UPDATE', 'INSTALLATION.DELETE', 'REFRESH_TOKEN.REUSE_DETECTED']),
      });
    });

    it('rotates the signing secret: the new one shown once, the overlap’s end shown, both secrets live', async () => {
      await card().getByRole('button', { name: 'Rotate signing secret' }).click();
      const rotate = dialog(page, 'Rotate the signing secret');
      // 24 hours is the default overlap.
      expect(await rotate.getByRole('radio', { name: 'In 24 hours' }).isChecked()).toBe(true);
      const answer = page.waitForResponse((r) => r.url().endsWith('/secret/rotate'));
      await rotate.getByRole('button', { name: 'Rotate signing secret' }).click();
      const body = (await (await answer).json()) as { secret: string; previous_secret_expires_at: number };
      const shown = dialog(page, 'New signing secret');
      rotatedSecret = (await shown.getByTestId('rotated-webhook-secret').textContent())!.trim();
      expect(rotatedSecret).toMatch(/^whsec_/);
      expect(rotatedSecret).toBe(body.secret);
      expect(rotatedSecret).not.toBe(originalSecret);
      expect(body.previous_secret_expires_at - Date.now()).toBeGreaterThan(DAY - 5 * 60_000);
      expect(body.previous_secret_expires_at - Date.now()).toBeLessThanOrEqual(DAY);
      // The overlap's end: its time, and how long that is from now.
      const overlap = (await shown.getByTestId('overlap-end').textContent()) ?? '';
      expect(overlap).toContain('Keeps signing until');
      expect(overlap).toMatch(/in (23 h 5\d min|24 h 0 min)/);
      expect(await shown.getByText('This is the only time Grantry shows it').isVisible()).toBe(true);
      await shot(page, 'webhook-rotated', shown);
      await shown.getByRole('button', { name: 'I have copied the secret' }).click();
      await shown.waitFor({ state: 'detached' });
      // Shown once: nowhere on the page any more.
      expect(await page.content()).not.toContain(rotatedSecret);
      // The card says which secrets are live and when the previous one stops.
      const secrets = card().getByTestId('signing-secret');
      await expect.poll(() => secrets.count()).toBe(2);
      expect(await card().getByTestId('signing-secret').filter({ hasText: 'Current' }).count()).toBe(1);
      expect(await card().getByTestId('signing-secret').filter({ hasText: 'Previous' }).textContent()).toMatch(/signs until .*\(in 2[34] h/);
      expect((await endpoint()).secrets).toHaveLength(2);
    });

    let testDelivery: string;

    it('sends a test event, signed with both secrets during the overlap, and follows it into the delivery log', async () => {
      const before = second.receipts.length;
      await card().getByRole('button', { name: 'Send test event' }).click();
      const send = dialog(page, 'Send a test event');
      await send.getByRole('button', { name: 'Send test event' }).click();
      const sent = send.getByTestId('test-delivery');
      await sent.waitFor();
      testDelivery = (await sent.getAttribute('data-delivery-id'))!;
      expect(await sent.textContent()).toContain('WEBHOOK.TEST');
      await expect.poll(() => sent.getAttribute('data-status'), { timeout: 20_000 }).toBe('succeeded');
      expect(await sent.textContent()).toContain('Your receiver answered 204');
      await shot(page, 'webhook-test-event', send);
      // What the receiver got: WEBHOOK.TEST, no credentials, one signature per live secret.
      await until('the test event', () => second.receipts.length > before);
      const receipt = second.receipts.at(-1)!;
      expect(typeOf(receipt)).toBe('WEBHOOK.TEST');
      expect(dataOf(receipt)).toMatchObject({ webhook_id: webhookId, test: true });
      expect(receipt.body).not.toMatch(/refresh_token|access_token/);
      expect(receipt.signature.split(' ')).toHaveLength(2);
      expect(signatureValid(rotatedSecret, receipt)).toBe(true);
      expect(signatureValid(originalSecret, receipt)).toBe(true);

      await send.getByRole('link', { name: 'Open it in the delivery log' }).click();
      await page.getByRole('heading', { name: 'Delivery log', level: 1 }).waitFor();
      expect(new URL(page.url()).searchParams.get('delivery')).toBe(testDelivery);
      const highlighted = page.locator('[data-testid="delivery"][data-highlighted="true"]');
      await highlighted.waitFor();
      expect(await highlighted.getAttribute('data-delivery-id')).toBe(testDelivery);
      expect(await highlighted.textContent()).toContain('WEBHOOK.TEST');
      // A member cannot read the audit log: the log says when the endpoint last changed.
      await page.getByTestId('endpoint-last-change').waitFor();
      expect(await page.getByTestId('endpoint-change').count()).toBe(0);
    });

    it('shows a failing, then disabled endpoint on the application and on the dashboard (their own only); Re-enable releases held deliveries', async () => {
      outage = true;
      // Two merchants install the app; the credentials webhooks meet the outage.
      const before = second.receipts.length;
      for (const m of merchants) installations.push((await created('installation', admin('POST', '/installations', { organization_id: m, application_id: appId, scopes: ['payments:read'] }))).id);
      await until('both first attempts', () => second.receipts.length >= before + 2);
      const creates = async () => (await deliveries()).filter((d) => d.event_type === 'INSTALLATION.CREATE');
      await until('both attempted', async () => ((c) => c.length === 2 && c.every((d) => d.attempt_count === 1 && d.status === 'pending'))(await creates()));
      const [firstCreate] = (await creates()).filter((d) => d.installation_id === installations[0]);

      // Failing: enabled, but only failed attempts since failing_since.
      await openApp(page);
      await expect.poll(() => card().getAttribute('data-state')).toBe('failing');
      expect(await card().getByTestId('endpoint-state').textContent()).toContain('Failing since');
      // Recover offers, by default, an hour before the first failed attempt (deliveries are created just before it).
      const failingSince = (await endpoint()).failing_since as number;
      expect(failingSince).toEqual(expect.any(Number));
      await card().getByRole('button', { name: 'Recover' }).click();
      const early = dialog(page, 'Recover after an outage');
      const offered = Date.parse(await early.getByLabel('Since').inputValue());
      expect(Math.abs(offered - (failingSince - 3_600_000))).toBeLessThan(2 * 60_000);
      await early.getByRole('button', { name: 'Cancel' }).click();
      await early.waitFor({ state: 'detached' });

      // Six days of failures in a moment: the first installation's delivery has one attempt left.
      await until('the outage compressed', async () => (await compressOutage(grantry.server.rt, webhookId, { failingForMs: 6 * DAY, lastAttemptOf: [firstCreate.id] })) === 1);
      await until('the endpoint disabled', async () => (await endpoint()).disabled_reason === 'failing', 30_000);
      await until('the delivery failed', async () => (await deliveries()).find((d) => d.id === firstCreate.id)?.status === 'failed');
      expect((await deliveries()).find((d) => d.event_type === 'INSTALLATION.CREATE' && d.installation_id === installations[1])?.status).toBe('held');

      await page.reload();
      await expect.poll(() => card().getAttribute('data-state')).toBe('disabled');
      const state = card().getByTestId('endpoint-state');
      expect(await state.getAttribute('data-reason')).toBe('failing');
      expect(await state.textContent()).toMatch(/Disabled .*: failing since/);
      expect(await state.textContent()).toContain('Re-enabling releases the held deliveries');
      expect(await card().getByTestId('endpoint-status').textContent()).toBe('Disabled (failing)');
      // Nothing can be sent to a disabled endpoint: test and recover wait for Re-enable.
      expect(await card().getByRole('button', { name: 'Send test event' }).getAttribute('aria-disabled')).toBe('true');
      expect(await card().getByRole('button', { name: 'Recover' }).getAttribute('aria-disabled')).toBe('true');
      await shot(page, 'webhook-disabled', card());

      // The dashboard: Paul's endpoint, not Globex's (which the administrator sees).
      await page.goto(`${issuer}/console/dashboard`);
      const alerts = page.getByTestId('endpoint-alert');
      await expect.poll(() => alerts.count()).toBe(1);
      expect(await alerts.first().getAttribute('data-webhook-id')).toBe(webhookId);
      expect(await alerts.first().textContent()).toContain('Ledgerly Bookkeeping');
      expect(await alerts.first().textContent()).toContain('failing since');
      expect(await page.getByTestId('endpoint-alerts').textContent()).not.toContain('Globex');
      const all = (await admin<{ items: { id: string }[] }>('GET', '/webhooks?state=disabled')).body.items.map((e) => e.id);
      expect(all.sort()).toEqual([globexEndpoint, webhookId].sort());
      await alerts.first().getByRole('link', { name: 'Ledgerly Bookkeeping' }).click();
      await page.getByRole('heading', { name: 'Ledgerly Bookkeeping', level: 1 }).waitFor();

      // The receiver is back; Re-enable sends the held delivery.
      outage = false;
      const back = second.receipts.length;
      await card().getByRole('button', { name: 'Re-enable and release held deliveries' }).click();
      await page.getByText('1 held delivery was released').waitFor();
      await expect.poll(() => card().getAttribute('data-state')).toBe('enabled');
      await until('the held delivery', () => second.receipts.slice(back).some((r) => typeOf(r) === 'INSTALLATION.CREATE' && dataOf(r).installation_id === installations[1]));
    });

    it('recovers the installations whose credentials delivery failed: since, confirm, "1 installation queued"', async () => {
      const before = second.receipts.length;
      await card().getByRole('button', { name: 'Recover' }).click();
      const recover = dialog(page, 'Recover after an outage');
      // Since: 7 days ago by default (the endpoint no longer fails); until: empty, now.
      const since = Date.parse(await recover.getByLabel('Since').inputValue());
      expect(Math.abs(since - (Date.now() - 7 * DAY))).toBeLessThan(5 * 60_000);
      expect(await recover.getByLabel('Until').inputValue()).toBe('');
      await recover.getByRole('button', { name: 'Continue' }).click();
      expect(await recover.getByTestId('recover-confirm').textContent()).toContain('and now?');
      const answer = page.waitForResponse((r) => r.url().endsWith('/recover'));
      await recover.getByRole('button', { name: 'Recover installations' }).click();
      expect((await answer).status()).toBe(202);
      const done = dialog(page, 'Recovery queued');
      const result = done.getByTestId('recovered');
      await result.waitFor();
      expect(await result.getAttribute('data-queued')).toBe('1');
      expect(await result.textContent()).toContain('1 installation queued');
      await shot(page, 'webhook-recovered', done);
      await done.getByRole('button', { name: 'Done' }).click();
      await done.waitFor({ state: 'detached' });
      // Fresh credentials for the first installation, as one INSTALLATION.UPDATE.
      await until('the recovered credentials', () => second.receipts.slice(before).some((r) => typeOf(r) === 'INSTALLATION.UPDATE' && dataOf(r).installation_id === installations[0]));
      const update = second.receipts.slice(before).find((r) => typeOf(r) === 'INSTALLATION.UPDATE')!;
      expect(dataOf(update).refresh_token).toEqual(expect.any(String));
      expect(signatureValid(rotatedSecret, update)).toBe(true);
      await shot(page, 'webhook-endpoint', card());
    });

    it('shows a platform administrator the endpoint’s changes between its deliveries, and every failing or disabled endpoint', async () => {
      const { context: adminContext, page: adminPage } = await open(adminUser);
      try {
        await adminPage.goto(`${issuer}/console/partner-apps/${appId}/webhooks/${webhookId}`);
        await adminPage.getByRole('heading', { name: 'Delivery log', level: 1 }).waitFor();
        const changes = adminPage.getByTestId('endpoint-change');
        const actions = async () => changes.evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
        await expect
          .poll(actions)
          .toEqual(
            expect.arrayContaining([
              'webhook.subscription_created',
              'webhook.subscription_updated',
              'webhook.secret_rotated',
              'webhook.test_sent',
              'webhook.subscription_disabled',
              'webhook.subscription_enabled',
              'webhook.recovered',
            ]),
          );
        const edit = adminPage.locator('[data-testid="endpoint-change"][data-action="webhook.subscription_updated"]');
        const words = (await edit.textContent()) ?? '';
        expect(words).toContain(`Endpoint changed: URL → ${new URL(second.url).host}`);
        expect(words).toContain('+REFRESH_TOKEN.REUSE_DETECTED');
        expect(words).toContain('rate limit → 5/s');
        expect(words).toContain('description');
        expect(words).toContain('By user:');
        const disabled = adminPage.locator('[data-testid="endpoint-change"][data-action="webhook.subscription_disabled"]');
        expect(await disabled.textContent()).toContain('Disabled automatically: failing');
        expect(await disabled.textContent()).toContain('By Grantry');
        expect(await adminPage.locator('[data-testid="endpoint-change"][data-action="webhook.recovered"]').textContent()).toContain('1 installation queued');
        // Interleaved by time, newest first, with the deliveries.
        const times = await adminPage.locator('[data-testid="delivery"], [data-testid="endpoint-change"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-at'))));
        expect(times.length).toBeGreaterThan(7);
        expect(times).toEqual([...times].sort((a, b) => b - a));
        const order = await adminPage.locator('[data-testid="delivery"], [data-testid="endpoint-change"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-action') ?? e.textContent?.match(/WEBHOOK\.TEST|INSTALLATION\.\w+/)?.[0]));
        expect(order.indexOf('webhook.recovered')).toBeLessThan(order.indexOf('webhook.subscription_enabled'));
        expect(order.indexOf('webhook.test_sent')).toBeLessThan(order.indexOf('webhook.secret_rotated'));
        expect(order.indexOf('WEBHOOK.TEST')).toBeLessThan(order.indexOf('webhook.secret_rotated'));
        await shot(adminPage, 'delivery-log-changes');

        await adminPage.goto(`${issuer}/console/dashboard`);
        const alerts = adminPage.getByTestId('endpoint-alert');
        await expect.poll(() => alerts.count()).toBe(1);
        expect(await alerts.first().getAttribute('data-webhook-id')).toBe(globexEndpoint);
        expect(await alerts.first().textContent()).toContain('Globex Sync');
        expect(await alerts.first().textContent()).toContain('disabled by a person');
      } finally {
        await adminContext.close();
      }
    });

    it('works at 390 px without horizontal overflow', async () => {
      // Paul's page, narrowed to a phone's width (no second sign-in).
      await page.setViewportSize(PHONE);
      try {
        await openApp(page);
        await noOverflow(page, 'the endpoint card');
        await card().getByRole('button', { name: 'Edit' }).click();
        const edit = dialog(page, 'Edit endpoint');
        await edit.getByLabel('URL').waitFor();
        await noOverflow(page, 'the edit dialog');
        await edit.getByRole('button', { name: 'Cancel' }).click();
        await edit.waitFor({ state: 'detached' });
        await page.goto(`${issuer}/console/partner-apps/${appId}/webhooks/${webhookId}`);
        await page.getByTestId('delivery').first().waitFor();
        await noOverflow(page, 'the delivery log');
        await page.goto(`${issuer}/console/dashboard`);
        await page.getByTestId('endpoint-alerts').waitFor();
        await noOverflow(page, 'the dashboard');
      } finally {
        await page.setViewportSize(DESKTOP);
      }
    });
  });
});
