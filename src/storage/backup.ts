import { chmodSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';

/**
 * A backup refused before anything was copied (what the caller asked for cannot be done). Storage knows
 * nothing of problem documents; the CLI (cli/commands/backup.ts) turns `kind` into one.
 */
export class BackupRefused extends Error {
  constructor(
    readonly kind: 'invalid_input' | 'not_found' | 'conflict',
    message: string,
  ) {
    super(message);
    this.name = 'BackupRefused';
  }
}

export interface SqliteBackupResult {
  database: 'sqlite';
  source: string;
  to: string;
  bytes: number;
  pages: number;
  duration_ms: number;
  /** PRAGMA quick_check of the copy: always "ok" (anything else fails the backup). */
  integrity: 'ok';
}

/**
 * Copies a live SQLite database with SQLite's online backup API (better-sqlite3 `backup()`), safe while
 * servers write to it: the copy is one consistent snapshot. The whole database is transferred in one
 * step, under one read transaction, because a write by another connection between two steps restarts
 * the backup (https://sqlite.org/c3ref/backup_finish.html) and a busy server could restart it forever;
 * in WAL mode that read transaction blocks no writer. The copy is written beside the destination,
 * checked with PRAGMA quick_check, made readable by its owner only (it holds hashes and sealed keys),
 * then renamed into place, so a failed backup never leaves a half-written file under the final name.
 */
export async function backupSqlite(sourcePath: string, to: string, options: { force?: boolean } = {}): Promise<SqliteBackupResult> {
  if (sourcePath === ':memory:') throw new BackupRefused('invalid_input', 'an in-memory database cannot be backed up');
  const source = resolve(sourcePath);
  const target = resolve(to);
  if (!existsSync(source)) throw new BackupRefused('not_found', `no SQLite database at ${source}`);
  if (target === source) throw new BackupRefused('invalid_input', '--to must not be the database itself');
  if (existsSync(target) && !options.force) throw new BackupRefused('conflict', `${target} exists; choose another file or pass --force to replace it`);

  const started = Date.now();
  const partial = `${target}.partial-${process.pid}`;
  rmSync(partial, { force: true });
  const db = new SqliteDatabase(source, { fileMustExist: true });
  let pages = 0;
  try {
    // A server may hold the write lock for a moment; wait as the servers do.
    db.pragma('busy_timeout = 5000');
    const progress = await db.backup(partial, { progress: () => 0x7fffffff });
    pages = progress.totalPages;
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    db.close();
  }

  try {
    const copy = new SqliteDatabase(partial, { fileMustExist: true });
    try {
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy failed its integrity check: ${String(check)}`);
    } finally {
      copy.close();
    }
    chmodSync(partial, 0o600);
    renameSync(partial, target);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    for (const suffix of ['-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
  }
  return { database: 'sqlite', source, to: target, bytes: statSync(target).size, pages, duration_ms: Date.now() - started, integrity: 'ok' };
}

/**
 * What to run instead on PostgreSQL: a custom-format pg_dump of Grantry's schema (from the URL's
 * `search_path` option) or of the whole database, with the password left out.
 */
export function pgDumpAdvice(databaseUrl: string): string {
  let target = databaseUrl;
  let schema: string | null = null;
  try {
    const url = new URL(databaseUrl);
    const options = url.searchParams.get('options') ?? '';
    schema = /search_path\s*=\s*([A-Za-z0-9_$]+)/.exec(options)?.[1] ?? null;
    url.password = '';
    url.search = '';
    target = url.toString();
  } catch {
    target = '<your GRANTRY_DATABASE_URL without its options>';
  }
  const dump = `pg_dump -Fc ${schema ? `--schema=${schema} ` : ''}-f grantry.dump '${target}'`;
  return `grantry backup copies the embedded SQLite database; this one is PostgreSQL, back it up with pg_dump: ${dump} (restore with pg_restore; see docs/operations.md, "Backups")`;
}
