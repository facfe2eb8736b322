import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, skipDialect, type TestDatabase } from '../helpers/db.js';
import { memoryStore, postgresStore, sqliteStore, SealError, type CredentialsChange, type TokenStore } from '../../src/partner/index.js';

const KINDS = ['memory', 'sqlite', 'postgres'] as const;
const REFRESH = `grt_${randomBytes(24).toString('base64url')}`;
const ACCESS = `eyJ.${randomBytes(24).toString('base64url')}.sig`;

const creds = (installationId: string, version: number, refreshToken = REFRESH): CredentialsChange => ({
  kind: 'credentials',
  installationId,
  credentialsVersion: version,
  refreshToken,
  accessToken: ACCESS,
  accessTokenExpiresAt: 2_000_000,
  accessTokenIssuedAt: 1_700_000,
  organizationId: 'org_1',
  clientId: 'cli_1',
  scopes: ['payments:read'],
});

describe.each(KINDS)('partner token store: %s', (kind) => {
  describe.skipIf(kind === 'postgres' && skipDialect('postgres'))('', () => {
    const cleanup: (() => Promise<void>)[] = [];
    const key = randomBytes(32);
    let where: { path?: string; url?: string } = {};
    afterAll(async () => {
      for (const fn of cleanup.reverse()) await fn().catch(() => {});
    });

    async function open(k: Buffer | string | (Buffer | string)[] = key): Promise<TokenStore> {
      let store: TokenStore;
      if (kind === 'memory') store = memoryStore();
      else if (kind === 'sqlite') {
        if (!where.path) {
          const dir = mkdtempSync(join(tmpdir(), 'partner-store-'));
          cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
          where = { path: join(dir, 'p.db') };
        }
        store = sqliteStore({ path: where.path!, key: k });
      } else {
        if (!where.url) {
          const db: TestDatabase = await createTestDatabase('postgres');
          cleanup.push(() => db.drop());
          where = { url: db.url };
        }
        store = postgresStore({ connectionString: where.url!, key: k });
      }
      cleanup.push(() => store.close());
      return store;
    }

    it('records a webhook and its credentials together; a webhook-id seen again changes nothing', async () => {
      const s = await open();
      expect(await s.receive('msg_1', creds('ins_a', 1), { now: 1000, completed: true })).toEqual({ seen: 'new', applied: true });
      const r = await s.get('ins_a');
      expect(r).toMatchObject({ installationId: 'ins_a', status: 'active', credentialsVersion: 1, refreshToken: REFRESH, accessToken: ACCESS, accessTokenExpiresAt: 2_000_000, scopes: ['payments:read'], organizationId: 'org_1' });
      expect(await s.receive('msg_1', creds('ins_a', 1, 'grt_other'), { now: 2000, completed: true })).toEqual({ seen: 'done', applied: false });
      expect((await s.get('ins_a'))!.refreshToken).toBe(REFRESH);
      expect(await s.get('ins_none')).toBeNull();
    });

    it('a message whose handling did not complete is pending until completed', async () => {
      const s = await open();
      expect((await s.receive('msg_p', { kind: 'none' }, { now: 1000, completed: false })).seen).toBe('new');
      expect((await s.receive('msg_p', { kind: 'none' }, { now: 1000, completed: false })).seen).toBe('pending');
      await s.complete('msg_p');
      expect((await s.receive('msg_p', { kind: 'none' }, { now: 1000, completed: false })).seen).toBe('done');
    });

    it('never lets older credentials replace newer ones, and a delete erases the tokens for good', async () => {
      const s = await open();
      await s.receive('m1', creds('ins_b', 2, 'grt_v2'), { now: 1, completed: true });
      expect((await s.receive('m2', creds('ins_b', 1, 'grt_v1'), { now: 2, completed: true })).applied).toBe(false);
      expect((await s.get('ins_b'))!.refreshToken).toBe('grt_v2');
      expect((await s.receive('m3', creds('ins_b', 3, 'grt_v3'), { now: 3, completed: true })).applied).toBe(true);
      expect((await s.get('ins_b'))!.refreshToken).toBe('grt_v3');
      await s.receive('m4', { kind: 'delete', installationId: 'ins_b' }, { now: 4, completed: true });
      expect(await s.get('ins_b')).toMatchObject({ status: 'deleted', refreshToken: null, accessToken: null });
      // A late, newer-looking credentials message does not revive an uninstalled installation.
      expect((await s.receive('m5', creds('ins_b', 9), { now: 5, completed: true })).applied).toBe(false);
      expect((await s.get('ins_b'))!.status).toBe('deleted');
    });

    it('the lock is exclusive; saveTokens is a compare-and-set on the revision', async () => {
      const s = await open();
      await s.receive('l1', creds('ins_c', 1), { now: 1, completed: true });
      let inner: unknown = 'not run';
      const outer = await s.tryWithLock('ins_c', async (locked) => {
        inner = await s.tryWithLock('ins_c', async () => 'twice');
        const r = (await locked.read())!;
        expect(await locked.saveTokens(r.revision, { refreshToken: 'grt_new', accessToken: 'at_new', accessTokenExpiresAt: 5, accessTokenIssuedAt: 4 }, 10)).toBe(true);
        // The revision moved: a second write from the same read is refused.
        expect(await locked.saveTokens(r.revision, { refreshToken: 'grt_lost', accessToken: 'at_lost', accessTokenExpiresAt: 5, accessTokenIssuedAt: 4 }, 10)).toBe(false);
        return 'once';
      });
      expect(outer).toEqual({ acquired: true, value: 'once' });
      expect(inner).toEqual({ acquired: false });
      expect(await s.get('ins_c')).toMatchObject({ refreshToken: 'grt_new', accessToken: 'at_new' });
      // Released: the next one gets it; a webhook's newer credentials win over a refresh started before them.
      await s.tryWithLock('ins_c', async (locked) => {
        const r = (await locked.read())!;
        await s.receive('l2', creds('ins_c', 2, 'grt_v2'), { now: 20, completed: true });
        expect(await locked.saveTokens(r.revision, { refreshToken: 'grt_mine', accessToken: 'at', accessTokenExpiresAt: 5, accessTokenIssuedAt: 4 }, 21)).toBe(false);
        const now = (await locked.read())!;
        expect(await locked.markRevoked(now.revision, 22)).toBe(true);
      });
      expect(await s.get('ins_c')).toMatchObject({ status: 'revoked', refreshToken: 'grt_v2' });
    });

    it.skipIf(kind === 'memory')('keeps tokens sealed at rest (AES-256-GCM), bound to the installation; a wrong key does not open them', async () => {
      const s = await open();
      await s.receive('e1', creds('ins_d', 1), { now: 1, completed: true });
      await s.get('ins_d');
      let raw: string;
      if (kind === 'sqlite') {
        const db = new Database(where.path!, { readonly: true });
        raw = JSON.stringify(db.prepare('SELECT * FROM grantry_partner_installations').all());
        db.close();
        raw += readFileSync(where.path!).toString('latin1') + readFileSync(`${where.path!}-wal`).toString('latin1');
      } else {
        const c = new pg.Client({ connectionString: where.url! });
        await c.connect();
        raw = JSON.stringify((await c.query('SELECT * FROM grantry_partner_installations')).rows);
        await c.end();
      }
      expect(raw).toContain('ins_d');
      expect(raw).not.toContain(REFRESH);
      expect(raw).not.toContain(ACCESS);
      await expect((await open(randomBytes(32))).get('ins_d')).rejects.toBeInstanceOf(SealError);
      // Key rotation: the new key first, the old one still opens.
      expect((await (await open([randomBytes(32), key])).get('ins_d'))!.refreshToken).toBe(REFRESH);
      await expect(async () => (kind === 'sqlite' ? sqliteStore({ path: where.path!, key: 'short' }) : postgresStore({ connectionString: where.url!, key: 'short' }))).rejects.toThrow(/32 bytes/);
    });
  });
});

it('a sealed token moved to another installation or field does not open', async () => {
  const { createSealer } = await import('../../src/partner/seal.js');
  const s = createSealer(randomBytes(32).toString('hex'));
  const sealed = s.seal('grt_secret', 'ins_1', 'refresh_token');
  expect(s.open(sealed, 'ins_1', 'refresh_token')).toBe('grt_secret');
  expect(() => s.open(sealed, 'ins_2', 'refresh_token')).toThrow(SealError);
  expect(() => s.open(sealed, 'ins_1', 'access_token')).toThrow(SealError);
  expect(s.seal('grt_secret', 'ins_1', 'refresh_token')).not.toBe(sealed);
});
