import type { Kysely, Selectable } from 'kysely';
import type { Database, WebhookSubscriptionsTable } from '../schema.js';
import type { Dialect } from '../db.js';
import type { WebhookEventType, WebhookStore, WebhookSubscription } from '../ports-webhooks.js';

const rowToSub = (r: Selectable<WebhookSubscriptionsTable>): WebhookSubscription => ({
  id: r.id,
  applicationId: r.application_id,
  url: r.url,
  events: JSON.parse(r.events) as WebhookEventType[],
  sealedSecret: r.secret_sealed,
  disabledAt: r.disabled_at,
  createdAt: r.created_at,
});

/** Statuses from which a delivery may still be sent. */
const OPEN = ['pending', 'held'];

export function webhookStore(db: Kysely<Database>, _dialect: Dialect): WebhookStore {
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

  return {
    async createSubscription(s) {
      await db
        .insertInto('webhook_subscriptions')
        .values({ id: s.id, application_id: s.applicationId, url: s.url, events: JSON.stringify(s.events), secret_sealed: s.sealedSecret, disabled_at: s.disabledAt, created_at: s.createdAt })
        .execute();
    },
    async getSubscription(id) {
      const row = await db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? rowToSub(row) : null;
    },
    async listSubscriptions(applicationId) {
      return (await db.selectFrom('webhook_subscriptions').selectAll().where('application_id', '=', applicationId).orderBy('id').execute()).map(rowToSub);
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
  };
}
