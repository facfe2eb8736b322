import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { DIALECTS, createTestDatabase, skipDialect, type TestDatabase } from '../helpers/db.js';
import { basic, form } from '../helpers/app.js';
import { cliBuilt, cliJson, runCli, serve, type ServeProcess } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';

interface AppJson {
  id: string;
  client_id: string;
  client_secret?: string | null;
  name: string;
  scopes: string[];
  secrets?: { id: string; active: boolean }[];
}


const tokenCall = (url: string, params: Record<string, string>, authorization?: string) =>
  fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
    body: form(params),
    signal: AbortSignal.timeout(10_000),
  });

describe.each(DIALECTS)('the grantry CLI on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect) || !cliBuilt())('', () => {
    let database: TestDatabase;
    let dataDir: string;
    let env: Record<string, string>;
    const servers: ServeProcess[] = [];
    /** Every secret the CLI printed, with the outputs allowed to contain one. */
    const secrets: string[] = [];
    let admin: AppJson;
    let orgId: string;
    let app: AppJson;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      // SQLite: only a data dir, as on a fresh machine (database and development master key go there).
      dataDir = dialect === 'sqlite' ? database.url.slice('sqlite:'.length).replace(/\/grantry\.db$/, '') : mkdtempSync(join(tmpdir(), 'grantry-cli-'));
      env = { GRANTRY_DATA_DIR: dataDir, ...(dialect === 'postgres' ? { GRANTRY_DATABASE_URL: database.url } : {}) };
    });
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await database?.drop();
      if (dialect === 'postgres' && dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('migrate --json applies the migrations once', async () => {
      const first = await cliJson<{ applied: string[] }>(['migrate'], env);
      expect(first.applied).toContain('0001-core');
      expect(await cliJson(['migrate'], env)).toEqual({ applied: [], reverted: [] });
      // A release rolled back: down to a named migration, and up again.
      expect(await cliJson(['migrate', '--to', '0006-purge-indexes'], env)).toEqual({ applied: [], reverted: ['0008-webhook-endpoints', '0007-console'] });
      expect(await cliJson(['migrate'], env)).toEqual({ applied: ['0007-console', '0008-webhook-endpoints'], reverted: [] });
      const unknown = await runCli(['migrate', '--to', '9999-nope', '--json'], env);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stdout + unknown.stderr).toContain('no migration named 9999-nope');
    });

    it('init --json creates the admin application once', async () => {
      const first = await cliJson<AppJson & { created: boolean }>(['init'], env);
      expect(first).toMatchObject({ created: true, scopes: ['grantry:admin'], client_id: expect.any(String), client_secret: expect.stringMatching(/^gs_/) });
      admin = first;
      secrets.push(first.client_secret!);
      const second = await runCli(['init', '--json'], env);
      expect(second.code).toBe(0);
      expect(JSON.parse(second.stdout)).toMatchObject({ created: false, client_id: first.client_id, client_secret: null });
      expect(second.stdout + second.stderr).not.toContain(first.client_secret!);
    });

    it('scopes add / list', async () => {
      expect(await cliJson(['scopes', 'add', 'payments:create', '--description', 'Create payments'], env)).toMatchObject({ scope: 'payments:create', audience: 'payments', description: 'Create payments' });
      await cliJson(['scopes', 'add', 'payments:read', '--description', 'Read payments'], env);
      const list = await cliJson<{ items: { scope: string; description: string }[] }>(['scopes', 'list'], env);
      expect(list.items.map((s) => s.scope)).toEqual(expect.arrayContaining(['grantry:admin', 'payments:create', 'payments:read']));
      expect(list.items.find((s) => s.scope === 'payments:read')?.description).toBe('Read payments');
      const human = await runCli(['scopes', 'list'], env);
      expect(human.stdout).toMatch(/payments:create\s+Create payments/);
    });

    it('orgs create / apps create', async () => {
      const org = await cliJson<{ id: string; type: string; name: string }>(['orgs', 'create', '--type', 'merchant', '--name', 'Acme'], env);
      expect(org).toMatchObject({ id: expect.stringMatching(/^org_/), type: 'merchant', name: 'Acme' });
      orgId = org.id;
      app = await cliJson<AppJson>(['apps', 'create', '--name', 'Acme ERP', '--type', 'merchant', '--org', orgId, '--scopes', 'payments:create payments:read'], env);
      expect(app).toMatchObject({ name: 'Acme ERP', organization_id: orgId, scopes: ['payments:create', 'payments:read'], client_secret: expect.stringMatching(/^gs_/) });
      secrets.push(app.client_secret!);
    });

    it('apps update / show / rotate-secret / list', async () => {
      const updated = await cliJson<AppJson>(['apps', 'update', app.client_id, '--name', 'Acme ERP v2', '--scopes', 'payments:read', '--partner-id', '4242', '--logo-uri', 'https://acme.example/logo.png'], env);
      expect(updated).toMatchObject({ id: app.id, name: 'Acme ERP v2', scopes: ['payments:read'], partner_id: 4242, logo_uri: 'https://acme.example/logo.png' });
      const shown = await runCli(['apps', 'show', app.client_id, '--json'], env);
      expect(shown.code).toBe(0);
      expect(JSON.parse(shown.stdout)).toMatchObject({ id: app.id, name: 'Acme ERP v2', secrets: [{ active: true }] });
      expect(JSON.parse(shown.stdout)).not.toHaveProperty('client_secret');
      const rotated = await cliJson<{ client_secret: string; secrets: { active: boolean }[] }>(['apps', 'rotate-secret', app.id], env);
      expect(rotated.client_secret).toMatch(/^gs_/);
      expect(rotated.client_secret).not.toBe(app.client_secret);
      expect(rotated.secrets.filter((s) => s.active)).toHaveLength(2);
      secrets.push(rotated.client_secret);
      const list = await cliJson<{ items: AppJson[] }>(['apps', 'list', '--org', orgId], env);
      expect(list.items.map((a) => a.id)).toEqual([app.id]);
      const outputs = [shown, ...(await Promise.all([runCli(['apps', 'show', app.id], env), runCli(['apps', 'list'], env), runCli(['apps', 'list', '--json'], env)]))];
      expect(outputs[1]!.stdout).toContain('Acme ERP v2');
      for (const o of outputs) for (const s of secrets) expect(o.stdout + o.stderr).not.toContain(s);
    });

    it('refuses bad input with exit code 1 and a problem document on stderr', async () => {
      const cases: [string[], number, string][] = [
        [['apps', 'show', 'cid_nope'], 404, 'not_found'],
        [['orgs', 'create', '--type', 'bank', '--name', 'X'], 400, 'invalid_input'],
        [['scopes', 'add', 'payments:create'], 409, 'conflict'],
        [['scopes', 'add', 'Not A Scope'], 400, 'invalid_input'],
        [['apps', 'create', '--name', 'X', '--type', 'merchant', '--org', orgId, '--scopes', 'nope:nope'], 400, 'invalid_input'],
        [['apps', 'rotate-secret', app.id], 409, 'conflict'],
        [['keys', 'rotate', '--alg', 'HS256'], 400, 'invalid_input'],
      ];
      const results = await Promise.all(cases.map(([args]) => runCli([...args, '--json'], env)));
      for (const [i, [args, status, kind]] of cases.entries()) {
        const r = results[i]!;
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stdout, args.join(' ')).toBe('');
        expect(JSON.parse(r.stderr.trim()), args.join(' ')).toMatchObject({ type: `urn:grantry:problem:${kind}`, status, title: expect.any(String), detail: expect.any(String) });
      }
      const human = await runCli(['apps', 'show', 'cid_nope'], env);
      expect(human.code).toBe(1);
      expect(human.stderr).toMatch(/^error: application cid_nope does not exist/m);
    });

    it('keys rotate / list', async () => {
      const before = await cliJson<{ items: { kid: string; state: string }[] }>(['keys', 'list'], env);
      expect(before.items).toEqual([expect.objectContaining({ state: 'active', alg: 'RS256' })]);
      const rotated = await cliJson<{ kid: string; state: string; alg: string }>(['keys', 'rotate', '--alg', 'ES256'], env);
      expect(rotated).toMatchObject({ state: 'pending', alg: 'ES256' });
      const after = await cliJson<{ items: { kid: string; state: string }[] }>(['keys', 'list'], env);
      expect(after.items.map((k) => `${k.kid} ${k.state}`).sort()).toEqual([`${before.items[0]!.kid} active`, `${rotated.kid} pending`].sort());
    });

    // Many CLI processes in a row: each starts Node and opens the database.
    it('webhooks add / update / rotate-secret / test / recover / endpoints', { timeout: 180_000 }, async () => {
      const printed: string[] = [];
      const hookEnv = { ...env, GRANTRY_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8' };
      const partner = await cliJson<{ id: string }>(['orgs', 'create', '--type', 'partner', '--name', 'Hooks Co'], env);
      const books = await cliJson<AppJson>(['apps', 'create', '--name', 'Books', '--type', 'third_party', '--org', partner.id, '--scopes', 'payments:read'], env);
      printed.push(books.client_secret!);
      const hook = await cliJson<{ id: string; secret: string; rate_limit: number; description: string }>(
        ['webhooks', 'add', books.id, '--url', 'http://127.0.0.1:9/hooks', '--events', 'INSTALLATION.CREATE,INSTALLATION.UPDATE', '--rate-limit', '5', '--description', 'Main receiver'],
        hookEnv,
      );
      expect(hook).toMatchObject({ rate_limit: 5, description: 'Main receiver', secret: expect.stringMatching(/^whsec_/) });
      printed.push(hook.secret);

      const updated = await cliJson(['webhooks', 'update', books.id, hook.id, '--url', 'http://127.0.0.1:9/v2', '--events', 'INSTALLATION.UPDATE INSTALLATION.DELETE', '--rate-limit', 'none', '--description', ''], hookEnv);
      expect(updated).toMatchObject({ url: 'http://127.0.0.1:9/v2', events: ['INSTALLATION.UPDATE', 'INSTALLATION.DELETE'], rate_limit: null, description: null });
      const rotated = await cliJson<{ secret: string; previous_secret_expires_at: number; secrets: unknown[] }>(['webhooks', 'rotate-secret', books.id, hook.id, '--previous-expires-in', '600'], hookEnv);
      expect(rotated.secret).toMatch(/^whsec_/);
      expect(rotated.secrets).toHaveLength(2);
      printed.push(rotated.secret);
      const human = await runCli(['webhooks', 'rotate-secret', books.id, hook.id, '--previous-expires-in', '0'], hookEnv);
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toMatch(/new signing secret .* \(shown once\): whsec_/);
      expect(human.stdout).toContain('the previous secret no longer signs');
      printed.push(/whsec_\S+/.exec(human.stdout)![0]);

      const test = await cliJson<{ event_type: string; status: string }>(['webhooks', 'test', books.id, hook.id], hookEnv);
      expect(test).toMatchObject({ event_type: 'WEBHOOK.TEST', status: 'pending' });
      expect(await cliJson(['webhooks', 'recover', books.id, hook.id, '--since', '2026-01-01T00:00:00Z'], hookEnv)).toEqual({ queued: 0, skipped: 0, installation_ids: [] });
      expect((await cliJson<{ items: { id: string }[] }>(['webhooks', 'endpoints', '--state', 'enabled'], hookEnv)).items.map((e) => e.id)).toContain(hook.id);
      expect((await cliJson(['webhooks', 'update', books.id, hook.id, '--disable'], hookEnv))).toMatchObject({ enabled: false, disabled_reason: 'admin' });
      expect((await cliJson<{ items: { id: string }[] }>(['webhooks', 'endpoints', '--state', 'disabled'], hookEnv)).items.map((e) => e.id)).toEqual([hook.id]);

      // Bad input: exit 1 with a problem document naming the field, nothing changed.
      for (const [args, field] of [
        [['webhooks', 'update', books.id, hook.id, '--rate-limit', 'fast'], 'rate_limit'],
        [['webhooks', 'update', books.id, hook.id, '--events', 'ORDER.CREATE'], 'events'],
        [['webhooks', 'update', books.id, hook.id, '--url', 'http://10.0.0.1/'], 'url'],
        [['webhooks', 'rotate-secret', books.id, hook.id, '--previous-expires-in', '999999999'], 'previous_expires_in'],
        [['webhooks', 'recover', books.id, hook.id, '--since', 'last week'], 'since'],
      ] as const) {
        const r = await runCli([...args, '--json'], hookEnv);
        expect(r.code, args.join(' ')).toBe(1);
        expect(JSON.parse(r.stderr.trim())).toMatchObject({ type: 'urn:grantry:problem:invalid_input', errors: [{ field }] });
      }
      const list = await runCli(['webhooks', 'list', books.id], hookEnv);
      expect(list.stdout).toContain('http://127.0.0.1:9/v2');
      for (const s of printed) expect(list.stdout + list.stderr).not.toContain(s);
    });

    it('serve answers a client_credentials request with CLI-made credentials, and logs no secret or token', async () => {
      const port = await freePort();
      const issuer = `http://127.0.0.1:${port}`;
      const server = await serve({ ...env, GRANTRY_PORT: String(port), GRANTRY_ISSUER: issuer });
      servers.push(server);
      expect(server.url).toBe(issuer);
      const secret = secrets[secrets.length - 1]!;
      const ok = await tokenCall(server.url, { grant_type: 'client_credentials', scope: 'payments:read' }, basic(app.client_id, secret));
      expect(ok.status).toBe(200);
      const body = (await ok.json()) as { access_token: string; expires_in: number };
      expect(body.expires_in).toBe(86400);
      const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(body.access_token, jwks, { issuer, audience: 'payments' });
      expect(payload).toMatchObject({ sub: app.client_id, merchant_id: orgId });
      // Failing requests too: wrong secret, the secret in the body with a bad scope, a garbage bearer.
      expect((await tokenCall(server.url, { grant_type: 'client_credentials', scope: 'payments:read' }, basic(app.client_id, `${secret}x`))).status).toBe(401);
      expect((await tokenCall(server.url, { grant_type: 'client_credentials', scope: 'payments:create', client_id: app.client_id, client_secret: secret })).status).toBe(400);
      const adminTok = (await (await tokenCall(server.url, { grant_type: 'client_credentials', scope: 'grantry:admin' }, basic(admin.client_id, admin.client_secret!))).json()) as { access_token: string };
      const listed = await fetch(`${server.url}/api/v1/applications?organization_id=${orgId}`, { headers: { authorization: `Bearer ${adminTok.access_token}` } });
      expect(listed.status).toBe(200);
      expect(((await listed.json()) as { items: AppJson[] }).items[0]?.name).toBe('Acme ERP v2');
      expect((await fetch(`${server.url}/api/v1/applications`, { headers: { authorization: `Bearer ${body.access_token}` } })).status).toBe(401);
      expect((await fetch(`${server.url}/oauth/token?client_secret=${encodeURIComponent(secret)}`)).status).toBe(405);
      await server.stop();
      const logs = server.output();
      expect(logs).toContain('Grantry listening on');
      expect(logs).toMatch(/"path":"\/oauth\/token","status":401/);
      for (const s of [...secrets, body.access_token, adminTok.access_token]) expect(logs).not.toContain(s);
      // Structured: every line is a pino JSON object.
      for (const line of logs.trim().split('\n')) expect(() => JSON.parse(line), line).not.toThrow();
    });

    it('two serve processes on one database both issue tokens that verify against the other', async () => {
      const shared = { ...env, GRANTRY_ISSUER: 'http://grantry.test' };
      const [a, b] = await Promise.all([serve(shared), serve(shared)]);
      servers.push(a!, b!);
      const secret = secrets[secrets.length - 1]!;
      const tokens: string[] = [];
      for (const s of [a!, b!]) {
        const res = await tokenCall(s.url, { grant_type: 'client_credentials', scope: 'payments:read' }, basic(app.client_id, secret));
        expect(res.status).toBe(200);
        tokens.push(((await res.json()) as { access_token: string }).access_token);
      }
      expect(decodeProtectedHeader(tokens[0]!).kid).toBe(decodeProtectedHeader(tokens[1]!).kid);
      for (const [token, other] of [[tokens[0]!, b!], [tokens[1]!, a!]] as const) {
        const jwks = createRemoteJWKSet(new URL(`${other.url}/.well-known/jwks.json`));
        await expect(jwtVerify(token, jwks, { issuer: 'http://grantry.test', audience: 'payments' })).resolves.toBeTruthy();
      }
      await Promise.all([a!.stop(), b!.stop()]);
    });

    it('apps delete', async () => {
      expect(await cliJson(['apps', 'delete', app.client_id], env)).toEqual({ deleted: app.client_id });
      expect((await runCli(['apps', 'show', app.id, '--json'], env)).code).toBe(1);
      expect((await runCli(['orgs', 'delete', orgId, '--json'], env)).code).toBe(0);
    });
  });
});
