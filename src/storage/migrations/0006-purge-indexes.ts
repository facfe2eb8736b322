import type { Kysely } from 'kysely';
import type { Dialect } from '../db.js';

// Indexes for the purge job (src/maintenance/purge.ts) on tables off the token hot path. refresh_tokens
// gets none on purpose: every rotation inserts one row and updates another, and an index on spent_at
// or expires_at would cost every rotation to spare an hourly scan.
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.createIndex('revoked_access_tokens_expires_idx').on('revoked_access_tokens').column('expires_at').execute();
  await db.schema.createIndex('sessions_expires_idx').on('sessions').column('expires_at').execute();
  await db.schema.createIndex('webhook_deliveries_completed_idx').on('webhook_deliveries').column('completed_at').execute();
}

export async function down(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.dropIndex('webhook_deliveries_completed_idx').execute();
  await db.schema.dropIndex('sessions_expires_idx').execute();
  await db.schema.dropIndex('revoked_access_tokens_expires_idx').execute();
}
