import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, skipDialect, type TestDatabase } from '../helpers/db.js';
import { basic } from '../helpers/app.js';
import { cliBuilt, serve, type ServeProcess } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { startReceiver, type Receiver } from '../helpers/webhooks.js';
import { adminClient, codeThroughConsent, mapLimit, post, until, type Call, type HttpResult } from '../helpers/remote.js';

/**
 * Races across real processes (issue 8, point 2): two `grantry serve` processes on one PostgreSQL
 * schema, sharing nothing but the database and the master key, as two instances behind a load
 * balancer would. Every request goes over loopback HTTP.
 *
 * Default (CI) profile: 2 × 50 concurrent refreshes, 2 × 50 concurrent code redemptions, 500 webhook
 * events. `GRANTRY_SOAK=long` raises them to 2 × 200, 2 × 200 and 3000.
 */
const LONG = process.env.GRANTRY_SOAK === 'long';
const PER_INSTANCE = LONG ? 200 : 50;
const EVENTS = LONG ? 3000 : 500;
const REDIRECT = 'https://partner.example/callback';
/** All deliveries are in within this long after the last installation was written. */
const TRAIL_BOUND_MS = 30_000;

/** What a client must never see, and a server must never log, from a lost race. */
const SERIALIZATION = /could not serialize|serialization failure|deadlock detected|"code":"40001"|"code":"40P01"/i;

interface Pair {
  database: TestDatabase;
  env: Record<string, string>;
  A: ServeProcess;
  B: ServeProcess;
  call: Call;
}

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
});

/** A fresh schema and two server processes on it: distinct ports, one issuer, one master key. */
async function pair(): Promise<Pair> {
  const database = await createTestDatabase('postgres');
  cleanup.push(() => database.drop());
  const dataDir = mkdtempSync(join(tmpdir(), 'grantry-races-'));
  cleanup.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const [portA, portB] = [await freePort(), await freePort()];
  const env = {
    GRANTRY_DATABASE_URL: database.url,
    GRANTRY_DATA_DIR: dataDir,
    GRANTRY_MASTER_KEY: randomBytes(32).toString('base64'),
    // Behind one load balancer both instances are one issuer.
    GRANTRY_ISSUER: `http://127.0.0.1:${portA}`,
    GRANTRY_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
    // 100 concurrent requests from one address are the test, not an attack.
    GRANTRY_CLIENT_AUTH_FAILURE_LIMIT: '100000',
  };
  // A migrates and creates the first signing key; B starts on the migrated schema.
  const A = await serve({ ...env, GRANTRY_PORT: String(portA) });
  cleanup.push(() => A.stop());
  const B = await serve({ ...env, GRANTRY_PORT: String(portB) });
  cleanup.push(() => B.stop());
  const { call } = await adminClient(A.url, env);
  return { database, env, A, B, call };
}

/** `count` requests to each instance, all in flight at once, interleaved A, B, A, B... */
async function stampede(p: Pair, count: number, send: (base: string) => Promise<HttpResult>): Promise<HttpResult[]> {
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: 2 * count }, (_, i) => send(i % 2 === 0 ? p.A.url : p.B.url)));
  console.log(`  ${2 * count} concurrent requests answered in ${Date.now() - started} ms`);
  return results;
}

/** No 5xx, no serialization error in a response or in either server's log. */
function expectNoServerErrors(p: Pair, results: HttpResult[]): void {
  expect(results.filter((r) => r.status >= 500).map((r) => `${r.status} ${r.text}`)).toEqual([]);
  expect(results.filter((r) => SERIALIZATION.test(r.text)).map((r) => r.text)).toEqual([]);
  for (const server of [p.A, p.B]) {
    const lines = server.output().split('\n');
    expect(lines.filter((l) => SERIALIZATION.test(l))).toEqual([]);
    expect(lines.filter((l) => /"statusCode":5\d\d/.test(l) || /"level":(50|60)/.test(l))).toEqual([]);
  }
}

/** The one 200 and the rest: each loser is a 400 invalid_grant. */
function exactlyOneWinner(results: HttpResult[]): Record<string, any> {
  const won = results.filter((r) => r.status === 200);
  const lost = results.filter((r) => r.status !== 200);
  const summary = Object.entries(results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [`${r.status} ${r.status === 200 ? '' : r.json().error}`]: (acc[`${r.status} ${r.status === 200 ? '' : r.json().error}`] ?? 0) + 1 }), {}));
  console.log(`  outcomes: ${summary.map(([k, n]) => `${n} × ${k.trim()}`).join(', ')}`);
  expect(won).toHaveLength(1);
  expect(lost).toHaveLength(results.length - 1);
  expect(lost.every((r) => r.status === 400 && r.json().error === 'invalid_grant')).toBe(true);
  return won[0]!.json();
}

const introspect = (base: string, app: { client_id: string; client_secret: string }, token: string) =>
  post(`${base}/oauth/introspect`, { token }, basic(app.client_id, app.client_secret));

/** Waits (bounded: the revocation cache's change feed) until both instances call the access token inactive. */
async function inactiveEverywhere(p: Pair, app: { client_id: string; client_secret: string }, token: string): Promise<void> {
  for (const base of [p.A.url, p.B.url]) await until(`the access token to be inactive on ${base}`, async () => (await introspect(base, app, token)).json().active === false, 5000);
}

describe('races across two grantry serve processes on one PostgreSQL schema', () => {
  describe.skipIf(skipDialect('postgres') || !cliBuilt())('', () => {
    it(`2 × ${PER_INSTANCE} concurrent refreshes of one rotating refresh token: exactly one succeeds, and the reuse revokes the family`, async () => {
      const p = await pair();
      const receiver: Receiver = await startReceiver();
      cleanup.push(() => receiver.close());
      await p.call('/scopes', 'POST', { scope: 'payments:read', description: 'Read payments' });
      const partner = await p.call('/organizations', 'POST', { type: 'partner', name: 'Partner' });
      const app = await p.call('/applications', 'POST', { name: 'Books', type: 'third_party', organization_id: partner.id, scopes: ['payments:read'], refresh_policy: 'rotate', refresh_grace_period: 0 });
      expect(app).toMatchObject({ refresh_policy: 'rotate', refresh_grace_period: 0 });
      await p.call(`/applications/${app.id}/webhooks`, 'POST', { url: receiver.url, events: ['INSTALLATION.CREATE', 'REFRESH_TOKEN.REUSE_DETECTED'] });
      const merchant = await p.call('/organizations', 'POST', { type: 'merchant', name: 'Acme' });
      const installation = await p.call('/installations', 'POST', { organization_id: merchant.id, application_id: app.id, scopes: ['payments:read'] });
      const created = await until('the INSTALLATION.CREATE webhook', () => receiver.receipts.find((r) => JSON.parse(r.body).type === 'INSTALLATION.CREATE'));
      const refreshToken = JSON.parse(created.body).data.refresh_token as string;

      const db = p.database.open();
      cleanup.push(() => db.close());
      const family = await db.db.selectFrom('refresh_families').selectAll().where('installation_id', '=', installation.id).executeTakeFirstOrThrow();
      expect(family).toMatchObject({ status: 'active', generation: 0, policy: 'rotate' });

      const results = await stampede(p, PER_INSTANCE, (base) => post(`${base}/oauth/token`, { grant_type: 'refresh_token', refresh_token: refreshToken }, basic(app.client_id, app.client_secret)));
      expectNoServerErrors(p, results);
      const winner = exactlyOneWinner(results);
      expect(winner.refresh_token).toMatch(/^grt_/);

      // The end state the code defines (grace 0): the winner advanced the generation once and spent the
      // presented token; every loser found it spent, which is reuse (RFC 9700 §4.14.2), so the first
      // loser to get there revoked the family — including the winner's new refresh and access tokens.
      const after = await db.db.selectFrom('refresh_families').selectAll().where('installation_id', '=', installation.id).execute();
      expect(after).toHaveLength(1);
      expect(after[0]).toMatchObject({ id: family.id, status: 'revoked', revoked_reason: 'reuse_detected', generation: 1 });
      const tokens = await db.db.selectFrom('refresh_tokens').select(['generation', 'spent_at', 'successor_sealed']).where('family_id', '=', family.id).orderBy('generation').execute();
      expect(tokens.map((t) => ({ generation: t.generation, spent: t.spent_at !== null, sealed: t.successor_sealed !== null }))).toEqual([
        { generation: 0, spent: true, sealed: false },
        { generation: 1, spent: false, sealed: false },
      ]);
      for (const base of [p.A.url, p.B.url]) {
        const again = await post(`${base}/oauth/token`, { grant_type: 'refresh_token', refresh_token: winner.refresh_token }, basic(app.client_id, app.client_secret));
        expect(again.status).toBe(400);
        expect(again.json().error).toBe('invalid_grant');
      }
      await inactiveEverywhere(p, app as never, winner.access_token);
      // Only the family ends; the installation lives on (a reissue gives the partner new credentials).
      expect((await p.call(`/installations/${installation.id}`)).status).toBe('active');

      // Recorded once: one audit event and one REFRESH_TOKEN.REUSE_DETECTED webhook, however many losers
      // raced to revoke the family (revokeFamilies reports only the rows its own UPDATE changed).
      const audits = (await p.call(`/audit-events?action=refresh_token.reuse_detected&target_id=${installation.id}`)).items as unknown[];
      expect(audits).toHaveLength(1);
      const reuseHooks = () => receiver.receipts.filter((r) => JSON.parse(r.body).type === 'REFRESH_TOKEN.REUSE_DETECTED');
      await until('the REUSE_DETECTED webhook', () => reuseHooks().length >= audits.length, 20_000);
      await new Promise((r) => setTimeout(r, 1000));
      expect(reuseHooks()).toHaveLength(audits.length);
      console.log(`  reuse_detected audit events: ${audits.length}, REUSE_DETECTED webhooks: ${reuseHooks().length}`);
    }, 90_000);

    it(`2 × ${PER_INSTANCE} concurrent redemptions of one authorization code: exactly one succeeds, and the replay revokes what it issued`, async () => {
      const p = await pair();
      await p.call('/scopes', 'POST', { scope: 'payments:read', description: 'Read payments' });
      const partner = await p.call('/organizations', 'POST', { type: 'partner', name: 'Partner' });
      const app = await p.call('/applications', 'POST', { name: 'Books', type: 'third_party', organization_id: partner.id, scopes: ['payments:read'], redirect_uris: [REDIRECT], refresh_policy: 'rotate' });
      const merchant = await p.call('/organizations', 'POST', { type: 'merchant', name: 'Acme' });
      const user = { email: `owner-${randomBytes(4).toString('hex')}@example.com`, password: `pw-${randomBytes(12).toString('base64url')}` };
      await p.call('/users', 'POST', { ...user, name: 'Owner', memberships: [{ organization_id: merchant.id, role: 'owner' }] });

      // Sign-in and consent over HTTP on A, as a browser would.
      const verifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const code = await codeThroughConsent(
        p.A.url,
        { response_type: 'code', client_id: app.client_id, redirect_uri: REDIRECT, scope: 'payments:read', state: 'st', code_challenge: challenge, code_challenge_method: 'S256' },
        user,
        merchant.id,
      );
      expect(code).toMatch(/^gac_/);

      const results = await stampede(p, PER_INSTANCE, (base) =>
        post(`${base}/oauth/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, basic(app.client_id, app.client_secret)),
      );
      expectNoServerErrors(p, results);
      const winner = exactlyOneWinner(results);
      expect(winner).toMatchObject({ token_type: 'Bearer', scope: 'payments:read', refresh_token: expect.stringMatching(/^grt_/) });

      // The end state the code defines: the code redeemed once, one installation and one family; every
      // loser that came after the winner's commit found the code recorded with its family and revoked
      // it (RFC 6749 §4.1.2: SHOULD revoke the tokens issued from a code used twice).
      const db = p.database.open();
      cleanup.push(() => db.close());
      const codes = await db.db.selectFrom('authorization_codes').selectAll().where('application_id', '=', app.id).execute();
      expect(codes).toHaveLength(1);
      expect(codes[0]!.redeemed_at).not.toBeNull();
      expect(codes[0]!.family_id).not.toBeNull();
      const installations = (await p.call(`/installations?organization_id=${merchant.id}&application_id=${app.id}`)).items as { id: string; status: string }[];
      expect(installations).toHaveLength(1);
      expect(installations[0]!.id).toBe(codes[0]!.installation_id);
      const families = await db.db.selectFrom('refresh_families').selectAll().where('installation_id', '=', installations[0]!.id).execute();
      expect(families).toHaveLength(1);
      expect(families[0]).toMatchObject({ id: codes[0]!.family_id, status: 'revoked', revoked_reason: 'code_replayed', generation: 0 });
      for (const base of [p.A.url, p.B.url]) {
        const again = await post(`${base}/oauth/token`, { grant_type: 'refresh_token', refresh_token: winner.refresh_token }, basic(app.client_id, app.client_secret));
        expect(again.status).toBe(400);
        expect(again.json().error).toBe('invalid_grant');
      }
      await inactiveEverywhere(p, app as never, winner.access_token);
      const audits = (await p.call(`/audit-events?action=authorization_code.replayed&target_id=${installations[0]!.id}`)).items as unknown[];
      expect(audits).toHaveLength(1);
      console.log(`  authorization_code.replayed audit events: ${audits.length}`);
    }, 90_000);

    it(`two processes' webhook workers deliver ${EVENTS} events to one healthy receiver, each exactly once`, async () => {
      const p = await pair();
      const receiver = await startReceiver();
      cleanup.push(() => receiver.close());
      await p.call('/scopes', 'POST', { scope: 'payments:read', description: 'Read payments' });
      const partner = await p.call('/organizations', 'POST', { type: 'partner', name: 'Partner' });
      const app = await p.call('/applications', 'POST', { name: 'Books', type: 'third_party', organization_id: partner.id, scopes: ['payments:read'] });
      await p.call(`/applications/${app.id}/webhooks`, 'POST', { url: receiver.url, events: ['INSTALLATION.CREATE'] });

      // Both instances take the writes (each enqueues in the installation's transaction) and both
      // workers claim from the one outbox while it fills.
      const started = Date.now();
      const installed = await mapLimit(
        Array.from({ length: EVENTS }, (_, i) => i),
        16,
        async (i) => {
          const base = i % 2 === 0 ? p.A.url : p.B.url;
          const merchant = await p.call('/organizations', 'POST', { type: 'merchant', name: `M${i}` }, base);
          return (await p.call('/installations', 'POST', { organization_id: merchant.id, application_id: app.id, scopes: ['payments:read'] }, base)).id as string;
        },
      );
      const createdMs = Date.now() - started;
      // Delivery keeps pace with the writes; the bound is on what trails the last write (creation time
      // depends on the machine's load, not on the workers).
      await until(`${EVENTS} deliveries`, () => receiver.receipts.length >= EVENTS, TRAIL_BOUND_MS + 15_000);
      const deliveredMs = Date.now() - started;
      const trailingMs = deliveredMs - createdMs;
      console.log(`  ${EVENTS} installations created in ${createdMs} ms; all ${EVENTS} webhooks received ${deliveredMs} ms after the first write (${trailingMs} ms after the last)`);
      // A duplicate, if any, gets time to arrive.
      await new Promise((r) => setTimeout(r, 2000));

      const ids = receiver.receipts.map((r) => r.id);
      expect(ids).toHaveLength(EVENTS);
      expect(new Set(ids).size).toBe(EVENTS);
      const delivered = receiver.receipts.map((r) => JSON.parse(r.body).data.installation_id as string).sort();
      expect(delivered).toEqual([...installed].sort());
      // The outbox agrees: every delivery succeeded at its first attempt.
      const db = p.database.open();
      cleanup.push(() => db.close());
      const rows = await db.db.selectFrom('webhook_deliveries').select(['status', 'attempts']).where('application_id', '=', app.id).execute();
      expect(rows).toHaveLength(EVENTS);
      expect(rows.filter((r) => r.status !== 'succeeded' || r.attempts !== 1)).toEqual([]);
      const attempts = await db.db.selectFrom('webhook_attempts').innerJoin('webhook_deliveries', 'webhook_deliveries.id', 'webhook_attempts.delivery_id').select((eb) => eb.fn.countAll<number>().as('n')).where('webhook_deliveries.application_id', '=', app.id).executeTakeFirstOrThrow();
      expect(Number(attempts.n)).toBe(EVENTS);
      expectNoServerErrors(p, []);
      expect(trailingMs).toBeLessThan(TRAIL_BOUND_MS);
    }, LONG ? 600_000 : 150_000);
  });
});
