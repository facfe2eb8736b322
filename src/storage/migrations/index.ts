import { Migrator, sql, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Dialect } from '../db.js';
import * as m0001 from './0001-core.js';
import * as m0002 from './0002-installations-webhooks.js';
import * as m0003 from './0003-refresh-settings.js';
import * as m0003w from './0003-webhook-subscription-state.js';
import * as m0004 from './0004-users-authorization.js';
import * as m0005 from './0005-partner-id.js';
import * as m0006 from './0006-purge-indexes.js';
import * as m0007 from './0007-console.js';
import * as m0008 from './0008-webhook-endpoints.js';

interface DialectMigration {
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
  down(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

/** Append-only list; names sort in application order. */
const MIGRATIONS: Record<string, DialectMigration> = {
  '0001-core': m0001,
  '0002-installations-webhooks': m0002,
  '0003-refresh-settings': m0003,
  '0003-webhook-subscription-state': m0003w,
  '0004-users-authorization': m0004,
  '0005-partner-id': m0005,
  '0006-purge-indexes': m0006,
  '0007-console': m0007,
  '0008-webhook-endpoints': m0008,
};

class DialectMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, m] of Object.entries(MIGRATIONS)) {
      out[name] = { up: (db) => m.up(db, this.dialect), down: (db) => m.down(db, this.dialect) };
    }
    return out;
  }
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * Applies pending migrations. Kysely's Migrator takes a lock (a row lock on PostgreSQL), so several
 * processes starting together on one database migrate once.
 */
async function migrator(db: Kysely<any>, dialect: Dialect): Promise<Migrator> {
  // On PostgreSQL the bookkeeping tables live in the current schema (search_path), as ours do: Kysely
  // would otherwise look for them across every schema and mistake another schema's table for its own.
  const schema = dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s : undefined;
  return new Migrator({
    db,
    provider: new DialectMigrationProvider(dialect),
    migrationTableName: 'grantry_migrations',
    migrationLockTableName: 'grantry_migrations_lock',
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
}

export async function migrateToLatest(db: Kysely<any>, dialect: Dialect): Promise<MigrationResultSet> {
  let result = await (await migrator(db, dialect)).migrateToLatest();
  // Kysely's migration lock is a no-op on SQLite (it assumes one connection). Two processes starting
  // together on one file both see a migration pending; SQLite's write lock lets one commit and the
  // other's transaction fails and rolls back whole. Running again then finds nothing pending.
  for (let retry = 0; dialect === 'sqlite' && result.error && retry < 5; retry++) {
    await new Promise((r) => setTimeout(r, 50 * (retry + 1)));
    result = await (await migrator(db, dialect)).migrateToLatest();
  }
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`migration ${failed} failed: ${(result.error as Error).message ?? String(result.error)}`, { cause: result.error });
  }
  return result;
}

/** Names of migrations not applied yet. */
export async function pendingMigrations(db: Kysely<any>, dialect: Dialect): Promise<string[]> {
  return (await (await migrator(db, dialect)).getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
}

/**
 * Migrates up or down to a named migration (`grantry migrate --to`; the upgrade tests start from an
 * older schema with data in it).
 */
export async function migrateTo(db: Kysely<any>, dialect: Dialect, target: string): Promise<MigrationResultSet> {
  if (!(target in MIGRATIONS)) throw new MigrationError(`no migration named ${target}`);
  const result = await (await migrator(db, dialect)).migrateTo(target);
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`migration ${failed} failed: ${(result.error as Error).message ?? String(result.error)}`, { cause: result.error });
  }
  return result;
}
