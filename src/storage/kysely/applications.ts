import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Application, ApplicationType, ClientSecret, GrantType, RefreshPolicy } from '../../domain/application.js';
import type { ApplicationsTable, ClientSecretsTable, Database } from '../schema.js';
import type { ApplicationStore } from '../ports.js';
import { nothing, toPage } from './page.js';

const rowToApp = (r: Selectable<ApplicationsTable>): Application => ({
  id: r.id,
  clientId: r.client_id,
  name: r.name,
  type: r.type as ApplicationType,
  organizationId: r.organization_id,
  scopes: JSON.parse(r.scopes) as string[],
  redirectUris: JSON.parse(r.redirect_uris) as string[],
  grantTypes: JSON.parse(r.grant_types) as GrantType[],
  refreshPolicy: r.refresh_policy as RefreshPolicy,
  accessTokenTtl: r.access_token_ttl,
  refreshTokenTtl: r.refresh_token_ttl,
  refreshFamilyMaxAge: r.refresh_family_max_age,
  refreshGracePeriod: r.refresh_grace_period,
  logoUri: r.logo_uri,
  partnerId: r.partner_id === null ? null : Number(r.partner_id),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const rowToSecret = (r: Selectable<ClientSecretsTable>): ClientSecret => ({
  id: r.id,
  applicationId: r.application_id,
  hash: Buffer.from(r.hash, 'base64url'),
  hint: r.hint,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

const secretToRow = (s: ClientSecret): Selectable<ClientSecretsTable> => ({
  id: s.id,
  application_id: s.applicationId,
  hash: s.hash.toString('base64url'),
  hint: s.hint,
  created_at: s.createdAt,
  expires_at: s.expiresAt,
});

export function applicationStore(db: Kysely<Database>): ApplicationStore {
  return {
    async create(app, secret) {
      await db
        .insertInto('applications')
        .values({
          id: app.id,
          client_id: app.clientId,
          name: app.name,
          type: app.type,
          organization_id: app.organizationId,
          scopes: JSON.stringify(app.scopes),
          redirect_uris: JSON.stringify(app.redirectUris),
          grant_types: JSON.stringify(app.grantTypes),
          refresh_policy: app.refreshPolicy,
          access_token_ttl: app.accessTokenTtl,
          refresh_token_ttl: app.refreshTokenTtl,
          refresh_family_max_age: app.refreshFamilyMaxAge,
          refresh_grace_period: app.refreshGracePeriod,
          logo_uri: app.logoUri,
          partner_id: app.partnerId,
          created_at: app.createdAt,
          updated_at: app.updatedAt,
        })
        .execute();
      if (secret) await db.insertInto('client_secrets').values(secretToRow(secret)).execute();
    },
    async get(id) {
      const row = await db.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? rowToApp(row) : null;
    },
    async getByPartnerId(partnerId) {
      const row = await db.selectFrom('applications').selectAll().where('partner_id', '=', partnerId).executeTakeFirst();
      return row ? rowToApp(row) : null;
    },
    async getByClientId(clientId) {
      const row = await db.selectFrom('applications').selectAll().where('client_id', '=', clientId).executeTakeFirst();
      return row ? rowToApp(row) : null;
    },
    async list(page, filter = {}) {
      let q = db.selectFrom('applications').selectAll().orderBy('id').limit(page.limit + 1);
      if (page.after) q = q.where('id', '>', page.after);
      if (filter.organizationId) q = q.where('organization_id', '=', filter.organizationId);
      if (filter.organizationIds) q = filter.organizationIds.length > 0 ? q.where('organization_id', 'in', [...filter.organizationIds]) : q.where(nothing());
      if (filter.types) q = filter.types.length > 0 ? q.where('type', 'in', [...filter.types]) : q.where(nothing());
      return toPage((await q.execute()).map(rowToApp), page, (a) => a.id);
    },
    async update(id, patch) {
      const set: Updateable<ApplicationsTable> = { updated_at: patch.updatedAt };
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.scopes !== undefined) set.scopes = JSON.stringify(patch.scopes);
      if (patch.redirectUris !== undefined) set.redirect_uris = JSON.stringify(patch.redirectUris);
      if (patch.grantTypes !== undefined) set.grant_types = JSON.stringify(patch.grantTypes);
      if (patch.refreshPolicy !== undefined) set.refresh_policy = patch.refreshPolicy;
      if (patch.accessTokenTtl !== undefined) set.access_token_ttl = patch.accessTokenTtl;
      if (patch.refreshTokenTtl !== undefined) set.refresh_token_ttl = patch.refreshTokenTtl;
      if (patch.refreshFamilyMaxAge !== undefined) set.refresh_family_max_age = patch.refreshFamilyMaxAge;
      if (patch.refreshGracePeriod !== undefined) set.refresh_grace_period = patch.refreshGracePeriod;
      if (patch.logoUri !== undefined) set.logo_uri = patch.logoUri;
      if (patch.partnerId !== undefined) set.partner_id = patch.partnerId;
      const res = await db.updateTable('applications').set(set).where('id', '=', id).executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return null;
      return this.get(id);
    },
    async delete(id) {
      await db.deleteFrom('client_secrets').where('application_id', '=', id).execute();
      const res = await db.deleteFrom('applications').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    async secrets(applicationId) {
      const rows = await db.selectFrom('client_secrets').selectAll().where('application_id', '=', applicationId).orderBy('created_at').orderBy('id').execute();
      return rows.map(rowToSecret);
    },
    async addSecret(secret) {
      await db.insertInto('client_secrets').values(secretToRow(secret)).execute();
    },
    async expireSecret(applicationId, secretId, expiresAt) {
      const res = await db
        .updateTable('client_secrets')
        .set({ expires_at: expiresAt })
        .where('id', '=', secretId)
        .where('application_id', '=', applicationId)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async deleteExpiredSecrets(applicationId, now) {
      const res = await db
        .deleteFrom('client_secrets')
        .where('application_id', '=', applicationId)
        .where('expires_at', 'is not', null)
        .where('expires_at', '<=', now)
        .executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
