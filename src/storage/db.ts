import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDialectConfig } from 'kysely';
import type { Database } from './schema.js';
import { startCheckpointer, type Checkpointer, type CheckpointerOptions } from './sqlite-checkpointer.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  db: Kysely<Database>;
  dialect: Dialect;
  /** The URL it was opened with (a PostgreSQL listener opens its own connection to it). */
  url: string;
  /** The native handle on SQLite (one embedded connection, the one Kysely uses), for the refresh hot path. */
  sqlite?: SqliteDatabase.Database;
  /** The pool behind Kysely on PostgreSQL, for the refresh hot path's named statements. */
  pgPool?: pg.Pool;
  /** SQLite's background WAL checkpoints, when asked for (a server). */
  checkpointer?: Checkpointer;
  /** Pool statistics for /metrics (PostgreSQL only; SQLite has one embedded connection). */
  poolStats(): { total: number; idle: number; waiting: number } | null;
  close(): Promise<void>;
}

// node-postgres returns int8 as strings to protect precision; our bigints are epoch milliseconds,
// well inside Number's exact range.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export interface OpenDbOptions {
  /** PostgreSQL: connections in the pool. */
  poolSize?: number;
  /** SQLite (a file): checkpoint the WAL from a worker thread instead of inside commits (a server asks for it). */
  backgroundCheckpoints?: Omit<CheckpointerOptions, 'intervalMs'> & { intervalMs?: number };
}

/**
 * With background checkpoints, the serving connection's own checkpoint is only the bound on the WAL
 * (sqlite-checkpointer.ts): at most this many frames (~40 MB with 4 KiB pages) before the writer
 * checkpoints itself, and the file is truncated back to WAL_SIZE_LIMIT once it restarts.
 */
const WAL_FRAMES_BOUND = 10_000;
const WAL_SIZE_LIMIT = 32 * 1024 * 1024;
const CHECKPOINT_INTERVAL_MS = 200;

export function openDb(url: string, options: OpenDbOptions = {}): Db {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length), options.backgroundCheckpoints);
  return openPostgres(url, options.poolSize ?? 10);
}

function openSqlite(path: string, background?: OpenDbOptions['backgroundCheckpoints']): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SqliteDatabase(path);
  // WAL: readers never block the writer and a kill -9 mid-write leaves a consistent file.
  database.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commit).
  database.pragma('synchronous = NORMAL');
  // Another process (the CLI, a second server) may hold the write lock briefly.
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  let checkpointer: Checkpointer | undefined;
  if (background && path !== ':memory:') {
    database.pragma(`wal_autocheckpoint = ${WAL_FRAMES_BOUND}`);
    database.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
    checkpointer = startCheckpointer(path, { intervalMs: CHECKPOINT_INTERVAL_MS, ...background });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  return {
    db,
    dialect: 'sqlite',
    url: `sqlite:${path}`,
    sqlite: database,
    ...(checkpointer ? { checkpointer } : {}),
    poolStats: () => null,
    // The worker's connection closes first: the last connection to close checkpoints the whole WAL and removes it.
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
      // Kysely closes the connection only if it ever used it; the hot path may have used it alone.
      if (database.open) database.close();
    },
  };
}

const NOTHING_TO_ROLL_BACK = { reader: false, run: () => ({ changes: 0, lastInsertRowid: 0 }) } as unknown as SqliteDatabase.Statement;

/**
 * Kysely's SQLite driver prepares every statement afresh; preparing costs more than running most of
 * ours. Statements are keyed by their SQL text (parameters are bound per call), so the set is small
 * and bounded by the code's queries; the cap only guards against unexpected growth.
 */
function withStatementCache(database: SqliteDatabase.Database, max = 500): SqliteDialectConfig['database'] & object {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    prepare(sql: string) {
      // SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY (and NOMEM) may roll the whole transaction back by
      // themselves (https://sqlite.org/lang_transaction.html, "Response To Errors Within A
      // Transaction"). Kysely then sends ROLLBACK, which fails with "no transaction is active" and
      // replaces the real error: a disk-full write would answer 500 instead of 503. Nothing is left to
      // roll back, so that ROLLBACK is a no-op.
      if (sql === 'rollback' && !database.inTransaction) return NOTHING_TO_ROLL_BACK;
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = database.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
        cache.set(sql, stmt);
      }
      return stmt;
    },
    close: () => database.close(),
  };
}

function openPostgres(url: string, max: number): Db {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5000 });
  // An idle client that loses its connection (server restart) must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    url,
    pgPool: pool,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: async () => {
      await db.destroy();
      // Kysely ends the pool only if it ever used it; the hot path may have used it alone.
      if (!pool.ended) await pool.end();
    },
  };
}

/** True when the error is a unique-constraint violation, on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** True when the error means the database cannot be reached or used right now. */
export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  const code = e?.code ?? '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300', 'SQLITE_BUSY', 'SQLITE_FULL', 'SQLITE_IOERR'].includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect/i.test(e?.message ?? '')
  );
}
