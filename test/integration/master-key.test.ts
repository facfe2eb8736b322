import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { DIALECTS, createTestDatabase, skipDialect, type TestDatabase } from '../helpers/db.js';
import { cliBuilt, runCli } from '../helpers/cli.js';
import { ISSUER, adminToken, api, buildTestApp, merchantApp, tokenRequest, type Api, type TestApp } from '../helpers/app.js';
import { installAndReceive, merchantOrg, partnerApp, type Partner } from '../helpers/installations.js';
import { signatureValid, startReceiver, type Receiver } from '../helpers/webhooks.js';
import { MasterKeyRotationError, SEALED_COLUMNS, rotateMasterKey } from '../../src/admin/master-key.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { buildApp } from '../../src/app.js';
import { webhookWorkerFor } from '../../src/webhooks/worker.js';

/** `v1.<iv 12 bytes>.<ciphertext>.<tag 16 bytes>`, base64url: what SecretBox writes. */
const SEALED_SHAPE = /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{22}$/;
const MISMATCH = /GRANTRY_MASTER_KEY does not match the one this database was created with/;

/**
 * Master-key rotation (issue 8, point 7): every sealed value is re-sealed in one transaction; a server
 * with the new key then works on everything the old one wrote, a server with the old key refuses to start.
 */
describe.each(DIALECTS)('master-key rotation on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let receiver: Receiver;
    let partner: Partner;
    let merchant: Awaited<ReturnType<typeof merchantApp>>;
    let hookSecret: string;
    let installed: Awaited<ReturnType<typeof installAndReceive>>;
    let pending: Awaited<ReturnType<typeof installAndReceive>>;
    let rotated: { access_token: string; refresh_token: string };
    let jwksBefore: JSONWebKeySet;
    let kidBefore: string;
    const newKey = randomBytes(32);
    let oldBox: SecretBox;
    let newBox: SecretBox;
    let rt2: Runtime | null = null;
    let app2: FastifyInstance | null = null;

    /** Every sealed value, `table/id` → ciphertext. */
    const sealed = async (): Promise<Map<string, string>> => {
      const out = new Map<string, string>();
      for (const c of SEALED_COLUMNS) {
        const where = 'where' in c ? sql` and ${sql.ref(c.where.column)} = ${c.where.value}` : sql``;
        const ctx = 'contextColumn' in c ? c.contextColumn : c.id;
        const rows = await sql<{ id: string; value: string; ctx: string }>`select ${sql.ref(c.id)} as id, ${sql.ref(c.column)} as value, ${sql.ref(ctx)} as ctx from ${sql.table(c.table)} where ${sql.ref(c.column)} is not null${where}`.execute(t.rt.db.db);
        for (const r of rows.rows) {
          out.set(`${c.table}/${r.id}`, r.value);
          contexts.set(`${c.table}/${r.id}`, c.context(r.ctx));
        }
      }
      return out;
    };
    const contexts = new Map<string, string>();
    const contextOf = (key: string): string => contexts.get(key)!;
    const open = (box: SecretBox, values: Map<string, string>): Map<string, string> => new Map([...values].map(([k, v]) => [k, box.decrypt(v, contextOf(k)).toString('base64')]));
    const tables = async (): Promise<string[]> =>
      dialect === 'sqlite'
        ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(t.rt.db.db)).rows.map((r) => r.name)
        : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(t.rt.db.db)).rows.map((r) => r.name);
    /** Every row of every table, for "nothing changed". */
    const dump = async (): Promise<string> => {
      let out = '';
      for (const table of (await tables()).sort()) {
        const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(t.rt.db.db)).rows;
        out += `\n${table}: ${JSON.stringify(rows.map((r) => JSON.stringify(r)).sort())}`;
      }
      return out;
    };
    const partnerCreds = () => ({ id: partner.clientId, secret: partner.clientSecret });

    beforeAll(async () => {
      t = await buildTestApp(dialect, { webhookAllowedNetworks: ['127.0.0.0/8'], refreshGracePeriod: 60 });
      a = api(t.app, await adminToken(t));
      oldBox = new SecretBox(t.masterKey);
      newBox = new SecretBox(newKey);
      receiver = await startReceiver();
      partner = await partnerApp(a, { refresh_policy: 'rotate' });
      merchant = await merchantApp(a, ['payments:read']);
      // A webhook subscription whose secret the test knows, on a receiver that answers.
      const hook = await a.post(`/applications/${partner.appId}/webhooks`, { url: receiver.url, events: ['INSTALLATION.CREATE'] });
      expect(hook.statusCode, hook.body).toBe(201);
      hookSecret = hook.json().secret;
      // A second signing key (pending): every key is sealed, not only the active one.
      expect((await a.post('/keys/rotate')).statusCode).toBe(201);
      // An installation whose refresh token is used at once, rotating inside the grace period: the
      // successor pair is kept sealed on the spent token (and the first use cancels its webhooks).
      installed = await installAndReceive(t, a, await merchantOrg(a), partner);
      const res = await tokenRequest(t.app, { grant_type: 'refresh_token', refresh_token: installed.data.refresh_token }, partnerCreds());
      expect(res.statusCode, res.body).toBe(200);
      rotated = res.json();
      // Another installation: its credentials wait, sealed, in the outbox (no worker runs here).
      pending = await installAndReceive(t, a, await merchantOrg(a, 'Second merchant'), partner);
      jwksBefore = (await t.app.inject('/.well-known/jwks.json')).json();
      const cc = await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'payments:read' }, { id: merchant.clientId, secret: merchant.clientSecret });
      expect(cc.statusCode, cc.body).toBe(200);
      kidBefore = decodeProtectedHeader(cc.json().access_token).kid!;
    });
    afterAll(async () => {
      await app2?.close();
      await rt2?.close();
      await receiver?.close();
      await t?.close();
    });

    it('knows every sealed column: no sealed-looking value lives anywhere else', async () => {
      const registered = new Set(SEALED_COLUMNS.map((c) => `${c.table}.${c.column}`));
      const found = new Set<string>();
      for (const table of await tables()) {
        const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(t.rt.db.db)).rows;
        for (const row of rows) for (const [column, value] of Object.entries(row)) if (typeof value === 'string' && SEALED_SHAPE.test(value)) found.add(`${table}.${column}`);
      }
      for (const column of found) expect(registered, `${column} holds sealed values that rotation does not know`).toContain(column);
      // The scenario produced one of each kind.
      const kinds = new Set([...(await sealed()).keys()].map((k) => k.split('/')[0]));
      expect([...kinds].sort()).toEqual([...new Set(SEALED_COLUMNS.map((c) => c.table))].sort());
    });

    it('a value that opens with neither key stops the rotation, naming its row, and changes nothing', async () => {
      const [successorKey, original] = [...(await sealed())].find(([k]) => k.startsWith('refresh_tokens/'))!;
      const hash = successorKey.split('/')[1]!;
      // Flip one character of the ciphertext part.
      const parts = original.split('.');
      parts[2] = (parts[2]![0] === 'A' ? 'B' : 'A') + parts[2]!.slice(1);
      await t.rt.db.db.updateTable('refresh_tokens').set({ successor_sealed: parts.join('.') }).where('hash', '=', hash).execute();
      try {
        const before = await dump();
        const err = await rotateMasterKey(t.rt.db, oldBox, newBox).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(MasterKeyRotationError);
        expect((err as Error).message).toContain(`refresh_tokens row ${hash}`);
        expect((err as Error).message).toContain('nothing was changed');
        expect(await dump()).toBe(before);
      } finally {
        await t.rt.db.db.updateTable('refresh_tokens').set({ successor_sealed: original }).where('hash', '=', hash).execute();
      }
      // A wrong "current" key is named as such, and changes nothing either.
      const before = await dump();
      await expect(rotateMasterKey(t.rt.db, new SecretBox(randomBytes(32)), newBox)).rejects.toThrow(MISMATCH);
      expect(await dump()).toBe(before);
    });

    it('re-seals every sealed value with the new key in one go', async () => {
      const before = await sealed();
      const plaintexts = open(oldBox, before);
      const result = await rotateMasterKey(t.rt.db, oldBox, newBox, { clock: t.clock });
      expect(result).toEqual({
        status: 'rotated',
        reencrypted: { hash_pepper: 1, signing_keys: 2, webhook_secrets: 2, webhook_payloads: 2, refresh_successors: 1 },
        alreadyNewKey: { hash_pepper: 0, signing_keys: 0, webhook_secrets: 0, webhook_payloads: 0, refresh_successors: 0 },
      });
      const after = await sealed();
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
      for (const [k, v] of after) {
        expect(v, k).not.toBe(before.get(k));
        expect(() => oldBox.decrypt(v, contextOf(k)), k).toThrow();
      }
      expect(open(newBox, after)).toEqual(plaintexts);
      const audit = await t.rt.db.db.selectFrom('audit_events').selectAll().where('action', '=', 'master_key.rotated').execute();
      expect(audit).toHaveLength(1);
      expect(JSON.parse(audit[0]!.data)).toMatchObject({ total: 8 });
      for (const key of [t.masterKey, newKey]) {
        expect(JSON.stringify(audit)).not.toContain(key.toString('base64'));
        expect(JSON.stringify(audit)).not.toContain(key.toString('hex'));
      }
    });

    it('a server with the new key starts and works on everything the old key sealed', async () => {
      rt2 = await createRuntime({ config: t.rt.config, masterKey: newKey, clock: t.clock, db: t.database.open(), migrate: false });
      app2 = await buildApp(rt2);
      // Same signing keys: JWKS unchanged, tokens signed with the same kid.
      expect((await app2.inject('/.well-known/jwks.json')).json()).toEqual(jwksBefore);
      const cc = await tokenRequest(app2, { grant_type: 'client_credentials', scope: 'payments:read' }, { id: merchant.clientId, secret: merchant.clientSecret });
      expect(cc.statusCode, cc.body).toBe(200);
      expect(decodeProtectedHeader(cc.json().access_token).kid).toBe(kidBefore);
      await expect(jwtVerify(cc.json().access_token, createLocalJWKSet(jwksBefore), { issuer: ISSUER, audience: 'payments', currentDate: new Date(t.clock.now()) })).resolves.toBeTruthy();
      // The grace-period successor replays (same pair), then the current refresh token rotates: the pepper survived.
      const replay = await tokenRequest(app2, { grant_type: 'refresh_token', refresh_token: installed.data.refresh_token }, partnerCreds());
      expect(replay.statusCode, replay.body).toBe(200);
      expect(replay.json()).toMatchObject({ refresh_token: rotated.refresh_token, access_token: rotated.access_token });
      const next = await tokenRequest(app2, { grant_type: 'refresh_token', refresh_token: rotated.refresh_token }, partnerCreds());
      expect(next.statusCode, next.body).toBe(200);
      // The pending webhook goes out, signed with the subscription's original secret.
      const worker = webhookWorkerFor(rt2, { onExhausted: async () => {}, timeoutMs: 2000 });
      expect(await worker.runOnce()).toBeGreaterThanOrEqual(1);
      expect(receiver.receipts).toHaveLength(1);
      const receipt = receiver.receipts[0]!;
      expect(signatureValid(hookSecret, receipt)).toBe(true);
      expect(JSON.parse(receipt.body).data).toMatchObject({ refresh_token: pending.data.refresh_token, installation_id: pending.installation.id });
    });

    it('a server still holding the old key refuses to start with the clear error', async () => {
      await expect(createRuntime({ config: t.rt.config, masterKey: t.masterKey, clock: t.clock, db: t.database.open(), migrate: false })).rejects.toThrow(MISMATCH);
    });

    it('running it again changes nothing, and re-seals what an instance with the old key wrote since', async () => {
      const before = await sealed();
      const again = await rotateMasterKey(t.rt.db, oldBox, newBox);
      expect(again.status).toBe('unchanged');
      expect(again.reencrypted).toEqual({ hash_pepper: 0, signing_keys: 0, webhook_secrets: 0, webhook_payloads: 0, refresh_successors: 0 });
      expect(again.alreadyNewKey.hash_pepper).toBe(1);
      // Same key on both sides (rotate with the key already in use): nothing to do either.
      expect((await rotateMasterKey(t.rt.db, newBox, newBox)).status).toBe('unchanged');
      expect(await sealed()).toEqual(before);

      // The old server (t, old key in memory) was not stopped and writes a new webhook secret with the old key...
      const straggler = await a.post(`/applications/${partner.appId}/webhooks`, { url: receiver.url, events: ['INSTALLATION.UPDATE'] });
      expect(straggler.statusCode, straggler.body).toBe(201);
      const id = straggler.json().id as string;
      const row = await t.rt.db.db.selectFrom('webhook_secrets').select('secret_sealed').where('subscription_id', '=', id).executeTakeFirstOrThrow();
      expect(() => newBox.decrypt(row.secret_sealed, `webhook_subscriptions:${id}`)).toThrow();
      // ...which the same rotation, run again, re-seals.
      const repair = await rotateMasterKey(t.rt.db, oldBox, newBox);
      expect(repair.status).toBe('rotated');
      expect(repair.reencrypted).toEqual({ hash_pepper: 0, signing_keys: 0, webhook_secrets: 1, webhook_payloads: 0, refresh_successors: 0 });
      const fixed = await t.rt.db.db.selectFrom('webhook_secrets').select('secret_sealed').where('subscription_id', '=', id).executeTakeFirstOrThrow();
      expect(rt2!.box.decrypt(fixed.secret_sealed, `webhook_subscriptions:${id}`).toString('utf8')).toBe(straggler.json().secret);
    });
  });
});

/** The CLI end to end, on SQLite with a data dir (the development key file), then with GRANTRY_MASTER_KEY. */
describe.skipIf(!cliBuilt())('grantry master-key (CLI)', () => {
  let database: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  const printed: string[] = [];
  const run = async (args: string[], extra: Record<string, string> = {}) => {
    const r = await runCli(args, { ...env, ...extra });
    printed.push(r.stdout + r.stderr);
    return r;
  };
  const json = async <T = Record<string, any>>(args: string[], extra: Record<string, string> = {}): Promise<T> => {
    const r = await run([...args, '--json'], extra);
    expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
    return JSON.parse(r.stdout) as T;
  };

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    dataDir = dirname(database.url.slice('sqlite:'.length));
    env = { GRANTRY_DATA_DIR: dataDir };
    expect((await run(['migrate'])).code).toBe(0);
    expect((await json(['init'])).created).toBe(true);
  });
  afterAll(async () => database?.drop());

  it('generate prints a fresh 32-byte key', async () => {
    const { key } = await json<{ key: string }>(['master-key', 'generate']);
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    const human = await run(['master-key', 'generate']);
    expect(human.stdout).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(human.stdout.trim()).not.toBe(key);
  });

  it('rotate with the development key file re-seals everything and rewrites the file', async () => {
    const keyFile = join(dataDir, 'master.key');
    const oldKey = readFileSync(keyFile, 'utf8').trim();
    const { key } = await json<{ key: string }>(['master-key', 'generate']);
    const bad = await run(['master-key', 'rotate', '--new-key', 'too-short']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--new-key: the master key must be 32 bytes/);

    const out = await json(['master-key', 'rotate', '--new-key', key]);
    expect(out).toMatchObject({ status: 'rotated', key_file: keyFile, key_file_rewritten: true, reencrypted: { hash_pepper: 1, signing_keys: 1 } });
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(existsSync(`${keyFile}.new`)).toBe(false);
    // Commands (and a server) start with the new key; the admin application is still there.
    expect(await json(['init'])).toMatchObject({ created: false });
    // Again: nothing to do.
    expect(await json(['master-key', 'rotate', '--new-key', key])).toMatchObject({ status: 'unchanged', key_file_rewritten: false });
    const human = await run(['master-key', 'rotate', '--new-key', key]);
    expect(human.stdout).toMatch(/already sealed with the new key/);
    for (const output of printed.slice(2)) expect(output).not.toContain(oldKey);
  });

  it('rotate with GRANTRY_MASTER_KEY says to deploy the new key; the old key then refuses to start', async () => {
    const current = readFileSync(join(dataDir, 'master.key'), 'utf8').trim();
    const { key: next } = await json<{ key: string }>(['master-key', 'generate']);
    const keyPath = join(dataDir, 'next.key');
    writeFileSync(keyPath, next + '\n', { mode: 0o600 });
    const from = printed.length;
    const r = await run(['master-key', 'rotate', '--new-key-file', keyPath], { GRANTRY_MASTER_KEY: current });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^re-sealed \d+ values with the new master key: 1 hash pepper, 1 signing private keys/);
    expect(r.stdout).toMatch(/next: deploy the new key as GRANTRY_MASTER_KEY to every instance/);
    // The development key file is not touched when the key comes from the environment.
    expect(readFileSync(join(dataDir, 'master.key'), 'utf8').trim()).toBe(current);
    const refused = await run(['init', '--json'], { GRANTRY_MASTER_KEY: current });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(MISMATCH);
    expect(await json(['init'], { GRANTRY_MASTER_KEY: next })).toMatchObject({ created: false });
    // Run again with the old configuration: already done, nothing changed.
    expect(await json(['master-key', 'rotate', '--new-key-file', keyPath], { GRANTRY_MASTER_KEY: current })).toMatchObject({ status: 'unchanged', key_file: null });
    for (const output of printed.slice(from)) {
      expect(output).not.toContain(current);
      expect(output).not.toContain(next);
    }
  });

  it('completes a development-key rotation interrupted between the commit and the rename of the key file', async () => {
    // The state such a crash leaves: the database is sealed with the key in next.key (previous test),
    // master.key still holds the old key, and the new one waits in master.key.new.
    const keyFile = join(dataDir, 'master.key');
    const keyPath = join(dataDir, 'next.key');
    writeFileSync(`${keyFile}.new`, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    const other = await run(['master-key', 'rotate', '--new-key-file', keyPath]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/master\.key\.new exists, left by an interrupted rotation, and holds a different key/);
    writeFileSync(`${keyFile}.new`, readFileSync(keyPath));
    expect(await json(['master-key', 'rotate', '--new-key-file', keyPath])).toMatchObject({ status: 'unchanged', key_file_rewritten: true });
    expect(readFileSync(keyFile, 'utf8')).toBe(readFileSync(keyPath, 'utf8'));
    expect(existsSync(`${keyFile}.new`)).toBe(false);
    expect(await json(['init'])).toMatchObject({ created: false });
  });
});
