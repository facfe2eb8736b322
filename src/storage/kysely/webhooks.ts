import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, WebhookAttemptsTable, WebhookDeliveriesTable, WebhookSecretsTable, WebhookSubscriptionsTable } from '../schema.js';
import type { Dialect } from '../db.js';
import {
  MAX_DELIVERY_ATTEMPTS,
  type AttemptOutcome,
  type DeliveryStatus,
  type DisabledReason,
  type WebhookSigningSecret,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookEventType,
  type DeliveryEventType,
  type WebhookStore,
  type WebhookSubscription,
} from '../ports-webhooks.js';
import { nothing, toPage } from './page.js';

const rowToSub = (r: Selectable<WebhookSubscriptionsTable>): WebhookSubscription => ({
  id: r.id,
  applicationId: r.application_id,
  url: r.url,
  description: r.description,
  events: JSON.parse(r.events) as WebhookEventType[],
  rateLimit: r.rate_limit === null ? null : Number(r.rate_limit),
  disabledAt: r.disabled_at === null ? null : Number(r.disabled_at),
  disabledReason: (r.disabled_reason ?? null) as DisabledReason | null,
  failingSince: r.failing_since === null ? null : Number(r.failing_since),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at ?? r.created_at),
});

const rowToSecret = (r: Selectable<WebhookSecretsTable>): WebhookSigningSecret => ({
  id: r.id,
  subscriptionId: r.subscription_id,
  sealedSecret: r.secret_sealed,
  createdAt: Number(r.created_at),
  expiresAt: r.expires_at === null ? null : Number(r.expires_at),
});

const rowToDelivery = (r: Selectable<WebhookDeliveriesTable>): WebhookDelivery => ({
  id: r.id,
  subscriptionId: r.subscription_id,
  applicationId: r.application_id,
  installationId: r.installation_id,
  credentialsVersion: r.credentials_version,
  eventType: r.event_type as DeliveryEventType,
  messageId: r.message_id,
  sealedPayload: r.payload_sealed,
  status: r.status as DeliveryStatus,
  attempts: Number(r.attempts),
  nextAttemptAt: Number(r.next_attempt_at),
  leaseUntil: r.lease_until === null ? null : Number(r.lease_until),
  leasedBy: r.leased_by,
  lastAttemptAt: r.last_attempt_at === null ? null : Number(r.last_attempt_at),
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  completedAt: r.completed_at === null ? null : Number(r.completed_at),
});

const rowToAttempt = (r: Selectable<WebhookAttemptsTable>): WebhookAttempt => ({
  id: r.id,
  deliveryId: r.delivery_id,
  attempt: r.attempt,
  startedAt: Number(r.started_at),
  durationMs: r.duration_ms,
  statusCode: r.status_code,
  errorClass: r.error_class,
  outcome: r.outcome as AttemptOutcome,
});

/** Statuses from which a delivery may still be sent. */
const OPEN = ['pending', 'held'];

export function webhookStore(db: Kysely<Database>, dialect: Dialect): WebhookStore {
  // Ends open credentials messages matching `where`, erasing their token material.
  const endOpen = async (status: 'superseded' | 'cancelled', now: number, installationId: string, version: { op: '<' | '='; value: number } | null) => {
    let q = db
      .updateTable('webhook_deliveries')
      .set({ status, payload_sealed: null, completed_at: now, updated_at: now, lease_until: null })
      .where('installation_id', '=', installationId)
      .where('status', 'in', OPEN);
    q = version ? q.where('credentials_version', version.op, version.value) : q.where('credentials_version', 'is not', null);
    return Number((await q.executeTakeFirst()).numUpdatedRows);
  };

  // Due = pending, its time has come, and nobody holds a live lease on it.
  const due = (now: number) =>
    db
      .selectFrom('webhook_deliveries')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]));

  return {
    async createSubscription(s, secret) {
      await db
        .insertInto('webhook_subscriptions')
        .values({
          id: s.id,
          application_id: s.applicationId,
          url: s.url,
          description: s.description,
          events: JSON.stringify(s.events),
          rate_limit: s.rateLimit,
          disabled_at: s.disabledAt,
          disabled_reason: s.disabledReason ?? null,
          failing_since: s.failingSince,
          rate_next_at: null,
          created_at: s.createdAt,
          updated_at: s.updatedAt,
        })
        .execute();
      await db
        .insertInto('webhook_secrets')
        .values({ id: secret.id, subscription_id: s.id, secret_sealed: secret.sealedSecret, created_at: secret.createdAt, expires_at: secret.expiresAt })
        .execute();
    },
    async getSubscription(id) {
      const row = await db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? rowToSub(row) : null;
    },
    async listSubscriptions(applicationId) {
      return (await db.selectFrom('webhook_subscriptions').selectAll().where('application_id', '=', applicationId).orderBy('id').execute()).map(rowToSub);
    },
    async findSubscriptions(filter, limit) {
      let q = db.selectFrom('webhook_subscriptions').selectAll().orderBy('id').limit(limit);
      if (filter.state === 'disabled') q = q.where('disabled_at', 'is not', null);
      if (filter.state === 'enabled') q = q.where('disabled_at', 'is', null);
      if (filter.state === 'failing') q = q.where('disabled_at', 'is', null).where('failing_since', 'is not', null);
      if (filter.organizationIds) {
        const orgs = [...filter.organizationIds];
        q = orgs.length === 0 ? q.where(nothing()) : q.where('application_id', 'in', db.selectFrom('applications').select('applications.id').where('applications.organization_id', 'in', orgs));
      }
      return (await q.execute()).map(rowToSub);
    },
    async updateSubscription(id, p) {
      const res = await db
        .updateTable('webhook_subscriptions')
        .set({
          updated_at: p.updatedAt,
          ...(p.url !== undefined ? { url: p.url } : {}),
          ...(p.events !== undefined ? { events: JSON.stringify(p.events) } : {}),
          ...(p.description !== undefined ? { description: p.description } : {}),
          // A new rate starts from a free slot: the old spacing no longer applies.
          ...(p.rateLimit !== undefined ? { rate_limit: p.rateLimit, rate_next_at: null } : {}),
        })
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    async listSecrets(subscriptionId) {
      const rows = await db.selectFrom('webhook_secrets').selectAll().where('subscription_id', '=', subscriptionId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
      return rows.map(rowToSecret);
    },
    async rotateSecret(next, previousExpiresAt, now, keepPrevious) {
      const sub = next.subscriptionId;
      // Erase now what is expired anyway, and the current one if its overlap is zero.
      await db
        .deleteFrom('webhook_secrets')
        .where('subscription_id', '=', sub)
        .where((eb) => eb.or([eb('expires_at', '<=', now), ...(previousExpiresAt <= now ? [eb('expires_at', 'is', null)] : [])]))
        .execute();
      if (previousExpiresAt > now) await db.updateTable('webhook_secrets').set({ expires_at: previousExpiresAt }).where('subscription_id', '=', sub).where('expires_at', 'is', null).execute();
      // Rotating again during an overlap: only the newest `keepPrevious` previous secrets stay, so the
      // signature header stays short and an old leaked secret cannot be kept alive by rotating.
      const previous = await db.selectFrom('webhook_secrets').select('id').where('subscription_id', '=', sub).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
      const drop = previous.slice(keepPrevious).map((r) => r.id);
      if (drop.length > 0) await db.deleteFrom('webhook_secrets').where('id', 'in', drop).execute();
      await db
        .insertInto('webhook_secrets')
        .values({ id: next.id, subscription_id: sub, secret_sealed: next.sealedSecret, created_at: next.createdAt, expires_at: null })
        .execute();
    },

    async recordEndpointResult(subscriptionId, ok, now) {
      if (ok) {
        await db.updateTable('webhook_subscriptions').set({ failing_since: null }).where('id', '=', subscriptionId).where('failing_since', 'is not', null).execute();
        return null;
      }
      // The first failure since the last success starts the count; later ones keep it.
      const row = await db
        .updateTable('webhook_subscriptions')
        .set({ failing_since: sql<number>`coalesce(failing_since, ${now})` })
        .where('id', '=', subscriptionId)
        .returning('failing_since')
        .executeTakeFirst();
      return row?.failing_since == null ? null : Number(row.failing_since);
    },
    async reserveSendSlot(subscriptionId, now, intervalMs, horizonMs) {
      // One conditional UPDATE: the row lock (PostgreSQL) or the write lock (SQLite) makes the read of
      // rate_next_at and its advance one step, so two workers never take the same slot.
      const free = sql<number>`coalesce(case when rate_next_at > ${now} then rate_next_at else null end, ${now})`;
      const row = await db
        .updateTable('webhook_subscriptions')
        .set({ rate_next_at: sql`${free} + ${intervalMs}` })
        .where('id', '=', subscriptionId)
        .where((eb) => eb.or([eb('rate_next_at', 'is', null), eb('rate_next_at', '<=', now + horizonMs)]))
        .returning('rate_next_at')
        .executeTakeFirst();
      if (row) return { slot: Number(row.rate_next_at) - intervalMs };
      const current = await db.selectFrom('webhook_subscriptions').select('rate_next_at').where('id', '=', subscriptionId).executeTakeFirst();
      return { notBefore: Number(current?.rate_next_at ?? now) - horizonMs };
    },
    async releaseClaim(id, c) {
      const res = await db
        .updateTable('webhook_deliveries')
        .set((eb) => ({ attempts: eb('attempts', '-', 1), lease_until: null, leased_by: null, next_attempt_at: c.nextAttemptAt, updated_at: c.now }))
        .where('id', '=', id)
        .where('leased_by', '=', c.workerId)
        .where('attempts', '=', c.attempts)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return false;
      // It was never sent: no attempt to show.
      await db.deleteFrom('webhook_attempts').where('id', '=', c.attemptId).execute();
      return true;
    },
    async failedCredentialDeliveries(subscriptionId, since, until) {
      const rows = await db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('subscription_id', '=', subscriptionId)
        .where('status', '=', 'failed')
        .where('credentials_version', 'is not', null)
        .where('created_at', '>=', since)
        .where('created_at', '<', until)
        .orderBy('id')
        .execute();
      return rows.map(rowToDelivery);
    },
    async subscriptionsFor(applicationId, eventType) {
      const subs = await this.listSubscriptions(applicationId);
      return subs.filter((s) => s.events.includes(eventType));
    },
    async deleteSubscription(id) {
      const res = await db.deleteFrom('webhook_subscriptions').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    async enqueue(d, status) {
      await db
        .insertInto('webhook_deliveries')
        .values({
          id: d.id,
          subscription_id: d.subscriptionId,
          application_id: d.applicationId,
          installation_id: d.installationId,
          credentials_version: d.credentialsVersion,
          event_type: d.eventType,
          message_id: d.messageId,
          payload_sealed: d.sealedPayload,
          status,
          next_attempt_at: d.nextAttemptAt,
          created_at: d.createdAt,
          updated_at: d.createdAt,
        })
        .execute();
    },
    supersedeCredentials: (installationId, version, now) => endOpen('superseded', now, installationId, { op: '<', value: version }),
    markReceived: (installationId, version, now) => endOpen('cancelled', now, installationId, { op: '=', value: version }),
    cancelForInstallation: (installationId, now) => endOpen('cancelled', now, installationId, null),

    async disableSubscription(id, at, reason: DisabledReason) {
      // The condition is re-checked after a concurrent disabler commits (PostgreSQL row lock; SQLite has
      // one writer): only one of them changes the row.
      const changed = await db.updateTable('webhook_subscriptions').set({ disabled_at: at, disabled_reason: reason }).where('id', '=', id).where('disabled_at', 'is', null).executeTakeFirst();
      if (Number(changed.numUpdatedRows) === 0) return null;
      // Held, never dropped: Stripe does not resend events created while an endpoint is disabled, but
      // a credentials message cannot be fetched any other way. An in-flight (leased) row keeps its lease;
      // its worker sees `held` when it completes.
      const res = await db.updateTable('webhook_deliveries').set({ status: 'held', updated_at: at }).where('subscription_id', '=', id).where('status', '=', 'pending').executeTakeFirst();
      return Number(res.numUpdatedRows);
    },
    async enableSubscription(id, now) {
      await db.updateTable('webhook_subscriptions').set({ disabled_at: null, disabled_reason: null, failing_since: null }).where('id', '=', id).execute();
      // The lease (if any) is left alone, so a send still in flight is not claimed a second time.
      const res = await db
        .updateTable('webhook_deliveries')
        .set({ status: 'pending', next_attempt_at: now, updated_at: now })
        .where('subscription_id', '=', id)
        .where('status', '=', 'held')
        .executeTakeFirst();
      return Number(res.numUpdatedRows);
    },
    async cancelForSubscription(subscriptionId, now) {
      const res = await db
        .updateTable('webhook_deliveries')
        .set({ status: 'cancelled', payload_sealed: null, completed_at: now, updated_at: now })
        .where('subscription_id', '=', subscriptionId)
        .where('status', 'in', OPEN)
        .executeTakeFirst();
      return Number(res.numUpdatedRows);
    },

    async hasDue(now) {
      return (await due(now).select('id').limit(1).executeTakeFirst()) !== undefined;
    },
    async claimDue({ workerId, now, leaseUntil, limit, paceHorizonMs }) {
      const paced = now + paceHorizonMs;
      if (dialect === 'postgres') {
        // FOR UPDATE SKIP LOCKED (PostgreSQL SELECT docs): a row another transaction is claiming is
        // skipped instead of waited for, and a row it already claimed fails the re-checked WHERE
        // (its lease is live), so two workers never claim the same attempt.
        const { rows } = await sql<Selectable<WebhookDeliveriesTable>>`
          with picked as (
            select id from webhook_deliveries
            where status = 'pending' and next_attempt_at <= ${now} and (lease_until is null or lease_until < ${now})
              and attempts < ${MAX_DELIVERY_ATTEMPTS}
              and subscription_id not in (select id from webhook_subscriptions where rate_next_at > ${paced})
            order by next_attempt_at, id
            limit ${limit}
            for update skip locked
          )
          update webhook_deliveries d
          set attempts = d.attempts + 1, lease_until = ${leaseUntil}, leased_by = ${workerId}, last_attempt_at = ${now}, updated_at = ${now}
          from picked where d.id = picked.id
          returning d.*`.execute(db);
        return rows.map(rowToDelivery);
      }
      // SQLite has one writer at a time: inside the caller's transaction this UPDATE ... RETURNING
      // both picks and leases the rows before any other writer can look.
      const picked = due(now)
        .select('id')
        .where('attempts', '<', MAX_DELIVERY_ATTEMPTS)
        .where('subscription_id', 'not in', db.selectFrom('webhook_subscriptions').select('webhook_subscriptions.id').where('rate_next_at', '>', paced))
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit);
      const rows = await db
        .updateTable('webhook_deliveries')
        .set((eb) => ({ attempts: eb('attempts', '+', 1), lease_until: leaseUntil, leased_by: workerId, last_attempt_at: now, updated_at: now }))
        .where('id', 'in', picked)
        .returningAll()
        .execute();
      return rows.map(rowToDelivery);
    },
    async failAbandonedExhausted(now, limit) {
      let picked = due(now).select('id').where('attempts', '>=', MAX_DELIVERY_ATTEMPTS).orderBy('id').limit(limit);
      if (dialect === 'postgres') picked = picked.forUpdate().skipLocked();
      const rows = await db
        .updateTable('webhook_deliveries')
        .set({ status: 'failed', payload_sealed: null, completed_at: now, updated_at: now, lease_until: null, leased_by: null, last_error: 'lease_expired' })
        .where('id', 'in', picked)
        .returningAll()
        .execute();
      return rows.map(rowToDelivery);
    },
    async getDelivery(id, opts = {}) {
      let q = db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id);
      if (opts.forUpdate && dialect === 'postgres') q = q.forUpdate();
      const row = await q.executeTakeFirst();
      return row ? rowToDelivery(row) : null;
    },
    async listDeliveries(page, filter = {}) {
      // Newest first: ids are time-ordered, so the cursor walks backwards (as the audit log does).
      let q = db.selectFrom('webhook_deliveries').selectAll().orderBy('id', 'desc').limit(page.limit + 1);
      if (page.after) q = q.where('id', '<', page.after);
      if (filter.applicationId) q = q.where('application_id', '=', filter.applicationId);
      if (filter.subscriptionId) q = q.where('subscription_id', '=', filter.subscriptionId);
      if (filter.installationId) q = q.where('installation_id', '=', filter.installationId);
      if (filter.status) q = q.where('status', '=', filter.status);
      if (filter.organizationIds) {
        const orgs = [...filter.organizationIds];
        q = orgs.length === 0 ? q.where(nothing()) : q.where('application_id', 'in', db.selectFrom('applications').select('applications.id').where('applications.organization_id', 'in', orgs));
      }
      return toPage((await q.execute()).map(rowToDelivery), page, (d) => d.id);
    },
    async updateDelivery(id, p) {
      const res = await db
        .updateTable('webhook_deliveries')
        .set({
          updated_at: p.updatedAt,
          ...(p.status !== undefined ? { status: p.status } : {}),
          ...(p.erasePayload ? { payload_sealed: null } : {}),
          ...(p.nextAttemptAt !== undefined ? { next_attempt_at: p.nextAttemptAt } : {}),
          ...(p.clearLease ? { lease_until: null, leased_by: null } : {}),
          ...(p.lastStatusCode !== undefined ? { last_status_code: p.lastStatusCode } : {}),
          ...(p.lastError !== undefined ? { last_error: p.lastError } : {}),
          ...(p.completedAt !== undefined ? { completed_at: p.completedAt } : {}),
        })
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async retryNow(id, now) {
      const res = await db
        .updateTable('webhook_deliveries')
        .set({ next_attempt_at: now, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('payload_sealed', 'is not', null)
        .where('attempts', '<', MAX_DELIVERY_ATTEMPTS)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async insertAttempt(a) {
      await db
        .insertInto('webhook_attempts')
        .values({
          id: a.id,
          delivery_id: a.deliveryId,
          attempt: a.attempt,
          started_at: a.startedAt,
          duration_ms: a.durationMs,
          status_code: a.statusCode,
          error_class: a.errorClass,
          outcome: a.outcome,
        })
        .execute();
    },
    async updateAttempt(id, p) {
      await db
        .updateTable('webhook_attempts')
        .set({ duration_ms: p.durationMs, status_code: p.statusCode, error_class: p.errorClass, outcome: p.outcome, ...(p.startedAt !== undefined ? { started_at: p.startedAt } : {}) })
        .where('id', '=', id)
        .execute();
    },
    async abandonAttempts(deliveryIds) {
      if (deliveryIds.length === 0) return;
      await db.updateTable('webhook_attempts').set({ outcome: 'abandoned' }).where('delivery_id', 'in', deliveryIds).where('outcome', '=', 'in_progress').execute();
    },
    async listAttempts(deliveryIds) {
      if (deliveryIds.length === 0) return [];
      const rows = await db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', deliveryIds).orderBy('delivery_id').orderBy('attempt').execute();
      return rows.map(rowToAttempt);
    },
  };
}
