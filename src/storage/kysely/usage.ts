import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { UsageStore } from '../ports-usage.js';

/** At most this many rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500;

export function usageStore(db: Kysely<Database>): UsageStore {
  return {
    async add(rows) {
      for (let i = 0; i < rows.length; i += CHUNK) {
        await db
          .insertInto('usage_counters')
          .values(rows.slice(i, i + CHUNK).map((r) => ({ bucket: r.bucket, metric: r.metric, application_id: r.applicationId, detail: r.detail, count: r.count })))
          .onConflict((oc) => oc.columns(['bucket', 'metric', 'application_id', 'detail']).doUpdateSet((eb) => ({ count: eb('usage_counters.count', '+', eb.ref('excluded.count')) })))
          .execute();
      }
    },
    async list(from, to) {
      const rows = await db.selectFrom('usage_counters').selectAll().where('bucket', '>=', from).where('bucket', '<', to).orderBy('bucket').execute();
      return rows.map((r) => ({ bucket: Number(r.bucket), metric: r.metric, applicationId: r.application_id, detail: r.detail, count: Number(r.count) }));
    },
    async deleteBefore(before) {
      const res = await db.deleteFrom('usage_counters').where('bucket', '<', before).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
