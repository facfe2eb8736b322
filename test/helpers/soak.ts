import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import type { Db } from '../../src/storage/db.js';
import { basic, form } from './app.js';
import { cliJson } from './cli.js';
import { freePort } from './net.js';

/** Soak profiles: a bounded short one (default, CI) and a long one by hand (GRANTRY_SOAK=long). */
export const LONG = process.env.GRANTRY_SOAK === 'long';

export { until } from './net.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface HttpResult {
  status: number;
  body: any;
}

/** A POST /oauth/token over real HTTP; network errors (a killed server) reject. */
export async function token(baseUrl: string, auth: { id: string; secret: string }, params: Record<string, string>): Promise<HttpResult> {
  const res = await fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(auth.id, auth.secret) },
    body: form(params),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? safeJson(text) : null };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export type Call = (url: string, method?: string, body?: unknown, base?: string) => Promise<Record<string, any>>;

/** `grantry init` and a management-API client over real HTTP (throws on any status >= 400). */
export async function adminClient(baseUrl: string, env: Record<string, string>): Promise<{ call: Call; raw: (url: string, method?: string, body?: unknown) => Promise<HttpResult> }> {
  const admin = await cliJson<{ client_id: string; client_secret: string | null }>(['init'], env);
  const t = await token(baseUrl, { id: admin.client_id, secret: admin.client_secret! }, { grant_type: 'client_credentials', scope: 'grantry:admin' });
  if (t.status !== 200) throw new Error(`admin token: ${t.status} ${JSON.stringify(t.body)}`);
  const bearer = t.body.access_token as string;
  const raw = async (url: string, method = 'GET', body?: unknown, base = baseUrl): Promise<HttpResult> => {
    const res = await fetch(`${base}/api/v1${url}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? safeJson(text) : null };
  };
  const call: Call = async (url, method = 'GET', body, base = baseUrl) => {
    const r = await raw(url, method, body, base);
    if (r.status >= 400) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return (r.body ?? {}) as Record<string, any>;
  };
  return { call, raw };
}

/**
 * Rotate-policy families that are half-rotated. The invariant: every active rotate-policy family has
 * exactly one unspent refresh token, and its generation is the family's generation; no token is of a
 * generation the family has not reached. Returns the ids of the families that break it.
 */
export async function halfRotatedFamilies(db: Db): Promise<string[]> {
  const rows = await sql<{ id: string }>`
    select f.id from refresh_families f
    where f.status = 'active' and f.policy = 'rotate' and (
      (select count(*) from refresh_tokens t where t.family_id = f.id and t.spent_at is null) <> 1
      or not exists (select 1 from refresh_tokens t where t.family_id = f.id and t.spent_at is null and t.generation = f.generation)
      or exists (select 1 from refresh_tokens t where t.family_id = f.id and t.generation > f.generation)
    )`.execute(db.db);
  return rows.rows.map((r) => r.id);
}

/** `PRAGMA integrity_check` and `foreign_key_check` of a SQLite file, opened as a new process would (WAL recovery included). */
export function sqliteCheck(path: string): { integrity: string; foreignKeyViolations: number } {
  const d = new SqliteDatabase(path);
  try {
    const integrity = (d.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
    const fk = (d.pragma('foreign_key_check') as unknown[]).length;
    return { integrity, foreignKeyViolations: fk };
  } finally {
    d.close();
  }
}

/** The PostgreSQL server binaries (highest version), or null. */
export function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

export interface PrivateCluster {
  url: string;
  port: number;
  dir: string;
  start(): void;
  stop(mode?: 'fast' | 'immediate'): void;
  destroy(): void;
  log(): string;
}

/**
 * A PostgreSQL cluster of this test's own (initdb into a temp dir, trust auth, 127.0.0.1 on a free
 * port, its socket in the temp dir), so it can be stopped and started without touching the shared
 * server. As root the binaries run as the `postgres` OS user, who owns the temp dir.
 */
export async function privateCluster(bin: string): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'grantry-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const run = (cmd: string, args: string[], timeoutMs = 60_000): void => {
    const argv = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] as const : [join(bin, cmd), args] as const;
    const r = spawnSync(argv[0], [...argv[1]], { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C' } });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stdout}\n${r.stderr}\n${r.error?.message ?? ''}`);
  };
  const port = await freePort();
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c max_connections=100`;
  const cluster: PrivateCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    start: () => run('pg_ctl', ['start', '-D', data, '-l', logFile, '-w', '-t', '60', '-o', options]),
    stop: (mode = 'fast') => run('pg_ctl', ['stop', '-D', data, '-m', mode, '-w', '-t', '60']),
    destroy: () => {
      try {
        if (existsSync(join(data, 'postmaster.pid'))) run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '30']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    log: () => {
      try {
        return execFileSync('tail', ['-n', '30', logFile]).toString();
      } catch {
        return '';
      }
    },
  };
  return cluster;
}
