import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, createTestDatabase, skipDialect, type TestDatabase } from '../helpers/db.js';
import { basic, form } from '../helpers/app.js';
import { cliBuilt, cliJson, serve, type ServeProcess } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';

const tokenCall = (url: string, params: Record<string, string>, authorization: string) =>
  fetch(`${url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization }, body: form(params), signal: AbortSignal.timeout(10_000) });

/** The pids of the workers that said they listen, in order. */
const listening = (output: string): number[] =>
  output
    .split('\n')
    .filter((l) => l.includes('Grantry listening on'))
    .map((l) => (JSON.parse(l) as { pid: number }).pid);

async function until(ms: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.each(DIALECTS)('grantry serve --workers 2 on %s', (dialect) => {
  describe.skipIf(skipDialect(dialect) || !cliBuilt())('', () => {
    let database: TestDatabase;
    let dataDir: string;
    let env: Record<string, string>;
    let server: ServeProcess;
    let client: { client_id: string; client_secret: string };
    let admin: { client_id: string; client_secret: string };

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      dataDir = dialect === 'sqlite' ? database.url.slice('sqlite:'.length).replace(/\/grantry\.db$/, '') : mkdtempSync(join(tmpdir(), 'grantry-workers-'));
      const port = await freePort();
      env = {
        GRANTRY_DATA_DIR: dataDir,
        GRANTRY_PORT: String(port),
        GRANTRY_ISSUER: `http://127.0.0.1:${port}`,
        GRANTRY_WORKERS: '2',
        GRANTRY_CHANGE_POLL_INTERVAL: '200',
        // The revoked secret is tried many times from this one address; the failure limits are not under test here.
        GRANTRY_CLIENT_AUTH_FAILURE_LIMIT: '100000',
        ...(dialect === 'postgres' ? { GRANTRY_DATABASE_URL: database.url } : {}),
      };
      admin = await cliJson(['init'], env);
      await cliJson(['scopes', 'add', 'payments:create', '--description', 'Take payments'], env);
      const org = await cliJson<{ id: string }>(['orgs', 'create', '--type', 'merchant', '--name', 'Acme'], env);
      client = await cliJson(['apps', 'create', '--type', 'merchant', '--org', org.id, '--name', 'ERP', '--scopes', 'payments:create'], env);
      server = await serve(env);
      await until(20_000, () => new Set(listening(server.output())).size === 2);
    });
    afterAll(async () => {
      await server?.stop();
      await database?.drop();
      if (dialect === 'postgres' && dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('two worker processes serve one port; every request succeeds', async () => {
      const pids = new Set(listening(server.output()));
      expect(pids.size).toBe(2);
      expect(pids.has(server.child.pid!)).toBe(false);
      const results = await Promise.all(Array.from({ length: 40 }, () => tokenCall(server.url, { grant_type: 'client_credentials', scope: 'payments:create' }, basic(client.client_id, client.client_secret))));
      expect(results.map((r) => r.status)).toEqual(Array(40).fill(200));
    });

    it('a secret revoked through one worker is refused by every worker within the change-feed bound', async () => {
      const tokenRes = await tokenCall(server.url, { grant_type: 'client_credentials', scope: 'grantry:admin' }, basic(admin.client_id, admin.client_secret));
      const bearer = ((await tokenRes.json()) as { access_token: string }).access_token;
      // Warm both workers' caches with the current secret.
      await Promise.all(Array.from({ length: 20 }, () => tokenCall(server.url, { grant_type: 'client_credentials', scope: 'payments:create' }, basic(client.client_id, client.client_secret))));
      const apps = (await (await fetch(`${server.url}/api/v1/applications`, { headers: { authorization: `Bearer ${bearer}` } })).json()) as { items: { id: string; client_id: string }[] };
      const id = apps.items.find((a) => a.client_id === client.client_id)!.id;
      const rotated = await fetch(`${server.url}/api/v1/applications/${id}/secrets`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify({ expire_others_in: 0 }) });
      expect(rotated.status).toBe(201);
      const fresh = ((await rotated.json()) as { client_secret: string }).client_secret;
      await until(2000, async () => {
        const burst = await Promise.all(Array.from({ length: 10 }, () => tokenCall(server.url, { grant_type: 'client_credentials', scope: 'payments:create' }, basic(client.client_id, client.client_secret))));
        return burst.every((r) => r.status === 401);
      });
      const ok = await Promise.all(Array.from({ length: 10 }, () => tokenCall(server.url, { grant_type: 'client_credentials', scope: 'payments:create' }, basic(client.client_id, fresh))));
      expect(ok.map((r) => r.status)).toEqual(Array(10).fill(200));
      client = { ...client, client_secret: fresh };
    });

    it('a worker killed with SIGKILL is replaced, and the port keeps answering', async () => {
      const [victim] = listening(server.output());
      process.kill(victim!, 'SIGKILL');
      await until(15_000, () => listening(server.output()).length >= 3);
      const results = await Promise.all(Array.from({ length: 20 }, () => tokenCall(server.url, { grant_type: 'client_credentials', scope: 'payments:create' }, basic(client.client_id, client.client_secret))));
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    });

    it('SIGTERM to the primary stops every worker and exits 0', async () => {
      const pids = listening(server.output());
      const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
      server.child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await until(5000, () => pids.every((pid) => !alive(pid)));
    });
  });
});
