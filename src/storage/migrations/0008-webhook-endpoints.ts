import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * Webhook endpoints that partners can run for years (issue 17):
 * - webhook_secrets: an endpoint owns a list of signing secrets, each with an expiry (null = the
 *   current one). During a rotation's overlap every attempt is signed with each unexpired secret; the
 *   purge job erases expired ones. The existing secret moves here unchanged: it stays sealed with its
 *   subscription as context (migrations do not hold the master key, so nothing is re-sealed), and every
 *   new secret is sealed the same way, which also makes this migration reversible without the key.
 * - webhook_subscriptions gains what an edit can change (description, rate_limit), when it last
 *   changed, since when it has only failed (failing_since: the automatic disable), and the next free
 *   send slot of a rate-limited endpoint (rate_next_at), which every worker on the database shares.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('webhook_secrets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscription_id', 'text', (c) => c.notNull().references('webhook_subscriptions.id').onDelete('cascade'))
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .execute();
  await db.schema.createIndex('webhook_secrets_subscription_idx').on('webhook_secrets').columns(['subscription_id', 'created_at']).execute();
  // The migrated secret keeps the subscription's id with a 'whk_' prefix: unique, and recognisable.
  await sql`insert into webhook_secrets (id, subscription_id, secret_sealed, created_at, expires_at)
            select 'whk_' || id, id, secret_sealed, created_at, null from webhook_subscriptions`.execute(db);
  await db.schema.alterTable('webhook_subscriptions').dropColumn('secret_sealed').execute();

  for (const [name, type] of [
    ['description', 'text'],
    ['rate_limit', 'integer'],
    ['failing_since', 'bigint'],
    ['rate_next_at', 'bigint'],
    ['updated_at', 'bigint'],
  ] as const) {
    await db.schema.alterTable('webhook_subscriptions').addColumn(name, type).execute();
  }
  await sql`update webhook_subscriptions set updated_at = created_at`.execute(db);
}

export async function down(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  for (const name of ['description', 'rate_limit', 'failing_since', 'rate_next_at', 'updated_at']) {
    await db.schema.alterTable('webhook_subscriptions').dropColumn(name).execute();
  }
  await db.schema.alterTable('webhook_subscriptions').addColumn('secret_sealed', 'text', (c) => c.notNull().defaultTo('')).execute();
  // The current secret goes back (sealed with the same context, so it still opens); an overlap ends.
  await sql`update webhook_subscriptions set secret_sealed = coalesce((
              select s.secret_sealed from webhook_secrets s
              where s.subscription_id = webhook_subscriptions.id and s.expires_at is null
              order by s.created_at desc limit 1), '')`.execute(db);
  if (dialect === 'postgres') await sql`alter table webhook_subscriptions alter column secret_sealed drop default`.execute(db);
  await db.schema.dropTable('webhook_secrets').execute();
}
