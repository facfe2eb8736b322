import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, pgUrl, skipDialect } from '../helpers/db.js';
import { basic } from '../helpers/app.js';
import { cliBuilt, runCli, serve, type ServeProcess } from '../helpers/cli.js';
import { startReceiver } from '../helpers/webhooks.js';
import { adminClient, post, until, type Call } from '../helpers/remote.js';

/**
 * Backup and restore (issue 8, point 8), with real processes: state is made through a running server,
 * the backup is taken while that server keeps serving requests, and a new server started on the copy
 * with the same master key proves the state came back: the same JWKS, the same client secrets, the
 * same refresh tokens, the same management token.
 */

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
});

interface State {
  merchantApp: { client_id: string; client_secret: string };
  partnerApp: { client_id: string; client_secret: string };
  installationId: string;
  /** The partner's current refresh token, after one rotation. */
  refreshToken: string;
  jwks: JSONWebKeySet;
}

/** Apps, an installation and a rotated refresh token, all through the running server. */
async function makeState(base: string, call: Call): Promise<State> {
  const receiver = await startReceiver();
  cleanup.push(() => receiver.close());
  await call('/scopes', 'POST', { scope: 'payments:create', description: 'Take payments' });
  const merchant = await call('/organizations', 'POST', { type: 'merchant', name: 'Acme' });
  const merchantApp = await call('/applications', 'POST', { name: 'ERP', type: 'merchant', organization_id: merchant.id, scopes: ['payments:create'] });
  const partner = await call('/organizations', 'POST', { type: 'partner', name: 'Partner' });
  const partnerApp = await call('/applications', 'POST', { name: 'Books', type: 'third_party', organization_id: partner.id, scopes: ['payments:create'], refresh_policy: 'rotate' });
  await call(`/applications/${partnerApp.id}/webhooks`, 'POST', { url: receiver.url, events: ['INSTALLATION.CREATE'] });
  const installation = await call('/installations', 'POST', { organization_id: merchant.id, application_id: partnerApp.id, scopes: ['payments:create'] });
  const delivered = await until('the INSTALLATION.CREATE webhook', () => receiver.receipts[0]);
  const first = JSON.parse(delivered.body).data.refresh_token as string;
  const rotated = await post(`${base}/oauth/token`, { grant_type: 'refresh_token', refresh_token: first }, basic(partnerApp.client_id, partnerApp.client_secret));
  expect(rotated.status).toBe(200);
  const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
  return {
    merchantApp: { client_id: merchantApp.client_id, client_secret: merchantApp.client_secret },
    partnerApp: { client_id: partnerApp.client_id, client_secret: partnerApp.client_secret },
    installationId: installation.id,
    refreshToken: rotated.json().refresh_token,
    jwks,
  };
}

/** Token requests and management writes against `base` until stopped; any failure fails the test. */
function startLoad(base: string, call: Call, app: State['merchantApp']) {
  let stopping = false;
  let served = 0;
  const lanes = Array.from({ length: 4 }, async (_, lane) => {
    for (let i = 0; !stopping; i++) {
      if (lane === 0) await call('/organizations', 'POST', { type: 'merchant', name: `load-${i}` }, base);
      else {
        const r = await post(`${base}/oauth/token`, { grant_type: 'client_credentials', scope: 'payments:create' }, basic(app.client_id, app.client_secret));
        if (r.status !== 200) throw new Error(`client_credentials under load: ${r.status} ${r.text}`);
      }
      served++;
    }
  });
  return {
    served: () => served,
    stop: async () => {
      stopping = true;
      await Promise.all(lanes);
      return served;
    },
  };
}

/** What a server started on the restored copy must show. */
async function provesState(restored: ServeProcess, state: State, call: Call): Promise<void> {
  // The same signing keys: byte-identical JWKS, and a token it signs verifies against the original's.
  const jwks = (await (await fetch(`${restored.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
  expect(jwks).toEqual(state.jwks);
  const cc = await post(`${restored.url}/oauth/token`, { grant_type: 'client_credentials', scope: 'payments:create' }, basic(state.merchantApp.client_id, state.merchantApp.client_secret));
  expect(cc.status).toBe(200);
  const { payload } = await jwtVerify(cc.json().access_token, createLocalJWKSet(state.jwks));
  expect(payload).toMatchObject({ client_id: state.merchantApp.client_id, scope: 'payments:create' });
  // The rotated refresh token is the current one of its family there, and rotates again.
  const refreshed = await post(`${restored.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: state.refreshToken }, basic(state.partnerApp.client_id, state.partnerApp.client_secret));
  expect(refreshed.status).toBe(200);
  expect(refreshed.json().refresh_token).toMatch(/^grt_/);
  // The management token issued by the original server before the backup is accepted too.
  expect(await call(`/installations/${state.installationId}`, 'GET', undefined, restored.url)).toMatchObject({ id: state.installationId, status: 'active' });
}

/** pg_dump and pg_restore: on PATH, else the newest /usr/lib/postgresql/<version>/bin. */
function findPgTools(): { dump: string; restore: string } | null {
  if (spawnSync('pg_dump', ['--version']).status === 0 && spawnSync('pg_restore', ['--version']).status === 0) return { dump: 'pg_dump', restore: 'pg_restore' };
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'pg_dump'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? { dump: join(root, versions[0], 'bin', 'pg_dump'), restore: join(root, versions[0], 'bin', 'pg_restore') } : null;
}

describe('backup and restore of the embedded SQLite database', () => {
  describe.skipIf(!cliBuilt())('', () => {
    it('grantry backup copies the database while a server serves requests; a server on the copy has the whole state', async () => {
      const database = await createTestDatabase('sqlite');
      cleanup.push(() => database.drop());
      const dataDir = database.url.slice('sqlite:'.length).replace(/\/grantry\.db$/, '');
      const masterKey = randomBytes(32).toString('base64');
      const env = { GRANTRY_DATABASE_URL: database.url, GRANTRY_DATA_DIR: dataDir, GRANTRY_MASTER_KEY: masterKey, GRANTRY_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8' };
      const original = await serve(env);
      cleanup.push(() => original.stop());
      const { call } = await adminClient(original.url, env);
      const state = await makeState(original.url, call);

      const restoreDir = mkdtempSync(join(tmpdir(), 'grantry-restore-'));
      cleanup.push(async () => rmSync(restoreDir, { recursive: true, force: true }));
      const copy = join(restoreDir, 'grantry.db');

      const load = startLoad(original.url, call, state.merchantApp);
      await until('the load to run', () => load.served() >= 20);
      const servedBefore = load.served();
      const started = Date.now();
      const backup = await runCli(['backup', '--to', copy, '--json'], env);
      const backupMs = Date.now() - started;
      const servedDuring = load.served() - servedBefore;
      const served = await load.stop();
      expect(backup.code, backup.stderr).toBe(0);
      const result = JSON.parse(backup.stdout);
      expect(result).toMatchObject({ database: 'sqlite', to: copy, integrity: 'ok', bytes: statSync(copy).size });
      expect(servedDuring).toBeGreaterThan(0);
      console.log(`  backup: ${result.bytes} bytes, ${result.pages} pages, ${result.duration_ms} ms in the command, ${backupMs} ms with process start; ${servedDuring} requests served meanwhile (${served} in all)`);
      // Readable by its owner only: it holds hashes and sealed keys.
      expect(statSync(copy).mode & 0o777).toBe(0o600);
      // One file: no -wal beside it to forget, and what the server had only in its WAL is inside.
      expect(readdirSync(restoreDir)).toEqual(['grantry.db']);
      const loadOrgs = (() => {
        const db = new SqliteDatabase(copy, { readonly: true });
        try {
          return (db.prepare("select count(*) as n from organizations where name like 'load-%'").get() as { n: number }).n;
        } finally {
          db.close();
        }
      })();
      expect(loadOrgs).toBeGreaterThan(0);

      // A second backup to the same file is refused rather than overwriting it.
      const again = await runCli(['backup', '--to', copy], env);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('--force');

      // The original keeps running: the copy is a separate database from here on.
      const restored = await serve({ ...env, GRANTRY_DATABASE_URL: `sqlite:${copy}`, GRANTRY_DATA_DIR: restoreDir });
      cleanup.push(() => restored.stop());
      await provesState(restored, state, call);
      await restored.stop();

      // Without its master key the copy gives nothing back: secrets are peppered and keys sealed with it.
      // The server checks the key against the database before it serves anything.
      await expect(serve({ ...env, GRANTRY_DATABASE_URL: `sqlite:${copy}`, GRANTRY_DATA_DIR: restoreDir, GRANTRY_MASTER_KEY: randomBytes(32).toString('base64') })).rejects.toThrow(
        'GRANTRY_MASTER_KEY does not match the one this database was created with',
      );
    }, 90_000);
  });
});

const pgTools = findPgTools();
const pgToolsMissing = pgTools === null && !process.env.CI;
if (pgToolsMissing && pgUrl() !== null) console.warn('\n  pg_dump/pg_restore not found (PATH, /usr/lib/postgresql/*/bin): the PostgreSQL backup test is SKIPPED. Install postgresql-client.\n');

describe('backup and restore of a PostgreSQL schema with pg_dump and pg_restore', () => {
  describe.skipIf(skipDialect('postgres') || !cliBuilt() || pgToolsMissing)('', () => {
    it('grantry backup refuses PostgreSQL and prints the pg_dump command for the schema', async () => {
      const url = `${pgUrl()}?options=${encodeURIComponent('-c search_path=t_example')}`;
      const r = await runCli(['backup', '--to', join(tmpdir(), 'never.db')], { GRANTRY_DATABASE_URL: url, GRANTRY_MASTER_KEY: randomBytes(32).toString('base64') });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('pg_dump -Fc --schema=t_example -f grantry.dump');
      expect(r.stderr).not.toContain('options=');
    });

    it('pg_dump -Fc while a server serves requests, pg_restore into a fresh database: a server there has the whole state', async () => {
      if (!pgTools) throw new Error('pg_dump/pg_restore not found (PATH, /usr/lib/postgresql/*/bin): CI requires the PostgreSQL backup test');
      const database = await createTestDatabase('postgres');
      cleanup.push(() => database.drop());
      const schema = /search_path=([a-z0-9_]+)/.exec(decodeURIComponent(database.url))![1]!;
      const dataDir = mkdtempSync(join(tmpdir(), 'grantry-pgbackup-'));
      cleanup.push(async () => rmSync(dataDir, { recursive: true, force: true }));
      const masterKey = randomBytes(32).toString('base64');
      const env = { GRANTRY_DATABASE_URL: database.url, GRANTRY_DATA_DIR: dataDir, GRANTRY_MASTER_KEY: masterKey, GRANTRY_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8' };
      const original = await serve(env);
      cleanup.push(() => original.stop());
      const { call } = await adminClient(original.url, env);
      const state = await makeState(original.url, call);

      // The dump: one consistent snapshot (pg_dump runs in one repeatable-read transaction), taken under load.
      const dumpFile = join(dataDir, 'grantry.dump');
      const load = startLoad(original.url, call, state.merchantApp);
      await until('the load to run', () => load.served() >= 20);
      const started = Date.now();
      const dump = spawnSync(pgTools.dump, ['-Fc', `--schema=${schema}`, '-f', dumpFile, pgUrl()!], { encoding: 'utf8' });
      const dumpMs = Date.now() - started;
      await load.stop();
      expect(dump.status, dump.stderr).toBe(0);

      // A fresh database; the schema keeps its name (pg_restore recreates it).
      const restoredDb = `grantry_restore_${randomBytes(5).toString('hex')}`;
      const admin = new pg.Client({ connectionString: pgUrl()! });
      await admin.connect();
      await admin.query(`create database ${restoredDb}`);
      await admin.end();
      cleanup.push(async () => {
        const c = new pg.Client({ connectionString: pgUrl()! });
        await c.connect();
        await c.query(`drop database if exists ${restoredDb} with (force)`);
        await c.end();
      });
      const target = new URL(pgUrl()!);
      target.pathname = `/${restoredDb}`;
      const restoreStarted = Date.now();
      const restore = spawnSync(pgTools.restore, ['--no-owner', '--exit-on-error', '--single-transaction', '-d', target.toString(), dumpFile], { encoding: 'utf8' });
      const restoreMs = Date.now() - restoreStarted;
      expect(restore.status, restore.stderr).toBe(0);
      console.log(`  pg_dump -Fc: ${statSync(dumpFile).size} bytes in ${dumpMs} ms under load; pg_restore in ${restoreMs} ms`);

      const restoredUrl = `${target.toString()}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      const restored = await serve({ ...env, GRANTRY_DATABASE_URL: restoredUrl });
      cleanup.push(() => restored.stop());
      await provesState(restored, state, call);
    }, 90_000);
  });
});
