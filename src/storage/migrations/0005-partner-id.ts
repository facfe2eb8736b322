import type { Kysely } from 'kysely';
import type { Dialect } from '../db.js';

// A numeric alias an administrator gives an application, for clients of seed 003's wire shape, which
// name their application by an int32 `partnerId` header. Unique where set (NULLs do not collide).
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('applications').addColumn('partner_id', 'integer').execute();
  await db.schema.createIndex('applications_partner_id_uq').on('applications').column('partner_id').unique().execute();
}

export async function down(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.dropIndex('applications_partner_id_uq').execute();
  await db.schema.alterTable('applications').dropColumn('partner_id').execute();
}
