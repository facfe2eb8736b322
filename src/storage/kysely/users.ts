import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Membership, Role, User } from '../../domain/user.js';
import type { Database, MembershipsTable, UsersTable } from '../schema.js';
import type { SessionStore, ThrottleStore, UserStore } from '../ports-users.js';
import type { PageRequest } from '../ports.js';
import { toPage } from './page.js';

const rowToUser = (r: Selectable<UsersTable>): User => ({
  id: r.id,
  email: r.email,
  name: r.name,
  passwordHash: r.password_hash,
  platformAdmin: Number(r.platform_admin) === 1,
  status: r.status as User['status'],
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const rowToMembership = (r: Selectable<MembershipsTable>): Membership => ({
  userId: r.user_id,
  organizationId: r.organization_id,
  role: r.role as Role,
  createdAt: Number(r.created_at),
});

export function userStore(db: Kysely<Database>): UserStore {
  return {
    async create(user, memberships) {
      await db
        .insertInto('users')
        .values({
          id: user.id,
          email: user.email,
          name: user.name,
          password_hash: user.passwordHash,
          platform_admin: user.platformAdmin ? 1 : 0,
          status: user.status,
          created_at: user.createdAt,
          updated_at: user.updatedAt,
        })
        .execute();
      if (memberships.length > 0) {
        await db
          .insertInto('memberships')
          .values(memberships.map((m) => ({ user_id: m.userId, organization_id: m.organizationId, role: m.role, created_at: m.createdAt })))
          .execute();
      }
    },
    async get(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? rowToUser(row) : null;
    },
    async getByEmail(email) {
      const row = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
      return row ? rowToUser(row) : null;
    },
    async list(page: PageRequest, filter = {}) {
      let q = db.selectFrom('users').selectAll('users').orderBy('users.id').limit(page.limit + 1);
      if (page.after) q = q.where('users.id', '>', page.after);
      if (filter.organizationId) {
        q = q.innerJoin('memberships', 'memberships.user_id', 'users.id').where('memberships.organization_id', '=', filter.organizationId);
      }
      return toPage((await q.execute()).map(rowToUser), page, (u) => u.id);
    },
    async update(id, patch) {
      const set: Updateable<UsersTable> = { updated_at: patch.updatedAt };
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
      if (patch.platformAdmin !== undefined) set.platform_admin = patch.platformAdmin ? 1 : 0;
      if (patch.status !== undefined) set.status = patch.status;
      const row = await db.updateTable('users').set(set).where('id', '=', id).returningAll().executeTakeFirst();
      return row ? rowToUser(row) : null;
    },
    async delete(id) {
      const res = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    async memberships(userId) {
      const rows = await db.selectFrom('memberships').selectAll().where('user_id', '=', userId).orderBy('organization_id').execute();
      return rows.map(rowToMembership);
    },
    async setMembership(userId, organizationId, role, at) {
      await db
        .insertInto('memberships')
        .values({ user_id: userId, organization_id: organizationId, role, created_at: at })
        .onConflict((oc) => oc.columns(['user_id', 'organization_id']).doUpdateSet({ role }))
        .execute();
    },
    async removeMembership(userId, organizationId) {
      const res = await db.deleteFrom('memberships').where('user_id', '=', userId).where('organization_id', '=', organizationId).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    async countMembers(organizationId, roles) {
      const row = await db
        .selectFrom('memberships')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('organization_id', '=', organizationId)
        .where('role', 'in', [...roles])
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async createSetupToken(t) {
      await db.insertInto('setup_tokens').values({ hash: t.hash, user_id: t.userId, created_at: t.createdAt, expires_at: t.expiresAt, used_at: t.usedAt }).execute();
    },
    async consumeSetupToken(hash, now) {
      const row = await db
        .updateTable('setup_tokens')
        .set({ used_at: now })
        .where('hash', '=', hash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('user_id')
        .executeTakeFirst();
      return row?.user_id ?? null;
    },
    async peekSetupToken(hash, now) {
      const row = await db.selectFrom('setup_tokens').select('user_id').where('hash', '=', hash).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
      return row?.user_id ?? null;
    },
  };
}

export function sessionStore(db: Kysely<Database>): SessionStore {
  return {
    async create(s) {
      await db.insertInto('sessions').values({ hash: s.hash, user_id: s.userId, created_at: s.createdAt, expires_at: s.expiresAt, last_seen_at: s.lastSeenAt }).execute();
    },
    async get(hash) {
      const r = await db.selectFrom('sessions').selectAll().where('hash', '=', hash).executeTakeFirst();
      return r ? { hash: r.hash, userId: r.user_id, createdAt: Number(r.created_at), expiresAt: Number(r.expires_at), lastSeenAt: Number(r.last_seen_at) } : null;
    },
    async touch(hash, lastSeenAt, expiresAt) {
      await db.updateTable('sessions').set({ last_seen_at: lastSeenAt, expires_at: expiresAt }).where('hash', '=', hash).execute();
    },
    async delete(hash) {
      await db.deleteFrom('sessions').where('hash', '=', hash).execute();
    },
    async deleteForUser(userId) {
      const res = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}

export function throttleStore(db: Kysely<Database>): ThrottleStore {
  const toRecord = (r: { key: string; failures: number; window_start: number; locked_until: number | null }) => ({
    key: r.key,
    failures: Number(r.failures),
    windowStart: Number(r.window_start),
    lockedUntil: r.locked_until === null ? null : Number(r.locked_until),
  });
  return {
    async get(keys) {
      if (keys.length === 0) return [];
      return (await db.selectFrom('login_throttle').selectAll().where('key', 'in', [...keys]).execute()).map(toRecord);
    },
    async recordFailure(key, now, windowStartsAfter) {
      const row = await db
        .insertInto('login_throttle')
        .values({ key, failures: 1, window_start: now, locked_until: null })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => ({
            failures: eb.case().when('login_throttle.window_start', '<=', windowStartsAfter).then(1).else(eb('login_throttle.failures', '+', 1)).end(),
            window_start: eb.case().when('login_throttle.window_start', '<=', windowStartsAfter).then(now).else(eb.ref('login_throttle.window_start')).end(),
          })),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(row);
    },
    async lock(key, until) {
      await db.updateTable('login_throttle').set({ locked_until: until }).where('key', '=', key).execute();
    },
    async clear(key) {
      await db.deleteFrom('login_throttle').where('key', '=', key).execute();
    },
  };
}
