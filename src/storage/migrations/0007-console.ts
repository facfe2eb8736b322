import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * The console (issue: admin console in the browser):
 * - A person signed in to a first-party application (the console) gets refresh tokens too. Their
 *   family belongs to the person, not to an installation: refresh_families.installation_id becomes
 *   nullable (origin 'first_party', subject = the user id).
 * - usage_counters: hourly totals for the dashboard (tokens per grant and application, failed client
 *   authentications, reuse detections, webhook attempts), added to by every process.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`alter table refresh_families alter column installation_id drop not null`.execute(db);
  } else {
    await rebuildSqliteTable(db, 'refresh_families', (ddl) => {
      const nullable = ddl.replace(/("installation_id" text) not null/i, '$1');
      if (nullable === ddl) throw new Error('0007-console: refresh_families.installation_id is not declared as expected');
      return nullable;
    });
  }
  await db.schema
    .createTable('usage_counters')
    // Start of the hour, in milliseconds since the epoch.
    .addColumn('bucket', 'bigint', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    // '' when the metric has no application (kept out of the key's NULL semantics).
    .addColumn('application_id', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_counters_pk', ['bucket', 'metric', 'application_id', 'detail'])
    .execute();
}

export async function down(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema.dropTable('usage_counters').execute();
  // Families of people cannot be kept under NOT NULL: they go, with their tokens.
  await sql`delete from refresh_tokens where family_id in (select id from refresh_families where installation_id is null)`.execute(db);
  await sql`delete from refresh_families where installation_id is null`.execute(db);
  if (dialect === 'postgres') {
    await sql`alter table refresh_families alter column installation_id set not null`.execute(db);
  } else {
    await rebuildSqliteTable(db, 'refresh_families', (ddl) => ddl.replace(/("installation_id" text)( references)/i, '$1 not null$2'));
  }
}

/**
 * SQLite cannot change a column's constraints in place: the table is rebuilt, following "Making Other
 * Kinds Of Table Schema Changes" (sqlite.org/lang_altertable.html §7): foreign keys off (a pragma that
 * only works outside a transaction; Kysely runs SQLite migrations outside one), then in one
 * transaction create the new table from the old DDL, copy, drop, rename, recreate the indexes, and
 * check foreign keys before committing.
 */
async function rebuildSqliteTable(db: Kysely<unknown>, table: string, change: (ddl: string) => string): Promise<void> {
  const schema = await sql<{ type: string; name: string; sql: string | null }>`select type, name, sql from sqlite_master where tbl_name = ${table}`.execute(db);
  const ddl = schema.rows.find((r) => r.type === 'table')?.sql;
  if (!ddl) throw new Error(`table ${table} does not exist`);
  const indexes = schema.rows.filter((r) => r.type === 'index' && r.sql !== null).map((r) => r.sql!);
  const temp = `${table}__rebuild`;
  const created = change(ddl).replace(/^create table\s+("?)[^"\s(]+\1/i, `create table "${temp}"`);
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin immediate`.execute(db);
    try {
      await sql.raw(created).execute(db);
      await sql.raw(`insert into "${temp}" select * from "${table}"`).execute(db);
      await sql.raw(`drop table "${table}"`).execute(db);
      await sql.raw(`alter table "${temp}" rename to "${table}"`).execute(db);
      for (const index of indexes) await sql.raw(index).execute(db);
      const broken = await sql`pragma foreign_key_check`.execute(db);
      if (broken.rows.length > 0) throw new Error(`rebuilding ${table} would break ${broken.rows.length} foreign keys`);
      await sql`commit`.execute(db);
    } catch (err) {
      await sql`rollback`.execute(db);
      throw err;
    }
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}
