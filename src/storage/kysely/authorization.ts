import type { Kysely, Selectable } from 'kysely';
import type { AuthorizationCode, DecoupledRequest, DecoupledStatus } from '../../domain/authorization.js';
import type { AuthorizationCodesTable, Database, DecoupledRequestsTable } from '../schema.js';
import type { AuthorizationCodeStore, DecoupledRequestStore } from '../ports-users.js';
import { toPage } from './page.js';

const n = (v: number | null): number | null => (v === null ? null : Number(v));

const rowToCode = (r: Selectable<AuthorizationCodesTable>): AuthorizationCode => ({
  hash: r.hash,
  applicationId: r.application_id,
  userId: r.user_id,
  organizationId: r.organization_id,
  redirectUri: r.redirect_uri,
  redirectUriGiven: Number(r.redirect_uri_given) === 1,
  scopes: JSON.parse(r.scopes) as string[],
  codeChallenge: r.code_challenge,
  createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at),
  redeemedAt: n(r.redeemed_at),
  familyId: r.family_id,
  installationId: r.installation_id,
});

const rowToRequest = (r: Selectable<DecoupledRequestsTable>): DecoupledRequest => ({
  id: r.id,
  authReqIdHash: r.auth_req_id_hash,
  applicationId: r.application_id,
  scopes: JSON.parse(r.scopes) as string[],
  userId: r.user_id,
  organizationId: r.organization_id,
  bindingMessage: r.binding_message,
  status: r.status as DecoupledStatus,
  interval: Number(r.interval),
  lastPolledAt: n(r.last_polled_at),
  decidedBy: r.decided_by,
  decidedAt: n(r.decided_at),
  createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at),
  familyId: r.family_id,
  installationId: r.installation_id,
});

export function authorizationCodeStore(db: Kysely<Database>): AuthorizationCodeStore {
  return {
    async create(c) {
      await db
        .insertInto('authorization_codes')
        .values({
          hash: c.hash,
          application_id: c.applicationId,
          user_id: c.userId,
          organization_id: c.organizationId,
          redirect_uri: c.redirectUri,
          redirect_uri_given: c.redirectUriGiven ? 1 : 0,
          scopes: JSON.stringify(c.scopes),
          code_challenge: c.codeChallenge,
          created_at: c.createdAt,
          expires_at: c.expiresAt,
          redeemed_at: c.redeemedAt,
          family_id: c.familyId,
          installation_id: c.installationId,
        })
        .execute();
    },
    async get(hash) {
      const row = await db.selectFrom('authorization_codes').selectAll().where('hash', '=', hash).executeTakeFirst();
      return row ? rowToCode(row) : null;
    },
    async redeem(hash, now) {
      // Compare-and-swap on redeemed_at: of concurrent redemptions one updates the row; on PostgreSQL
      // the others wait for its commit, re-check the predicate and match nothing.
      const row = await db
        .updateTable('authorization_codes')
        .set({ redeemed_at: now })
        .where('hash', '=', hash)
        .where('redeemed_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      return row ? rowToCode(row) : null;
    },
    async recordIssued(hash, familyId, installationId) {
      await db.updateTable('authorization_codes').set({ family_id: familyId, installation_id: installationId }).where('hash', '=', hash).execute();
    },
  };
}

export function decoupledRequestStore(db: Kysely<Database>): DecoupledRequestStore {
  return {
    async create(r) {
      await db
        .insertInto('decoupled_requests')
        .values({
          id: r.id,
          auth_req_id_hash: r.authReqIdHash,
          application_id: r.applicationId,
          scopes: JSON.stringify(r.scopes),
          user_id: r.userId,
          organization_id: r.organizationId,
          binding_message: r.bindingMessage,
          status: r.status,
          interval: r.interval,
          last_polled_at: r.lastPolledAt,
          decided_by: r.decidedBy,
          decided_at: r.decidedAt,
          created_at: r.createdAt,
          expires_at: r.expiresAt,
          family_id: r.familyId,
          installation_id: r.installationId,
        })
        .execute();
    },
    async get(id) {
      const row = await db.selectFrom('decoupled_requests').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? rowToRequest(row) : null;
    },
    async getByAuthReqId(hash) {
      const row = await db.selectFrom('decoupled_requests').selectAll().where('auth_req_id_hash', '=', hash).executeTakeFirst();
      return row ? rowToRequest(row) : null;
    },
    async list(page, filter) {
      // Ids are time-ordered (newId), so ordering by id is ordering by creation.
      let q = db.selectFrom('decoupled_requests').selectAll().orderBy('id', filter.newestFirst ? 'desc' : 'asc').limit(page.limit + 1);
      if (page.after) q = q.where('id', filter.newestFirst ? '<' : '>', page.after);
      if (filter.statuses) q = q.where('status', 'in', [...filter.statuses]);
      if (filter.applicationId) q = q.where('application_id', '=', filter.applicationId);
      if (filter.liveAt !== undefined) q = q.where('expires_at', '>', filter.liveAt);
      const { userId, organizationIds } = filter;
      if (userId !== undefined || organizationIds !== undefined) {
        // A person sees requests naming them, and requests naming an organization they may grant for.
        q = q.where((eb) => {
          const ors = [];
          if (userId !== undefined) ors.push(eb('user_id', '=', userId));
          if (organizationIds && organizationIds.length > 0) ors.push(eb.and([eb('user_id', 'is', null), eb('organization_id', 'in', [...organizationIds])]));
          return ors.length > 0 ? eb.or(ors) : eb.val(false);
        });
      }
      return toPage((await q.execute()).map(rowToRequest), page, (r) => r.id);
    },
    async decide(id, decision, set, now) {
      const res = await db
        .updateTable('decoupled_requests')
        .set({ status: decision, decided_by: set.decidedBy, decided_at: set.decidedAt, organization_id: set.organizationId })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async recordPoll(id, at, interval) {
      await db.updateTable('decoupled_requests').set({ last_polled_at: at, interval }).where('id', '=', id).execute();
    },
    async redeem(id) {
      const res = await db.updateTable('decoupled_requests').set({ status: 'redeemed' }).where('id', '=', id).where('status', '=', 'approved').executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async recordIssued(id, familyId, installationId) {
      await db.updateTable('decoupled_requests').set({ family_id: familyId, installation_id: installationId }).where('id', '=', id).execute();
    },
  };
}
