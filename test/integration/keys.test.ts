import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { loadConfig } from '../../src/config/load.js';
import { fixedClock } from '../../src/domain/clock.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { cliBuilt, runCli } from '../helpers/cli.js';
import { DIALECTS, createTestDatabase, skipDialect } from '../helpers/db.js';
import { ISSUER, T0, adminToken, api, buildTestApp, merchantApp, tokenRequest, type Api, type TestApp } from '../helpers/app.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe.each(DIALECTS)('signing keys on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect))('', () => {
    let t: TestApp;
    let a: Api;
    let client: Awaited<ReturnType<typeof merchantApp>>;

    const jwks = async (): Promise<{ set: JSONWebKeySet; cacheControl: string | undefined }> => {
      const res = await t.app.inject('/.well-known/jwks.json');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/jwk-set\+json/);
      return { set: res.json(), cacheControl: res.headers['cache-control'] as string | undefined };
    };
    const kids = async () => (await jwks()).set.keys.map((k) => k.kid).sort();
    const issue = async (): Promise<string> => {
      const res = await tokenRequest(t.app, { grant_type: 'client_credentials', scope: 'payments:read' }, { id: client.clientId, secret: client.clientSecret });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().access_token;
    };
    const verify = async (token: string, at = t.clock.now()) =>
      jwtVerify(token, createLocalJWKSet((await jwks()).set), { issuer: ISSUER, audience: 'payments', typ: 'at+jwt', currentDate: new Date(at) });

    beforeAll(async () => {
      t = await buildTestApp(dialect);
      a = api(t.app, await adminToken(t));
      client = await merchantApp(a, ['payments:read']);
    });
    afterAll(async () => t?.close());

    it('publishes a rotated key at once and signs with it only after the activation delay', async () => {
      const [oldKid] = await kids();
      expect(oldKid).toEqual(expect.any(String));
      expect(decodeProtectedHeader(await issue()).kid).toBe(oldKid);

      const rotated = await a.post('/keys/rotate');
      expect(rotated.statusCode).toBe(201);
      const newKid = rotated.json().kid as string;
      const delay = t.rt.config.keyActivationDelay * 1000;
      expect(rotated.json()).toMatchObject({ state: 'pending', activates_at: T0 + delay, alg: 'RS256' });

      const published = await jwks();
      expect(published.set.keys.map((k) => k.kid).sort()).toEqual([oldKid, newKid].sort());
      expect(published.cacheControl).toBe(`public, max-age=${t.rt.config.jwksMaxAge}`);
      for (const k of published.set.keys) {
        expect(k).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256' });
        expect(k).not.toHaveProperty('d');
        expect(k).not.toHaveProperty('p');
      }

      t.clock.advance(delay - 1000);
      const beforeActivation = await issue();
      expect(decodeProtectedHeader(beforeActivation).kid).toBe(oldKid);
      t.clock.advance(1000);
      const afterActivation = await issue();
      expect(decodeProtectedHeader(afterActivation).kid).toBe(newKid);
      await expect(verify(afterActivation)).resolves.toBeTruthy();

      const states = Object.fromEntries(t.rt.keys.list().map((k) => [k.kid, k.state]));
      expect(states).toEqual({ [oldKid!]: 'retired', [newKid]: 'active' });

      // The old key stays published until retired_at + the longest access-token lifetime, so the
      // last token it signed (just before activation) verifies until it expires.
      const retention = t.rt.config.maxAccessTokenTtl * 1000;
      const oldInfo = t.rt.keys.list().find((k) => k.kid === oldKid)!;
      expect(oldInfo.retiredAt).toBe(T0 + delay);
      expect(oldInfo.removedAt).toBe(T0 + delay + retention);
      const lastOldExp = JSON.parse(Buffer.from(beforeActivation.split('.')[1]!, 'base64url').toString()).exp * 1000;
      t.clock.set(lastOldExp - 1000);
      await t.rt.keys.load();
      expect(await kids()).toEqual([oldKid, newKid].sort());
      await expect(verify(beforeActivation)).resolves.toBeTruthy();

      t.clock.set(oldInfo.removedAt! - 1000);
      await t.rt.keys.load();
      expect(await kids()).toContain(oldKid);
      t.clock.set(oldInfo.removedAt! + 1000);
      await t.rt.keys.load();
      expect(await kids()).toEqual([newKid]);
      expect(t.rt.keys.publicKey(oldKid!)).toBeNull();
      expect(decodeProtectedHeader(await issue()).kid).toBe(newKid);
    });

    it('rotates to ES256 and to EdDSA', async () => {
      const delay = t.rt.config.keyActivationDelay * 1000;
      for (const [alg, kty, crv] of [['ES256', 'EC', 'P-256'], ['EdDSA', 'OKP', 'Ed25519']] as const) {
        const info = await t.rt.keys.rotate(alg);
        expect(info.alg).toBe(alg);
        const jwk = (await jwks()).set.keys.find((k) => k.kid === info.kid);
        expect(jwk).toMatchObject({ kty, crv, alg, use: 'sig' });
        expect(jwk).not.toHaveProperty('d');
        t.clock.advance(delay);
        const token = await issue();
        expect(decodeProtectedHeader(token)).toMatchObject({ alg, kid: info.kid, typ: 'at+jwt' });
        const { payload } = await verify(token);
        expect(payload.client_id).toBe(client.clientId);
      }
    });

    it('stores private keys encrypted, never as plaintext JWKs', async () => {
      const rows = await t.rt.db.db.selectFrom('signing_keys').selectAll().execute();
      expect(rows.length).toBeGreaterThanOrEqual(2);
      for (const row of rows) {
        expect(row.private_jwk).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
        expect(row.private_jwk).not.toContain('"d":');
        expect(row.private_jwk).not.toContain('"kty"');
        expect(row.public_jwk).not.toContain('"d":');
        // The sealed JWK is bound to its kid: it does not decrypt as another row's key.
        expect(() => t.rt.box.decrypt(row.private_jwk, `signing_keys:${row.kid}x`)).toThrow();
        expect(JSON.parse(t.rt.box.decrypt(row.private_jwk, `signing_keys:${row.kid}`).toString())).toHaveProperty('d');
      }
    });

    it('refuses to start with another master key, saying so', async () => {
      const config = loadConfig({}, { issuer: ISSUER, databaseUrl: t.database.url });
      await expect(createRuntime({ config, masterKey: randomBytes(32), clock: fixedClock(T0), db: t.database.open() })).rejects.toThrow(
        /GRANTRY_MASTER_KEY does not match/,
      );
    });

    it('picks up a key rotated by another process on load()', async () => {
      const config = loadConfig({}, { issuer: ISSUER, databaseUrl: t.database.url });
      const other = await createRuntime({ config, masterKey: t.masterKey, clock: t.clock, db: t.database.open() });
      try {
        const info = await other.keys.rotate();
        expect(await kids()).not.toContain(info.kid);
        await t.rt.keys.load();
        expect(await kids()).toContain(info.kid);
        t.clock.advance(t.rt.config.keyActivationDelay * 1000);
        expect(decodeProtectedHeader(await issue()).kid).toBe(info.kid);
        // A token the other process signs verifies against this one's JWKS.
        const { token } = other.keys.sign({ iss: ISSUER, aud: 'payments', sub: 'x', iat: Math.floor(t.clock.now() / 1000), exp: Math.floor(t.clock.now() / 1000) + 60 });
        await expect(verify(token)).resolves.toBeTruthy();
      } finally {
        await other.close();
      }
    });
  });

  describe.skipIf(skipDialect(dialect))('concurrent bootstrap', () => {
    // In one process, two better-sqlite3 connections cannot wait for each other (the busy wait blocks
    // the thread the lock holder needs), so on SQLite the race is run between real processes only.
    it.skipIf(dialect === 'sqlite')('two runtimes starting at once on one fresh database create exactly one initial key', async () => {
      for (let round = 0; round < 3; round++) {
        const database = await createTestDatabase(dialect);
        const runtimes: Runtime[] = [];
        try {
          const config = loadConfig({}, { issuer: ISSUER, databaseUrl: database.url });
          const masterKey = randomBytes(32);
          const started = await Promise.all(
            [0, 1, 2].map(() => createRuntime({ config, masterKey, clock: fixedClock(T0 + round * DAY), db: database.open(), migrate: true })),
          );
          runtimes.push(...started);
          const rows = await started[0]!.db.db.selectFrom('signing_keys').select('kid').execute();
          expect(rows).toHaveLength(1);
          for (const rt of started) expect(rt.keys.list().map((k) => k.kid)).toEqual([rows[0]!.kid]);
          // The peppers agree too, so a secret created through one authenticates through the others.
          expect(started[0]!.hasher.hash('x')).toBe(started[1]!.hasher.hash('x'));
          expect(started[2]!.hasher.hash('x')).toBe(started[1]!.hasher.hash('x'));
        } finally {
          for (const rt of runtimes) await rt.close();
          await database.drop();
        }
      }
    });

    it.skipIf(!cliBuilt())('two processes starting at once on one fresh database create exactly one initial key', async () => {
      const database = await createTestDatabase(dialect);
      try {
        const env = { GRANTRY_DATABASE_URL: database.url, GRANTRY_MASTER_KEY: randomBytes(32).toString('base64'), GRANTRY_ISSUER: ISSUER };
        // Kysely's migration lock is a no-op on SQLite: two processes migrating one fresh file at once
        // collide ("table already exists"), so there the schema is migrated first and only the key
        // bootstrap races. On PostgreSQL the whole start-up runs concurrently.
        if (dialect === 'sqlite') expect((await runCli(['migrate'], env)).code).toBe(0);
        const results = await Promise.all([0, 1, 2].map(() => runCli(['keys', 'list', '--json'], env)));
        for (const r of results) expect(r.code, r.stderr).toBe(0);
        const lists = results.map((r) => (JSON.parse(r.stdout) as { items: { kid: string }[] }).items.map((k) => k.kid));
        expect(lists[0]).toHaveLength(1);
        expect(lists[1]).toEqual(lists[0]);
        expect(lists[2]).toEqual(lists[0]);
        const db = database.open();
        try {
          expect(await db.db.selectFrom('signing_keys').select('kid').execute()).toEqual([{ kid: lists[0]![0] }]);
        } finally {
          await db.close();
        }
      } finally {
        await database.drop();
      }
    });
  });
});
