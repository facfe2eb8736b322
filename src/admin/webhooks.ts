/**
 * Webhook subscriptions and the delivery log: the service shared by the management API and the CLI.
 * Signing secrets are returned once, at creation; payloads (which carry tokens) are never returned.
 * Subscriptions and deliveries belong to an application: its organization's members see them, and
 * change them as they change the application (admin/access.ts).
 */
import type { SecretBox } from '../crypto/secret-box.js';
import { newId } from '../domain/random.js';
import type { Application } from '../domain/application.js';
import type { Page } from '../storage/ports.js';
import {
  MAX_DELIVERY_ATTEMPTS,
  WEBHOOK_EVENT_TYPES,
  type DeliveryStatus,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookEventType,
  type WebhookSubscription,
} from '../storage/ports-webhooks.js';
import { BlockedDestinationError, DnsError, type DestinationPolicy } from '../webhooks/destination.js';
import { generateSigningSecret } from '../webhooks/signing.js';
import { audit, pageRequest, type AdminContext } from './context.js';
import { findApplication, findApplicationForChange, requireChangeOf } from './applications.js';
import { getInstallation } from './installations.js';
import { canRead, isPlatformAdmin, visibleOrganizationIds } from './access.js';
import { AdminError, invalid, notFound } from './problem.js';

export interface WebhookAdminDeps {
  box: SecretBox;
  policy: DestinationPolicy;
}

const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'succeeded', 'failed', 'held', 'cancelled', 'superseded'];
const MAX_SUBSCRIPTIONS = 10;

export const secretContext = (subscriptionId: string): string => `webhook_subscriptions:${subscriptionId}`;

export function subscriptionView(s: WebhookSubscription): Record<string, unknown> {
  return {
    id: s.id,
    application_id: s.applicationId,
    url: s.url,
    events: s.events,
    enabled: s.disabledAt === null,
    disabled_at: s.disabledAt,
    disabled_reason: s.disabledReason ?? null,
    created_at: s.createdAt,
  };
}

export function attemptView(a: WebhookAttempt): Record<string, unknown> {
  return { attempt: a.attempt, started_at: a.startedAt, duration_ms: a.durationMs, status_code: a.statusCode, error_class: a.errorClass, outcome: a.outcome };
}

/** Never the payload: it holds the tokens (OWASP API7; the research notes' delivery-log rule). */
export function deliveryView(d: WebhookDelivery, attempts: WebhookAttempt[]): Record<string, unknown> {
  return {
    id: d.id,
    subscription_id: d.subscriptionId,
    application_id: d.applicationId,
    installation_id: d.installationId,
    credentials_version: d.credentialsVersion,
    event_type: d.eventType,
    message_id: d.messageId,
    status: d.status,
    attempt_count: d.attempts,
    max_attempts: MAX_DELIVERY_ATTEMPTS,
    next_attempt_at: d.status === 'pending' ? d.nextAttemptAt : null,
    last_attempt_at: d.lastAttemptAt,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    payload_retained: d.sealedPayload !== null,
    created_at: d.createdAt,
    completed_at: d.completedAt,
    attempts: attempts.map(attemptView),
  };
}

function validateEvents(value: unknown): WebhookEventType[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((e) => typeof e !== 'string')) {
    throw invalid('events', `must be a non-empty list of ${WEBHOOK_EVENT_TYPES.join(', ')}`);
  }
  const unknown = (value as string[]).filter((e) => !WEBHOOK_EVENT_TYPES.includes(e as WebhookEventType));
  if (unknown.length > 0) throw invalid('events', `unknown event types: ${unknown.join(' ')} (known: ${WEBHOOK_EVENT_TYPES.join(', ')})`);
  return [...new Set(value as WebhookEventType[])];
}

/** URL rules plus the address check (for fast feedback; the sender checks again on every attempt). */
async function validateUrl(policy: DestinationPolicy, value: unknown): Promise<string> {
  if (typeof value !== 'string' || value.trim() === '') throw invalid('url', 'is required');
  const problem = policy.urlProblem(value);
  if (problem) throw invalid('url', problem);
  const url = new URL(value);
  try {
    await policy.resolve(url);
  } catch (err) {
    if (err instanceof BlockedDestinationError || err instanceof DnsError) throw invalid('url', err.message);
    throw err;
  }
  return url.href;
}

export async function createSubscription(
  ctx: AdminContext,
  deps: WebhookAdminDeps,
  appIdOrClientId: string,
  input: { url?: unknown; events?: unknown },
): Promise<{ subscription: WebhookSubscription; secret: string }> {
  const app = await findApplicationForChange(ctx, appIdOrClientId);
  const events = validateEvents(input.events);
  const url = await validateUrl(deps.policy, input.url);
  if ((await ctx.stores.webhooks.listSubscriptions(app.id)).length >= MAX_SUBSCRIPTIONS) {
    throw new AdminError('conflict', `an application has at most ${MAX_SUBSCRIPTIONS} webhook subscriptions`);
  }
  const now = ctx.clock.now();
  const id = newId('whs', now, ctx.random);
  const secret = generateSigningSecret(ctx.random);
  const subscription: WebhookSubscription = {
    id,
    applicationId: app.id,
    url,
    events,
    // Signing needs the secret itself, so it is sealed (AES-GCM, bound to the row), not hashed.
    sealedSecret: deps.box.encrypt(secret, secretContext(id)),
    disabledAt: null,
    disabledReason: null,
    createdAt: now,
  };
  await ctx.stores.transaction(async (tx) => {
    await tx.webhooks.createSubscription(subscription);
    // The host only: a URL's path or query may carry a partner's own credentials.
    await audit(tx, ctx, 'webhook.subscription_created', { type: 'webhook_subscription', id }, { application_id: app.id, host: new URL(url).host, events });
  });
  return { subscription, secret };
}

async function ownedSubscription(ctx: AdminContext, app: Application, subscriptionId: string): Promise<WebhookSubscription> {
  const sub = await ctx.stores.webhooks.getSubscription(subscriptionId);
  // Another application's subscription is "not found", not "forbidden" (do not confirm it exists).
  if (!sub || sub.applicationId !== app.id) throw notFound('webhook subscription', subscriptionId);
  return sub;
}

export async function listSubscriptions(ctx: AdminContext, appIdOrClientId: string): Promise<WebhookSubscription[]> {
  const app = await findApplication(ctx, appIdOrClientId);
  return ctx.stores.webhooks.listSubscriptions(app.id);
}

export async function getSubscription(ctx: AdminContext, appIdOrClientId: string, subscriptionId: string): Promise<WebhookSubscription> {
  return ownedSubscription(ctx, await findApplication(ctx, appIdOrClientId), subscriptionId);
}

/**
 * `enabled: true` re-enables a subscription disabled by a 410 (or by hand): its held deliveries
 * become pending again, due now. `enabled: false` disables it: its pending deliveries are held.
 */
export async function updateSubscription(
  ctx: AdminContext,
  appIdOrClientId: string,
  subscriptionId: string,
  input: { enabled?: unknown },
): Promise<{ subscription: WebhookSubscription; released: number; held: number }> {
  const app = await findApplicationForChange(ctx, appIdOrClientId);
  const sub = await ownedSubscription(ctx, app, subscriptionId);
  if (typeof input.enabled !== 'boolean') throw invalid('enabled', 'must be true or false');
  const now = ctx.clock.now();
  let released = 0;
  let held = 0;
  await ctx.stores.transaction(async (tx) => {
    if (input.enabled && sub.disabledAt !== null) released = await tx.webhooks.enableSubscription(sub.id, now);
    if (!input.enabled && sub.disabledAt === null) held = await tx.webhooks.disableSubscription(sub.id, now, 'admin');
    await audit(tx, ctx, input.enabled ? 'webhook.subscription_enabled' : 'webhook.subscription_disabled', { type: 'webhook_subscription', id: sub.id }, { application_id: app.id, released, held });
  });
  return { subscription: (await ctx.stores.webhooks.getSubscription(sub.id))!, released, held };
}

/** Deletes a subscription; its undelivered messages are cancelled (their payloads erased). */
export async function deleteSubscription(ctx: AdminContext, appIdOrClientId: string, subscriptionId: string): Promise<void> {
  const app = await findApplicationForChange(ctx, appIdOrClientId);
  const sub = await ownedSubscription(ctx, app, subscriptionId);
  const now = ctx.clock.now();
  await ctx.stores.transaction(async (tx) => {
    const cancelled = await tx.webhooks.cancelForSubscription(sub.id, now);
    await tx.webhooks.deleteSubscription(sub.id);
    await audit(tx, ctx, 'webhook.subscription_deleted', { type: 'webhook_subscription', id: sub.id }, { application_id: app.id, cancelled_deliveries: cancelled });
  });
}

export interface DeliveryQuery {
  limit?: number | undefined;
  cursor?: string | undefined;
  application_id?: string | undefined;
  subscription_id?: string | undefined;
  installation_id?: string | undefined;
  status?: string | undefined;
}

export async function listDeliveries(ctx: AdminContext, q: DeliveryQuery): Promise<{ page: Page<WebhookDelivery>; attempts: Map<string, WebhookAttempt[]> }> {
  if (q.status !== undefined && !DELIVERY_STATUSES.includes(q.status as DeliveryStatus)) throw invalid('status', `must be one of ${DELIVERY_STATUSES.join(', ')}`);
  if (!isPlatformAdmin(ctx.principal)) {
    // A filter naming what the caller cannot see is 404, as the object itself would be.
    if (q.application_id) await findApplication(ctx, q.application_id);
    if (q.subscription_id) {
      const sub = await ctx.stores.webhooks.getSubscription(q.subscription_id);
      const app = sub ? await ctx.stores.applications.get(sub.applicationId) : null;
      if (!app || !canRead(ctx.principal, app.organizationId)) throw notFound('webhook subscription', q.subscription_id);
    }
    if (q.installation_id) await getInstallation(ctx, q.installation_id);
  }
  const page = await ctx.stores.webhooks.listDeliveries(pageRequest(q.limit, q.cursor), {
    applicationId: q.application_id,
    subscriptionId: q.subscription_id,
    installationId: q.installation_id,
    status: q.status as DeliveryStatus | undefined,
    // In the query: a member's pages hold only their organizations' applications' deliveries.
    organizationIds: visibleOrganizationIds(ctx.principal) ?? undefined,
  });
  return { page, attempts: groupAttempts(await ctx.stores.webhooks.listAttempts(page.items.map((d) => d.id))) };
}

function groupAttempts(all: WebhookAttempt[]): Map<string, WebhookAttempt[]> {
  const by = new Map<string, WebhookAttempt[]>();
  for (const a of all) by.set(a.deliveryId, [...(by.get(a.deliveryId) ?? []), a]);
  return by;
}

/**
 * A delivery belongs to the application it is sent for (the partner's, for installation credentials):
 * its organization's members see it; the merchant's members do not, since its log is the receiver's.
 */
async function visibleDelivery(ctx: AdminContext, id: string): Promise<{ delivery: WebhookDelivery; app: Application | null }> {
  const delivery = await ctx.stores.webhooks.getDelivery(id);
  if (!delivery) throw notFound('webhook delivery', id);
  const app = await ctx.stores.applications.get(delivery.applicationId);
  if (!isPlatformAdmin(ctx.principal) && (!app || !canRead(ctx.principal, app.organizationId))) throw notFound('webhook delivery', id);
  return { delivery, app };
}

export async function getDelivery(ctx: AdminContext, id: string): Promise<{ delivery: WebhookDelivery; attempts: WebhookAttempt[] }> {
  const { delivery } = await visibleDelivery(ctx, id);
  return { delivery, attempts: await ctx.stores.webhooks.listAttempts([id]) };
}

/**
 * Re-sends the same message (same webhook-id, so receivers de-duplicate) now, instead of at its next
 * scheduled time. Only while it still has its payload and attempts left: an ended delivery's token
 * material is erased, and a 3-day-old token is never re-sent; reissuing the installation's
 * credentials sends fresh ones in a new message.
 */
export async function retryDelivery(ctx: AdminContext, id: string): Promise<{ delivery: WebhookDelivery; attempts: WebhookAttempt[] }> {
  const { delivery, app } = await visibleDelivery(ctx, id);
  // Retrying changes what the application's receiver gets: the application's change rule. A delivery
  // whose application is gone was seen only by a platform administrator, who may retry it.
  if (app) await requireChangeOf(ctx, app, () => notFound('webhook delivery', id));
  const now = ctx.clock.now();
  const refuse = (why: string) => new AdminError('conflict', why);
  switch (delivery.status) {
    case 'failed':
      throw refuse(
        `delivery ${id} failed after ${delivery.attempts} attempts and its payload was erased; ` +
          (delivery.installationId ? `reissue the credentials instead: POST /api/v1/installations/${delivery.installationId}/reissue` : 'it cannot be re-sent'),
      );
    case 'held':
      throw refuse(`delivery ${id} is held because its subscription is disabled; re-enable it (PATCH {"enabled": true}) and held deliveries are sent`);
    case 'succeeded':
    case 'cancelled':
    case 'superseded':
      throw refuse(`delivery ${id} is ${delivery.status} and its payload was erased; it cannot be re-sent` + (delivery.installationId ? `; to send fresh credentials, reissue: POST /api/v1/installations/${delivery.installationId}/reissue` : ''));
    case 'pending':
      break;
  }
  await ctx.stores.transaction(async (tx) => {
    if (!(await tx.webhooks.retryNow(id, now))) throw refuse(`delivery ${id} can no longer be retried (no attempts left or payload erased)`);
    await audit(tx, ctx, 'webhook.delivery_retried', { type: 'webhook_delivery', id }, { attempts_spent: delivery.attempts });
  });
  return getDelivery(ctx, id);
}
