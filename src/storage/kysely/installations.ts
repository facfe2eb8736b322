import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Installation, RefreshFamily, RefreshTokenRecord } from '../../domain/installation.js';
import type { Database, InstallationsTable, RefreshFamiliesTable, RefreshTokensTable } from '../schema.js';
import type { InstallationStore, RefreshStore, RevocationStore } from '../ports-installations.js';
import { nothing, toPage } from './page.js';
import type { RefreshHotPath } from './rotation.js';

const rowToInstallation = (r: Selectable<InstallationsTable>): Installation => ({
  id: r.id,
  organizationId: r.organization_id,
  applicationId: r.application_id,
  scopes: JSON.parse(r.scopes) as string[],
  status: r.status as Installation['status'],
  credentialsVersion: r.credentials_version,
  deliveryFailedAt: r.delivery_failed_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  uninstalledAt: r.uninstalled_at,
});

const rowToFamily = (r: Selectable<RefreshFamiliesTable>): RefreshFamily => ({
  id: r.id,
  installationId: r.installation_id,
  applicationId: r.application_id,
  subject: r.subject,
  scopes: JSON.parse(r.scopes) as string[],
  policy: r.policy as RefreshFamily['policy'],
  credentialsVersion: r.credentials_version,
  generation: r.generation,
  status: r.status as RefreshFamily['status'],
  revokedAt: r.revoked_at,
  revokedReason: r.revoked_reason,
  lastAccessJti: r.last_access_jti,
  lastAccessExp: r.last_access_exp,
  absoluteExpiresAt: r.absolute_expires_at,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  origin: r.origin as RefreshFamily['origin'],
});

const rowToToken = (r: Selectable<RefreshTokensTable>): RefreshTokenRecord => ({
  hash: r.hash,
  familyId: r.family_id,
  generation: r.generation,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  spentAt: r.spent_at,
  successorSealed: r.successor_sealed,
  successorUntil: r.successor_until,
});

export function installationStore(db: Kysely<Database>): InstallationStore {
  return {
    async create(i) {
      await db
        .insertInto('installations')
        .values({
          id: i.id,
          organization_id: i.organizationId,
          application_id: i.applicationId,
          scopes: JSON.stringify(i.scopes),
          status: i.status,
          credentials_version: i.credentialsVersion,
          delivery_failed_at: i.deliveryFailedAt,
          created_at: i.createdAt,
          updated_at: i.updatedAt,
          uninstalled_at: i.uninstalledAt,
        })
        .execute();
    },
    async get(id) {
      const row = await db.selectFrom('installations').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? rowToInstallation(row) : null;
    },
    async findActive(organizationId, applicationId) {
      const row = await db
        .selectFrom('installations')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('application_id', '=', applicationId)
        .where('status', '=', 'active')
        .executeTakeFirst();
      return row ? rowToInstallation(row) : null;
    },
    async list(page, filter = {}) {
      let q = db.selectFrom('installations').selectAll().orderBy('id').limit(page.limit + 1);
      if (page.after) q = q.where('id', '>', page.after);
      if (filter.organizationId) q = q.where('organization_id', '=', filter.organizationId);
      if (filter.applicationId) q = q.where('application_id', '=', filter.applicationId);
      if (filter.status) q = q.where('status', '=', filter.status);
      if (filter.visibleTo) {
        const orgs = [...filter.visibleTo];
        // The merchant's members see its installations; the partner's members see those of its applications.
        q =
          orgs.length === 0
            ? q.where(nothing())
            : q.where((eb) => eb.or([eb('organization_id', 'in', orgs), eb('application_id', 'in', eb.selectFrom('applications').select('applications.id').where('applications.organization_id', 'in', orgs))]));
      }
      return toPage((await q.execute()).map(rowToInstallation), page, (i) => i.id);
    },
    async update(id, set) {
      const row: Updateable<InstallationsTable> = {};
      if (set.scopes !== undefined) row.scopes = JSON.stringify(set.scopes);
      if (set.credentialsVersion !== undefined) row.credentials_version = set.credentialsVersion;
      if (set.deliveryFailedAt !== undefined) row.delivery_failed_at = set.deliveryFailedAt;
      if (set.updatedAt !== undefined) row.updated_at = set.updatedAt;
      const res = await db.updateTable('installations').set(row).where('id', '=', id).where('status', '=', 'active').executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async markUninstalled(id, at) {
      const res = await db
        .updateTable('installations')
        .set({ status: 'uninstalled', uninstalled_at: at, updated_at: at })
        .where('id', '=', id)
        .where('status', '=', 'active')
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
  };
}

export function refreshStore(db: Kysely<Database>, hot: RefreshHotPath): RefreshStore {
  return {
    async createFamily(f) {
      await db
        .insertInto('refresh_families')
        .values({
          id: f.id,
          installation_id: f.installationId,
          application_id: f.applicationId,
          subject: f.subject,
          scopes: JSON.stringify(f.scopes),
          policy: f.policy,
          credentials_version: f.credentialsVersion,
          generation: f.generation,
          status: f.status,
          revoked_at: f.revokedAt,
          revoked_reason: f.revokedReason,
          last_access_jti: f.lastAccessJti,
          last_access_exp: f.lastAccessExp,
          absolute_expires_at: f.absoluteExpiresAt,
          created_at: f.createdAt,
          last_used_at: f.lastUsedAt,
          origin: f.origin,
        })
        .execute();
    },
    async getFamily(id) {
      const row = await db.selectFrom('refresh_families').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? rowToFamily(row) : null;
    },
    async familiesOf(installationId) {
      return (await db.selectFrom('refresh_families').selectAll().where('installation_id', '=', installationId).orderBy('created_at').execute()).map(rowToFamily);
    },
    async insertToken(t) {
      await db
        .insertInto('refresh_tokens')
        .values({
          hash: t.hash,
          family_id: t.familyId,
          generation: t.generation,
          created_at: t.createdAt,
          expires_at: t.expiresAt,
          spent_at: t.spentAt,
          successor_sealed: t.successorSealed,
          successor_until: t.successorUntil,
        })
        .execute();
    },
    async lookup(hash) {
      const row = await hot.lookup(hash);
      if (!row) return null;
      return {
        token: {
          hash,
          familyId: row.id,
          generation: row.t_generation,
          createdAt: row.t_created_at,
          expiresAt: row.t_expires_at,
          spentAt: row.t_spent_at,
          successorSealed: row.t_successor_sealed,
          successorUntil: row.t_successor_until,
        },
        family: rowToFamily(row),
        // A person's family (origin first_party) has no installation.
        installation: row.i_status === null || row.i_scopes === null ? null : { status: row.i_status as Installation['status'], scopes: JSON.parse(row.i_scopes) as string[] },
      };
    },
    async getToken(hash) {
      const row = await db.selectFrom('refresh_tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
      return row ? rowToToken(row) : null;
    },
    rotate: hot.rotate,
    use: hot.use,
    async revokeFamilies(filter, at, reason) {
      let q = db.selectFrom('refresh_families').selectAll().where('status', '=', 'active');
      if (filter.installationId) q = q.where('installation_id', '=', filter.installationId);
      if (filter.familyId) q = q.where('id', '=', filter.familyId);
      if (filter.exceptFamilyId) q = q.where('id', '!=', filter.exceptFamilyId);
      if (filter.credentialsVersion !== undefined) q = q.where('credentials_version', '=', filter.credentialsVersion);
      const candidates = (await q.execute()).map(rowToFamily);
      if (candidates.length === 0) return [];
      // Only the families this call actually revoked: of concurrent revocations (a reuse race) each
      // family is reported once, so it gets one audit row and one REUSE_DETECTED webhook.
      const changed = await db
        .updateTable('refresh_families')
        .set({ status: 'revoked', revoked_at: at, revoked_reason: reason })
        .where('id', 'in', candidates.map((f) => f.id))
        .where('status', '=', 'active')
        .returning('id')
        .execute();
      const ids = new Set(changed.map((r) => r.id));
      const families = candidates.filter((f) => ids.has(f.id));
      if (families.length === 0) return [];
      // Grace-period successors are token material: erase them with the family.
      await db
        .updateTable('refresh_tokens')
        .set({ successor_sealed: null, successor_until: null })
        .where('family_id', 'in', families.map((f) => f.id))
        .where('successor_sealed', 'is not', null)
        .execute();
      return families;
    },
  };
}

export function revocationStore(db: Kysely<Database>): RevocationStore {
  return {
    async revokeAccessToken(jti, expiresAt) {
      await db.insertInto('revoked_access_tokens').values({ jti, expires_at: expiresAt }).onConflict((oc) => oc.column('jti').doNothing()).execute();
    },
    async isAccessTokenRevoked(jti) {
      return (await db.selectFrom('revoked_access_tokens').select('jti').where('jti', '=', jti).executeTakeFirst()) !== undefined;
    },
  };
}
