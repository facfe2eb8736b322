import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, skipDialect } from '../helpers/db.js';
import { T0, adminToken, api, buildTestApp, merchantApp, tokenRequest, type Api, type TestApp } from '../helpers/app.js';
import { installAndReceive, merchantOrg, partnerApp, type Partner } from '../helpers/installations.js';
import { cliBuilt, cliJson } from '../helpers/cli.js';
import { purgeOnce, PurgeJob, type PurgeOptions, type PurgeResult } from '../../src/maintenance/purge.js';
import { purgeJobFor, purgeOptionsFor } from '../../src/maintenance/purge-job.js';
import { createStores } from '../../src/storage/kysely/index.js';
import type { PurgeStore } from '../../src/storage/ports-purge.js';

const MIN = 60_000;
const DAY = 86_400_000;

describe.each(DIALECTS)('purging expired rows on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    const db = () => t.rt.db.db;
    const run = (o: Partial<PurgeOptions> = {}): Promise<PurgeResult> => purgeOnce({ ...purgeOptionsFor(t.rt), ...o });
    const rows = async (table: 'authorization_codes' | 'revoked_access_tokens' | 'sessions' | 'setup_tokens' | 'login_throttle' | 'decoupled_requests' | 'webhook_deliveries' | 'webhook_attempts') =>
      (await db().selectFrom(table).select(db().fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n;
    const ids = async <T extends string>(q: Promise<{ id: T }[]>) => (await q).map((r) => r.id).sort();

    beforeEach(async () => {
      t = await buildTestApp(dialect, { webhookAllowedNetworks: ['127.0.0.0/8'] });
      a = api(t.app, await adminToken(t));
    });
    afterEach(async () => t?.close());

    async function insertUser(id: string): Promise<void> {
      await db().insertInto('users').values({ id, email: `${id}@example.test`, name: id, password_hash: null, platform_admin: 0, status: 'active', created_at: T0, updated_at: T0 }).execute();
    }

    it('authorization codes go 10 minutes after they expire, redeemed or not', async () => {
      const { appId } = await merchantApp(a);
      const code = (hash: string, expiresAt: number, redeemedAt: number | null) => ({
        hash,
        application_id: appId,
        user_id: 'usr_1',
        organization_id: 'org_1',
        redirect_uri: 'https://client.test/cb',
        redirect_uri_given: 1,
        scopes: '[]',
        code_challenge: null,
        created_at: expiresAt - MIN,
        expires_at: expiresAt,
        redeemed_at: redeemedAt,
        family_id: null,
        installation_id: null,
      });
      await db()
        .insertInto('authorization_codes')
        .values([code('old-redeemed', T0 - 11 * MIN, T0 - 12 * MIN), code('old-unused', T0 - 11 * MIN, null), code('recent', T0 - 9 * MIN, T0 - 10 * MIN), code('live', T0 + MIN, null)])
        .execute();
      const r = await run();
      expect(r.counts.authorization_codes).toBe(2);
      expect(r.errors).toEqual([]);
      expect((await db().selectFrom('authorization_codes').select('hash').orderBy('hash').execute()).map((c) => c.hash)).toEqual(['live', 'recent']);
    });

    it('access-token revocations go once the token has expired (plus 5 minutes of clock skew)', async () => {
      await db()
        .insertInto('revoked_access_tokens')
        .values([
          { jti: 'old', expires_at: T0 - 6 * MIN },
          { jti: 'skew', expires_at: T0 - 4 * MIN },
          { jti: 'live', expires_at: T0 + 3600_000 },
        ])
        .execute();
      expect((await run()).counts.revoked_access_tokens).toBe(1);
      expect((await db().selectFrom('revoked_access_tokens').select('jti').orderBy('jti').execute()).map((r) => r.jti)).toEqual(['live', 'skew']);
    });

    describe('refresh tokens', () => {
      let partner: Partner;
      const creds = () => ({ id: partner.clientId, secret: partner.clientSecret });
      const refresh = (refresh_token: string) => tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token }, creds());
      const family = async (installationId: string) => db().selectFrom('refresh_families').selectAll().where('installation_id', '=', installationId).executeTakeFirst();
      const tokenCount = async (familyId: string) =>
        Number((await db().selectFrom('refresh_tokens').select(db().fn.countAll<number | string>().as('n')).where('family_id', '=', familyId).executeTakeFirstOrThrow()).n);

      it('keeps spent tokens for the retention (reuse detection still works), keeps the current one, then removes a revoked family', async () => {
        partner = await partnerApp(a, { refresh_policy: 'rotate' });
        const { installation, data } = await installAndReceive(t, a, await merchantOrg(a), partner);
        const r0 = data.refresh_token as string;
        const r1 = (await refresh(r0)).json().refresh_token as string;
        const r2 = (await refresh(r1)).json().refresh_token as string;
        t.clock.set(T0 + 20 * DAY);
        const r3Res = await refresh(r2);
        expect(r3Res.statusCode).toBe(200);
        const r3 = r3Res.json().refresh_token as string;
        const f = (await family(installation.id))!;
        expect(await tokenCount(f.id)).toBe(4);

        // 31 days on: r0 and r1 (spent at T0) are past the 30-day retention; r2 (spent on day 20) and the
        // current r3 stay, and so does the family.
        t.clock.set(T0 + 31 * DAY);
        const first = await run();
        expect(first.counts).toMatchObject({ refresh_tokens: 2, refresh_families: 0 });
        expect(await tokenCount(f.id)).toBe(2);
        // The current token works as before.
        const r4Res = await refresh(r3);
        expect(r4Res.statusCode).toBe(200);
        // A purged spent token is only invalid_grant: its reuse can no longer be detected (the trade-off).
        const lateReuse = await refresh(r0);
        expect(lateReuse.json().error).toBe('invalid_grant');
        expect((await family(installation.id))!.status).toBe('active');
        // A spent token inside the retention still revokes the family when presented again.
        expect((await refresh(r2)).json().error).toBe('invalid_grant');
        expect((await family(installation.id))!.status).toBe('revoked');

        // Day 60: r2 (spent on day 20) is past its retention; r3 (spent on day 31) and r4 are not, and
        // the family was revoked on day 31.
        t.clock.set(T0 + 60 * DAY);
        expect((await run()).counts).toMatchObject({ refresh_tokens: 1, refresh_families: 0 });
        // Revoked 30 days ago: its remaining tokens go, then the family row.
        t.clock.set(T0 + 61 * DAY + MIN);
        const last = await run();
        expect(last.counts).toMatchObject({ refresh_tokens: 2, refresh_families: 1 });
        expect(await family(installation.id)).toBeUndefined();
        expect(await tokenCount(f.id)).toBe(0);
        // The REFRESH_TOKEN.REUSE_DETECTED delivery is pending (no worker runs here): it stays.
        const pending = await db().selectFrom('webhook_deliveries').select('status').where('event_type', '=', 'REFRESH_TOKEN.REUSE_DETECTED').execute();
        expect(pending.map((d) => d.status)).toEqual(['pending']);
      });

      it('removes a token expired beyond the retention, then its family once no access token of it can be live', async () => {
        partner = await partnerApp(a); // reuse policy: one token, 30-day idle expiry
        const { installation } = await installAndReceive(t, a, await merchantOrg(a), partner);
        const f = (await family(installation.id))!;
        t.clock.set(T0 + 59 * DAY); // expired on day 30: not yet 30 days ago
        expect((await run()).counts).toMatchObject({ refresh_tokens: 0, refresh_families: 0 });
        t.clock.set(T0 + 61 * DAY);
        expect((await run()).counts).toMatchObject({ refresh_tokens: 1, refresh_families: 1 });
        expect(await family(installation.id)).toBeUndefined();
        expect(await tokenCount(f.id)).toBe(0);
      });
    });

    it('sessions, setup links, sign-in throttling and decoupled requests', async () => {
      const { appId } = await merchantApp(a);
      await insertUser('usr_1');
      await db()
        .insertInto('sessions')
        .values([
          { hash: 's-old', user_id: 'usr_1', created_at: T0 - DAY, expires_at: T0 - 1, last_seen_at: T0 - DAY },
          { hash: 's-live', user_id: 'usr_1', created_at: T0 - DAY, expires_at: T0 + MIN, last_seen_at: T0 },
        ])
        .execute();
      await db()
        .insertInto('setup_tokens')
        .values([
          { hash: 'st-used', user_id: 'usr_1', created_at: T0 - MIN, expires_at: T0 + DAY, used_at: T0 - 1 },
          { hash: 'st-expired', user_id: 'usr_1', created_at: T0 - 4 * DAY, expires_at: T0 - 1, used_at: null },
          { hash: 'st-live', user_id: 'usr_1', created_at: T0 - MIN, expires_at: T0 + DAY, used_at: null },
        ])
        .execute();
      await db()
        .insertInto('login_throttle')
        .values([
          { key: 'acct:old', failures: 3, window_start: T0 - 16 * MIN, locked_until: null },
          { key: 'acct:lock-over', failures: 9, window_start: T0 - 20 * MIN, locked_until: T0 - 1 },
          { key: 'acct:locked', failures: 12, window_start: T0 - 20 * MIN, locked_until: T0 + MIN },
          { key: 'ip:recent', failures: 7, window_start: T0 - 14 * MIN, locked_until: null },
        ])
        .execute();
      const request = (id: string, status: string, expiresAt: number) => ({
        id,
        auth_req_id_hash: `h-${id}`,
        application_id: appId,
        scopes: '[]',
        user_id: null,
        organization_id: null,
        binding_message: null,
        status,
        interval: 5,
        last_polled_at: null,
        decided_by: null,
        decided_at: null,
        created_at: expiresAt - 600_000,
        expires_at: expiresAt,
        family_id: null,
        installation_id: null,
      });
      await db()
        .insertInto('decoupled_requests')
        .values([request('dr_redeemed', 'redeemed', T0 - DAY - MIN), request('dr_pending', 'pending', T0 - DAY - MIN), request('dr_recent', 'denied', T0 - 3600_000), request('dr_live', 'pending', T0 + MIN)])
        .execute();

      const r = await run();
      expect(r.counts).toMatchObject({ sessions: 1, setup_tokens: 2, login_throttle: 2, decoupled_requests: 2 });
      expect((await db().selectFrom('sessions').select('hash').execute()).map((x) => x.hash)).toEqual(['s-live']);
      expect((await db().selectFrom('setup_tokens').select('hash').execute()).map((x) => x.hash)).toEqual(['st-live']);
      expect((await db().selectFrom('login_throttle').select('key').orderBy('key').execute()).map((x) => x.key)).toEqual(['acct:locked', 'ip:recent']);
      expect(await ids(db().selectFrom('decoupled_requests').select('id').execute())).toEqual(['dr_live', 'dr_recent']);
    });

    it('finished webhook deliveries and their attempts go after the log retention; pending and held ones never', async () => {
      const { appId } = await merchantApp(a);
      const delivery = (id: string, status: string, completedAt: number | null) => ({
        id,
        subscription_id: 'whs_1',
        application_id: appId,
        installation_id: null,
        credentials_version: null,
        event_type: 'INSTALLATION.DELETE',
        message_id: `msg_${id}`,
        payload_sealed: status === 'pending' || status === 'held' ? 'sealed' : null,
        status,
        next_attempt_at: T0 - 60 * DAY,
        lease_until: null,
        leased_by: null,
        last_attempt_at: null,
        last_status_code: null,
        last_error: null,
        created_at: T0 - 60 * DAY,
        updated_at: T0 - 60 * DAY,
        completed_at: completedAt,
      });
      const old = T0 - 31 * DAY;
      await db()
        .insertInto('webhook_deliveries')
        .values([
          delivery('whd_succeeded', 'succeeded', old),
          delivery('whd_failed', 'failed', old),
          delivery('whd_cancelled', 'cancelled', old),
          delivery('whd_superseded', 'superseded', old),
          delivery('whd_recent', 'succeeded', T0 - 29 * DAY),
          delivery('whd_pending', 'pending', null),
          delivery('whd_held', 'held', null),
        ])
        .execute();
      const attempt = (deliveryId: string, n: number) => ({ id: `wha_${deliveryId}_${n}`, delivery_id: deliveryId, attempt: n, started_at: old - DAY, duration_ms: 12, status_code: 500, error_class: 'http_status', outcome: 'failed' });
      await db()
        .insertInto('webhook_attempts')
        .values([attempt('whd_succeeded', 1), attempt('whd_succeeded', 2), attempt('whd_failed', 1), attempt('whd_recent', 1), attempt('whd_pending', 1), attempt('whd_held', 1)])
        .execute();

      const r = await run();
      expect(r.counts).toMatchObject({ webhook_deliveries: 4, webhook_attempts: 3 });
      expect(await ids(db().selectFrom('webhook_deliveries').select('id').execute())).toEqual(['whd_held', 'whd_pending', 'whd_recent']);
      expect((await db().selectFrom('webhook_attempts').select('delivery_id').orderBy('delivery_id').execute()).map((x) => x.delivery_id)).toEqual(['whd_held', 'whd_pending', 'whd_recent']);
    });

    it('deletes in bounded batches, stops at the per-run cap, and says so', async () => {
      await db()
        .insertInto('revoked_access_tokens')
        .values(Array.from({ length: 35 }, (_, i) => ({ jti: `jti-${i}`, expires_at: T0 - DAY })))
        .execute();
      const batches: number[] = [];
      const store = t.rt.stores.purge;
      const spied: PurgeStore = {
        ...store,
        revokedAccessTokens: async (before, limit) => {
          expect(limit).toBe(10);
          const n = await store.revokedAccessTokens(before, limit);
          batches.push(n);
          return n;
        },
      };
      const capped = await run({ store: spied, batchSize: 10, maxRowsPerTable: 20 });
      expect(batches).toEqual([10, 10]);
      expect(capped.counts.revoked_access_tokens).toBe(20);
      expect(capped.capped).toEqual(['revoked_access_tokens']);
      batches.length = 0;
      const rest = await run({ store: spied, batchSize: 10 });
      expect(batches).toEqual([10, 5]);
      expect(rest.counts.revoked_access_tokens).toBe(15);
      expect(rest.capped).toEqual([]);
      expect(Number(await rows('revoked_access_tokens'))).toBe(0);
    });

    it('is idempotent: two runs at once share the work, a third finds nothing', async () => {
      const { appId } = await merchantApp(a);
      await db()
        .insertInto('revoked_access_tokens')
        .values(Array.from({ length: 35 }, (_, i) => ({ jti: `jti-${i}`, expires_at: T0 - DAY })))
        .execute();
      await db()
        .insertInto('webhook_deliveries')
        .values(
          Array.from({ length: 25 }, (_, i) => ({
            id: `whd_${String(i).padStart(2, '0')}`,
            subscription_id: 'whs_1',
            application_id: appId,
            event_type: 'INSTALLATION.DELETE',
            message_id: `msg_${i}`,
            payload_sealed: null,
            status: 'succeeded',
            next_attempt_at: T0 - 60 * DAY,
            installation_id: null,
            credentials_version: null,
            lease_until: null,
            leased_by: null,
            last_attempt_at: null,
            last_status_code: 200,
            last_error: null,
            created_at: T0 - 60 * DAY,
            updated_at: T0 - 60 * DAY,
            completed_at: T0 - 60 * DAY,
          })),
        )
        .execute();
      await db()
        .insertInto('webhook_attempts')
        .values(Array.from({ length: 25 }, (_, i) => ({ id: `wha_${i}`, delivery_id: `whd_${String(i).padStart(2, '0')}`, attempt: 1, started_at: T0 - 60 * DAY, duration_ms: 5, status_code: 200, error_class: null, outcome: 'succeeded' })))
        .execute();
      // PostgreSQL: a second connection pool, as a second process would have. SQLite: one connection
      // per process serializes statements; two processes would wait on the file lock instead.
      const other = dialect === 'postgres' ? t.database.open() : null;
      try {
        const otherStore = other ? createStores(other.db, other.dialect).purge : t.rt.stores.purge;
        const [x, y] = await Promise.all([run({ batchSize: 10 }), run({ store: otherStore, batchSize: 10 })]);
        expect([...x.errors, ...y.errors]).toEqual([]);
        expect(x.counts.revoked_access_tokens + y.counts.revoked_access_tokens).toBe(35);
        expect(x.counts.webhook_deliveries + y.counts.webhook_deliveries).toBe(25);
        expect(x.counts.webhook_attempts + y.counts.webhook_attempts).toBe(25);
      } finally {
        await other?.close();
      }
      expect(Number(await rows('revoked_access_tokens'))).toBe(0);
      expect(Number(await rows('webhook_deliveries'))).toBe(0);
      expect(Number(await rows('webhook_attempts'))).toBe(0);
      const again = await run({ batchSize: 10 });
      expect(Object.values(again.counts).every((n) => n === 0)).toBe(true);
    });

    it('the scheduled job logs one info line per run that deleted something, and is off with interval 0', async () => {
      await db().insertInto('revoked_access_tokens').values({ jti: 'old', expires_at: T0 - DAY }).execute();
      const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
      const job = new PurgeJob({ ...purgeOptionsFor(t.rt), intervalMs: 3600_000, log: (level, fields, msg) => lines.push({ level, fields, msg }) });
      await job.runOnce();
      await job.runOnce();
      expect(lines).toEqual([{ level: 'info', fields: expect.objectContaining({ deleted: { revoked_access_tokens: 1 }, total: 1 }), msg: 'purge: deleted expired rows' }]);
      await job.stop();
      expect(purgeJobFor({ ...t.rt, config: { ...t.rt.config, purgeInterval: 0 } })).toBeNull();
      expect(purgeJobFor(t.rt)).toBeInstanceOf(PurgeJob);
    });

    it.skipIf(!cliBuilt())('grantry purge --json runs once and prints the counts', async () => {
      const now = Date.now(); // the CLI runs on the system clock
      await db()
        .insertInto('revoked_access_tokens')
        .values([
          { jti: 'old-1', expires_at: now - DAY },
          { jti: 'old-2', expires_at: now - DAY },
          { jti: 'live', expires_at: now + DAY },
        ])
        .execute();
      const dataDir = mkdtempSync(join(tmpdir(), 'grantry-purge-'));
      try {
        const env = { GRANTRY_DATA_DIR: dataDir, GRANTRY_DATABASE_URL: t.database.url, GRANTRY_MASTER_KEY: t.masterKey.toString('base64') };
        const out = await cliJson<{ deleted: Record<string, number>; total: number; errors: unknown[] }>(['purge'], env);
        expect(out).toMatchObject({ deleted: { revoked_access_tokens: 2, refresh_tokens: 0, webhook_deliveries: 0 }, total: 2, errors: [] });
        expect((await db().selectFrom('revoked_access_tokens').select('jti').execute()).map((r) => r.jti)).toEqual(['live']);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
});
