import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { initialize } from '../../src/admin/bootstrap.js';
import { freePort } from './net.js';
import { createTestDatabase } from './db.js';
import type { Dialect } from '../../src/storage/db.js';

/** A management-API call with a bearer token: status and parsed JSON body (null when empty). */
export type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

export interface ConsoleServer {
  server: RunningServer;
  config: Config;
  /** Also the origin the browser opens the console at (the console's redirect URI follows it). */
  issuer: string;
  /** `admin@localhost` with the one-time password `grantry init` printed. */
  adminUser: { email: string; password: string };
  /** The management API with the admin application's token. */
  admin: Call;
  bearer(token: string): Call;
  stop(): Promise<void>;
}

/**
 * A real `grantry serve` (startServer: HTTP, webhook worker, purge) on a free loopback port with its
 * own database (a SQLite file, or a fresh PostgreSQL schema), then what `grantry init` does: the admin
 * application, the first platform administrator and the console's OAuth client. What the browser
 * tests of the console start from.
 */
export async function startConsoleServer(prefix: string, dialect: Dialect = 'sqlite'): Promise<ConsoleServer> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const database = await createTestDatabase(dialect, dir);
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const config = loadConfig(
    {},
    {
      issuer,
      port,
      host: '127.0.0.1',
      dataDir: dir,
      databaseUrl: database.url,
      masterKey: randomBytes(32).toString('base64'),
      logLevel: 'silent',
      // The tests' webhook receivers listen on loopback.
      webhookAllowedNetworks: ['127.0.0.0/8'],
    },
  );
  const server = await startServer(config, pino({ level: 'silent' }));
  const init = await initialize(server.rt.admin('init'), { maxAccessTokenTtl: config.maxAccessTokenTtl }, { email: 'admin@localhost', issuer }, issuer);
  const tokenRes = await fetch(`${issuer}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'Basic ' + Buffer.from(`${encodeURIComponent(init.application.clientId)}:${encodeURIComponent(init.clientSecret!)}`).toString('base64'),
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'grantry:admin' }),
  });
  if (tokenRes.status !== 200) throw new Error(`admin token: ${tokenRes.status} ${await tokenRes.text()}`);
  const bearer =
    (token: string): Call =>
    async (method, path, body) => {
      const res = await fetch(`${issuer}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    };
  return {
    server,
    config,
    issuer,
    adminUser: { email: 'admin@localhost', password: init.adminUser!.password! },
    admin: bearer(((await tokenRes.json()) as { access_token: string }).access_token),
    bearer,
    stop: async () => {
      await server.stop();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
