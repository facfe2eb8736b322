import { sql, type Kysely, type Selectable } from 'kysely';
import type { ScopeDefinition } from '../../domain/organization.js';
import type { Database, ScopesTable } from '../schema.js';
import type { ScopeStore } from '../ports.js';
import { toPage } from './page.js';

const rowToScope = (r: Selectable<ScopesTable>): ScopeDefinition => ({
  scope: r.scope,
  audience: r.audience,
  operation: r.operation,
  description: r.description,
  createdAt: r.created_at,
});

export function scopeStore(db: Kysely<Database>): ScopeStore {
  return {
    async create(s) {
      await db
        .insertInto('scopes')
        .values({ scope: s.scope, audience: s.audience, operation: s.operation, description: s.description, created_at: s.createdAt })
        .execute();
    },
    async get(scope) {
      const row = await db.selectFrom('scopes').selectAll().where('scope', '=', scope).executeTakeFirst();
      return row ? rowToScope(row) : null;
    },
    async getMany(scopes) {
      if (scopes.length === 0) return [];
      return (await db.selectFrom('scopes').selectAll().where('scope', 'in', [...scopes]).execute()).map(rowToScope);
    },
    async list(page) {
      let q = db.selectFrom('scopes').selectAll().orderBy('scope').limit(page.limit + 1);
      if (page.after) q = q.where('scope', '>', page.after);
      return toPage((await q.execute()).map(rowToScope), page, (s) => s.scope);
    },
    async update(scope, description) {
      const res = await db.updateTable('scopes').set({ description }).where('scope', '=', scope).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async delete(scope) {
      const res = await db.deleteFrom('scopes').where('scope', '=', scope).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    async inUse(scope) {
      // Scopes are stored as a JSON array of strings; the quoted name cannot match a longer scope.
      const pattern = `%${JSON.stringify(scope).replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      // ESCAPE is explicit: SQLite's LIKE has no escape character unless told, PostgreSQL's is "\\".
      const row = await db
        .selectFrom('applications')
        .select('id')
        .where(sql<boolean>`scopes like ${pattern} escape '\\'`)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}
