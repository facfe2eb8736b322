import { sql, type DeleteResult, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../schema.js';
import type { Dialect } from '../db.js';
import type { PurgeStore } from '../ports-purge.js';

/** Deliveries in these states are finished: nothing will send them again (see DeliveryStatus). */
const FINISHED = ['succeeded', 'failed', 'cancelled', 'superseded'] as const;

const count = (r: DeleteResult | undefined): number => Number(r?.numDeletedRows ?? 0);

/**
 * Every statement has the shape `delete from t where pk in (select pk from t where <expired> limit n)`,
 * which both dialects accept. On PostgreSQL the subquery also says FOR UPDATE SKIP LOCKED: rows a
 * concurrent purge (or a live request) holds are skipped instead of waited for, so two processes
 * purging at once split the work and neither blocks the other.
 */
export function purgeStore(db: Kysely<Database>, dialect: Dialect): PurgeStore {
  // The builder's type parameters do not survive forUpdate() generically; the query is the same.
  const locked = <Q extends SelectQueryBuilder<Database, any, any>>(q: Q): Q => (dialect === 'postgres' ? (q.forUpdate().skipLocked() as unknown as Q) : q);

  return {
    async authorizationCodes(expiredBefore, limit) {
      const picked = locked(db.selectFrom('authorization_codes').select('hash').where('expires_at', '<', expiredBefore).limit(limit));
      return count(await db.deleteFrom('authorization_codes').where('hash', 'in', picked).executeTakeFirst());
    },

    async revokedAccessTokens(expiredBefore, limit) {
      const picked = locked(db.selectFrom('revoked_access_tokens').select('jti').where('expires_at', '<', expiredBefore).limit(limit));
      return count(await db.deleteFrom('revoked_access_tokens').where('jti', 'in', picked).executeTakeFirst());
    },

    async refreshTokens(c, limit) {
      const picked = locked(
        db
          .selectFrom('refresh_tokens as rt')
          .select('rt.hash')
          .where((eb) =>
            eb.or([
              // Spent long enough ago, and past the window in which a retry gets the same successor.
              eb.and([eb('rt.spent_at', '<', c.spentBefore), eb.or([eb('rt.successor_until', 'is', null), eb('rt.successor_until', '<', c.now)])]),
              // Expired long ago (an unspent one answers invalid_grant whether or not its row exists).
              eb('rt.expires_at', '<', c.expiredBefore),
              // Every token of a family revoked long ago, or past its absolute cap long ago: the family
              // answers invalid_grant before reuse detection is even considered.
              eb.exists(
                eb
                  .selectFrom('refresh_families as f')
                  .select(sql.lit(1).as('one'))
                  .whereRef('f.id', '=', 'rt.family_id')
                  .where((e) => e.or([e.and([e('f.status', '!=', 'active'), e('f.revoked_at', '<', c.revokedBefore)]), e('f.absolute_expires_at', '<', c.expiredBefore)])),
              ),
            ]),
          )
          .limit(limit),
      );
      return count(await db.deleteFrom('refresh_tokens').where('hash', 'in', picked).executeTakeFirst());
    },

    async refreshFamilies(c, limit) {
      // Only families without tokens: refresh_tokens.family_id references the family (tokens go first).
      const picked = locked(
        db
          .selectFrom('refresh_families as f')
          .select('f.id')
          .where((eb) => eb.not(eb.exists(eb.selectFrom('refresh_tokens as rt').select(sql.lit(1).as('one')).whereRef('rt.family_id', '=', 'f.id'))))
          .where((eb) =>
            eb.or([
              eb.and([eb('f.status', '!=', 'active'), eb('f.revoked_at', '<', c.revokedBefore)]),
              // Active but unusable (its tokens expired and were purged). Access tokens carry the family
              // id and die with the row, so the last one issued must have expired first.
              eb.and([
                eb('f.status', '=', 'active'),
                eb(eb.fn.coalesce('f.last_used_at', 'f.created_at'), '<', c.idleBefore),
                eb.or([eb('f.last_access_exp', 'is', null), eb('f.last_access_exp', '<', c.now)]),
              ]),
            ]),
          )
          .limit(limit),
      );
      return count(await db.deleteFrom('refresh_families').where('id', 'in', picked).executeTakeFirst());
    },

    async sessions(expiredBefore, limit) {
      const picked = locked(db.selectFrom('sessions').select('hash').where('expires_at', '<', expiredBefore).limit(limit));
      return count(await db.deleteFrom('sessions').where('hash', 'in', picked).executeTakeFirst());
    },

    async setupTokens(expiredBefore, limit) {
      const picked = locked(
        db
          .selectFrom('setup_tokens')
          .select('hash')
          .where((eb) => eb.or([eb('used_at', 'is not', null), eb('expires_at', '<', expiredBefore)]))
          .limit(limit),
      );
      return count(await db.deleteFrom('setup_tokens').where('hash', 'in', picked).executeTakeFirst());
    },

    async loginThrottle(windowBefore, now, limit) {
      const picked = locked(
        db
          .selectFrom('login_throttle')
          .select('key')
          .where('window_start', '<', windowBefore)
          .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
          .limit(limit),
      );
      return count(await db.deleteFrom('login_throttle').where('key', 'in', picked).executeTakeFirst());
    },

    async usageCounters(before, limit) {
      // Row values (bucket, metric, application_id, detail) name the primary key on both dialects.
      const res = await sql`delete from usage_counters where (bucket, metric, application_id, detail) in (select bucket, metric, application_id, detail from usage_counters where bucket < ${before} limit ${limit})`.execute(db);
      return Number(res.numAffectedRows ?? 0n);
    },
    async decoupledRequests(expiredBefore, limit) {
      const picked = locked(db.selectFrom('decoupled_requests').select('id').where('expires_at', '<', expiredBefore).limit(limit));
      return count(await db.deleteFrom('decoupled_requests').where('id', 'in', picked).executeTakeFirst());
    },

    async webhookSecrets(now, limit) {
      const picked = locked(db.selectFrom('webhook_secrets').select('id').where('expires_at', 'is not', null).where('expires_at', '<=', now).limit(limit));
      return count(await db.deleteFrom('webhook_secrets').where('id', 'in', picked).executeTakeFirst());
    },
    async webhookDeliveries(completedBefore, now, limit) {
      if (dialect === 'postgres') {
        // One statement: the attempts and their deliveries go together (webhook_attempts has no
        // foreign key, so nothing else would remove an orphaned attempt later).
        const { rows } = await sql<{ deliveries: string | number; attempts: string | number }>`
          with picked as (
            select id from webhook_deliveries
            where status in (${sql.join(FINISHED.map((s) => sql.lit(s)))}) and completed_at < ${completedBefore}
              and (lease_until is null or lease_until < ${now})
            limit ${limit}
            for update skip locked
          ),
          a as (delete from webhook_attempts where delivery_id in (select id from picked) returning 1),
          d as (delete from webhook_deliveries where id in (select id from picked) returning 1)
          select (select count(*) from d) as deliveries, (select count(*) from a) as attempts`.execute(db);
        return { deliveries: Number(rows[0]?.deliveries ?? 0), attempts: Number(rows[0]?.attempts ?? 0) };
      }
      // SQLite has one writer at a time: inside one transaction (whose first statement takes the write
      // lock) both deletes see the same rows, so the same subquery picks the same deliveries twice.
      const picked = (q: Kysely<Database>) =>
        q
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('status', 'in', FINISHED)
          .where('completed_at', '<', completedBefore)
          .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
          .orderBy('id')
          .limit(limit);
      return db.transaction().execute(async (trx) => {
        const attempts = count(await trx.deleteFrom('webhook_attempts').where('delivery_id', 'in', picked(trx)).executeTakeFirst());
        const deliveries = count(await trx.deleteFrom('webhook_deliveries').where('id', 'in', picked(trx)).executeTakeFirst());
        return { deliveries, attempts };
      });
    },
  };
}
