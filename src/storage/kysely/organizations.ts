import type { Kysely, Selectable } from 'kysely';
import type { Organization } from '../../domain/organization.js';
import type { OrganizationType } from '../../domain/application.js';
import type { Database, OrganizationsTable } from '../schema.js';
import type { OrganizationStore, PageRequest } from '../ports.js';
import { nothing, toPage } from './page.js';

const rowToOrg = (r: Selectable<OrganizationsTable>): Organization => ({
  id: r.id,
  type: r.type as OrganizationType,
  name: r.name,
  createdAt: r.created_at,
});

export function organizationStore(db: Kysely<Database>): OrganizationStore {
  return {
    async create(org) {
      await db.insertInto('organizations').values({ id: org.id, type: org.type, name: org.name, created_at: org.createdAt }).execute();
    },
    async get(id) {
      const row = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? rowToOrg(row) : null;
    },
    async list(page: PageRequest, filter = {}) {
      let q = db.selectFrom('organizations').selectAll().orderBy('id').limit(page.limit + 1);
      if (page.after) q = q.where('id', '>', page.after);
      if (filter.type) q = q.where('type', '=', filter.type);
      if (filter.ids) q = filter.ids.length > 0 ? q.where('id', 'in', [...filter.ids]) : q.where(nothing());
      return toPage((await q.execute()).map(rowToOrg), page, (o) => o.id);
    },
    async hasApplications(id) {
      const row = await db.selectFrom('applications').select('id').where('organization_id', '=', id).limit(1).executeTakeFirst();
      return row !== undefined;
    },
    async delete(id) {
      const res = await db.deleteFrom('organizations').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
  };
}
