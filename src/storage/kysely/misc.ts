import type { Kysely } from 'kysely';
import type { AuditEvent } from '../../domain/organization.js';
import type { Database } from '../schema.js';
import type { AuditStore, KeyStore, MetaStore } from '../ports.js';
import { toPage } from './page.js';

export function keyStore(db: Kysely<Database>): KeyStore {
  return {
    async all() {
      const rows = await db.selectFrom('signing_keys').selectAll().orderBy('activates_at').orderBy('kid').execute();
      return rows.map((r) => ({
        kid: r.kid,
        alg: r.alg,
        publicJwk: r.public_jwk,
        sealedPrivateJwk: r.private_jwk,
        createdAt: r.created_at,
        activatesAt: r.activates_at,
        retiredAt: r.retired_at,
      }));
    },
    async insert(k) {
      await db
        .insertInto('signing_keys')
        .values({
          kid: k.kid,
          alg: k.alg,
          public_jwk: k.publicJwk,
          private_jwk: k.sealedPrivateJwk,
          created_at: k.createdAt,
          activates_at: k.activatesAt,
          retired_at: k.retiredAt,
        })
        .execute();
    },
    async retireOthers(exceptKid, at) {
      await db.updateTable('signing_keys').set({ retired_at: at }).where('kid', '!=', exceptKid).where('retired_at', 'is', null).execute();
    },
    async deleteRetiredBefore(cutoff) {
      const res = await db.deleteFrom('signing_keys').where('retired_at', 'is not', null).where('retired_at', '<', cutoff).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}

export function auditStore(db: Kysely<Database>): AuditStore {
  return {
    async append(e) {
      await db
        .insertInto('audit_events')
        .values({ id: e.id, at: e.at, actor: e.actor, action: e.action, target_type: e.targetType, target_id: e.targetId, data: JSON.stringify(e.data) })
        .execute();
    },
    async list(page, filter = {}) {
      // Newest first: ids are time-ordered, so the cursor walks backwards.
      let q = db.selectFrom('audit_events').selectAll().orderBy('id', 'desc').limit(page.limit + 1);
      if (page.after) q = q.where('id', '<', page.after);
      if (filter.action) q = q.where('action', '=', filter.action);
      if (filter.targetId) q = q.where('target_id', '=', filter.targetId);
      const rows = await q.execute();
      const events: AuditEvent[] = rows.map((r) => ({
        id: r.id,
        at: r.at,
        actor: r.actor,
        action: r.action,
        targetType: r.target_type,
        targetId: r.target_id,
        data: JSON.parse(r.data) as Record<string, unknown>,
      }));
      return toPage(events, page, (e) => e.id);
    },
  };
}

export function metaStore(db: Kysely<Database>): MetaStore {
  return {
    async get(key) {
      const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
      return row?.value ?? null;
    },
    async putIfAbsent(key, value) {
      await db.insertInto('meta').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
      const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirstOrThrow();
      return row.value;
    },
    async delete(key) {
      await db.deleteFrom('meta').where('key', '=', key).execute();
    },
  };
}
