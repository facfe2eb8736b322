import type { Kysely } from 'kysely';
import type { Dialect } from '../db.js';

// Per-application refresh-token lifetimes (null = the server default).
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('applications').addColumn('refresh_token_ttl', 'integer').execute();
  await db.schema.alterTable('applications').addColumn('refresh_family_max_age', 'integer').execute();
  await db.schema.alterTable('applications').addColumn('refresh_grace_period', 'integer').execute();
}

export async function down(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  for (const column of ['refresh_grace_period', 'refresh_family_max_age', 'refresh_token_ttl']) {
    await db.schema.alterTable('applications').dropColumn(column).execute();
  }
}
