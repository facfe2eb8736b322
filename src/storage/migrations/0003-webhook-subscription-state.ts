import type { Kysely } from 'kysely';
import type { Dialect } from '../db.js';

// Why a subscription is disabled ('gone': the receiver answered 410; 'admin': disabled by hand), and
// an index for the management API's per-application delivery listing (newest first).
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('webhook_subscriptions').addColumn('disabled_reason', 'text').execute();
  await db.schema.createIndex('webhook_deliveries_application_idx').on('webhook_deliveries').columns(['application_id', 'id']).execute();
}

export async function down(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.dropIndex('webhook_deliveries_application_idx').execute();
  await db.schema.alterTable('webhook_subscriptions').dropColumn('disabled_reason').execute();
}
