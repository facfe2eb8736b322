import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/crypto/password.js';
import { openDb, type Db } from '../../src/storage/db.js';
import { DIALECTS, createTestDatabase, skipDialect, type TestDatabase } from '../helpers/db.js';
import { cliBuilt, cliJson, runCli } from '../helpers/cli.js';

interface UserJson {
  id: string;
  email: string;
  name: string;
  platform_admin: boolean;
  status: string;
  has_password: boolean;
  memberships: { organization_id: string; role: string }[];
  setup_link?: string;
}

interface InitJson {
  created: boolean;
  client_id: string;
  client_secret: string | null;
  admin_user: UserJson;
  admin_user_created: boolean;
  admin_password: string | null;
  admin_setup_link: string | null;
}

const ISSUER = 'http://grantry.cli.test';

describe.each(DIALECTS)('grantry users / init (people) on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect) || !cliBuilt())('', () => {
    let database: TestDatabase;
    let dataDir: string;
    let env: Record<string, string>;
    let db: Db;
    let orgId: string;
    let init: InitJson;

    const passwordHashOf = async (id: string) => (await db.db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow()).password_hash;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      dataDir = dialect === 'sqlite' ? database.url.slice('sqlite:'.length).replace(/\/grantry\.db$/, '') : mkdtempSync(join(tmpdir(), 'grantry-users-cli-'));
      env = { GRANTRY_DATA_DIR: dataDir, GRANTRY_ISSUER: ISSUER, ...(dialect === 'postgres' ? { GRANTRY_DATABASE_URL: database.url } : {}) };
    });
    afterAll(async () => {
      await db?.close();
      await database?.drop();
      if (dialect === 'postgres' && dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('init creates the first platform administrator once, with a one-time password', async () => {
      init = await cliJson<InitJson>(['init'], env);
      expect(init).toMatchObject({
        created: true,
        client_secret: expect.stringMatching(/^gs_/),
        admin_user_created: true,
        admin_user: { email: 'admin@localhost', platform_admin: true, status: 'active', has_password: true, memberships: [] },
        admin_password: expect.stringMatching(/^[A-Za-z0-9_-]{24}$/),
        admin_setup_link: null,
      });
      db = openDb(database.url);
      const hash = await passwordHashOf(init.admin_user.id);
      expect(hash).toMatch(/^scrypt\$/);
      expect((await verifyPassword(init.admin_password!, hash!)).ok).toBe(true);

      const again = await runCli(['init', '--json'], env);
      expect(again.code, again.stderr).toBe(0);
      const second = JSON.parse(again.stdout) as InitJson;
      expect(second).toMatchObject({ created: false, client_secret: null, admin_user_created: false, admin_user: { id: init.admin_user.id }, admin_password: null, admin_setup_link: null });
      expect(again.stdout + again.stderr).not.toContain(init.admin_password!);
      // Another email on a second run changes nothing: the first administrator is remembered.
      expect(await cliJson<InitJson>(['init', '--admin-email', 'other@example.com', '--setup-link'], env)).toMatchObject({ admin_user_created: false, admin_user: { id: init.admin_user.id } });
      const human = await runCli(['init'], env);
      expect(human.stdout).toContain('The platform administrator admin@localhost already exists');
      const all = await cliJson<{ items: UserJson[] }>(['users', 'list'], env);
      expect(all.items.map((u) => u.email)).toEqual(['admin@localhost']);
    });

    it('init --setup-link prints a setup link instead (on a fresh database)', async () => {
      const other = await createTestDatabase(dialect);
      const otherDir = dialect === 'sqlite' ? other.url.slice('sqlite:'.length).replace(/\/grantry\.db$/, '') : mkdtempSync(join(tmpdir(), 'grantry-users-cli-'));
      try {
        const otherEnv = { GRANTRY_DATA_DIR: otherDir, GRANTRY_ISSUER: ISSUER, ...(dialect === 'postgres' ? { GRANTRY_DATABASE_URL: other.url } : {}) };
        const r = await cliJson<InitJson>(['init', '--admin-email', 'Root@Example.com', '--setup-link'], otherEnv);
        expect(r).toMatchObject({ admin_user_created: true, admin_user: { email: 'root@example.com', has_password: false, platform_admin: true }, admin_password: null });
        expect(r.admin_setup_link).toMatch(new RegExp(`^${ISSUER}/setup\\?token=gsu_`));
        const human = await runCli(['init'], otherEnv);
        expect(human.stdout).not.toContain('gsu_');
      } finally {
        await other.drop();
        if (dialect === 'postgres') rmSync(otherDir, { recursive: true, force: true });
      }
    });

    it('users create --password --json stores only an scrypt hash', async () => {
      orgId = (await cliJson<{ id: string }>(['orgs', 'create', '--type', 'merchant', '--name', 'Acme'], env)).id;
      const password = 'a very long cli password';
      const r = await runCli(['users', 'create', '--email', 'Owner@Acme.test', '--name', 'Olive', '--org', orgId, '--role', 'owner', '--password', password, '--json'], env);
      expect(r.code, r.stderr).toBe(0);
      const u = JSON.parse(r.stdout) as UserJson;
      expect(u).toMatchObject({ email: 'owner@acme.test', name: 'Olive', has_password: true, platform_admin: false, memberships: [{ organization_id: orgId, role: 'owner' }] });
      expect(u).not.toHaveProperty('setup_link');
      expect(r.stdout).not.toContain(password);
      const hash = await passwordHashOf(u.id);
      expect(hash).toMatch(/^scrypt\$/);
      expect(hash).not.toBe(password);
    });

    it('users create without --password prints a one-time setup link', async () => {
      const u = await cliJson<UserJson>(['users', 'create', '--email', 'dev@acme.test', '--org', orgId, '--role', 'developer'], env);
      expect(u).toMatchObject({ email: 'dev@acme.test', has_password: false, memberships: [{ organization_id: orgId, role: 'developer' }] });
      expect(u.setup_link).toMatch(new RegExp(`^${ISSUER}/setup\\?token=gsu_[A-Za-z0-9_-]{43}$`));
      const clear = new URL(u.setup_link!).searchParams.get('token')!;
      expect(JSON.stringify(await db.db.selectFrom('setup_tokens').selectAll().execute())).not.toContain(clear);
      const human = await runCli(['users', 'create', '--email', 'dev2@acme.test'], env);
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toMatch(/one-time setup link .*: http:\/\/grantry\.cli\.test\/setup\?token=gsu_/);
    });

    it('users show / list --org / update / add-membership / remove-membership / setup-link / delete', async () => {
      const shown = await cliJson<UserJson>(['users', 'show', 'dev@acme.test'], env);
      expect(shown.email).toBe('dev@acme.test');
      expect((await cliJson<{ items: UserJson[] }>(['users', 'list', '--org', orgId], env)).items.map((u) => u.email)).toEqual(['owner@acme.test', 'dev@acme.test']);
      expect(await cliJson<UserJson>(['users', 'update', shown.id, '--name', 'Dev', '--status', 'disabled', '--platform-admin', 'true'], env)).toMatchObject({ name: 'Dev', status: 'disabled', platform_admin: true });
      expect((await cliJson<UserJson>(['users', 'add-membership', shown.id, '--org', orgId, '--role', 'owner'], env)).memberships).toEqual([{ organization_id: orgId, role: 'owner' }]);
      expect((await cliJson<UserJson>(['users', 'remove-membership', 'owner@acme.test', '--org', orgId], env)).memberships).toEqual([]);
      const link = await cliJson<{ user_id: string; setup_link: string }>(['users', 'setup-link', shown.id], env);
      expect(link).toMatchObject({ user_id: shown.id, setup_link: expect.stringMatching(/token=gsu_/) });
      expect(await cliJson(['users', 'delete', 'dev2@acme.test'], env)).toEqual({ deleted: 'dev2@acme.test' });
      const table = await runCli(['users', 'list'], env);
      expect(table.stdout).toMatch(/dev@acme\.test\s+Dev\s+disabled/);
    });

    it('refuses bad input with exit code 1 and a problem document', async () => {
      const cases: [string[], number, string][] = [
        [['users', 'create', '--email', 'owner@acme.test'], 409, 'conflict'],
        [['users', 'create', '--email', 'x@acme.test', '--org', orgId, '--role', 'king'], 400, 'invalid_input'],
        [['users', 'create', '--email', 'x@acme.test', '--org', 'org_nope', '--role', 'owner'], 400, 'invalid_input'],
        [['users', 'create', '--email', 'x@acme.test', '--org', orgId], 400, 'invalid_input'],
        [['users', 'create', '--email', 'x@acme.test', '--password', 'short'], 400, 'invalid_input'],
        [['users', 'update', 'dev@acme.test', '--platform-admin', 'maybe'], 400, 'invalid_input'],
        [['users', 'remove-membership', 'dev@acme.test', '--org', orgId], 409, 'conflict'],
        [['users', 'show', 'nobody@acme.test'], 404, 'not_found'],
      ];
      const results = await Promise.all(cases.map(([args]) => runCli([...args, '--json'], env)));
      for (const [i, [args, status, kind]] of cases.entries()) {
        const r = results[i]!;
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
        expect(r.stdout).toBe('');
        expect(JSON.parse(r.stderr.trim()), args.join(' ')).toMatchObject({ type: `urn:grantry:problem:${kind}`, status });
      }
    });
  });
});
