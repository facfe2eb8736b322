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
  WEBHOOK_TEST_EVENT,
  type DeliveryStatus,
  type SubscriptionPatch,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookEventType,
  type WebhookSigningSecret,
  type WebhookSubscription,
} from '../storage/ports-webhooks.js';
import type { InstallationTokenDeps } from '../protocol/installation-tokens.js';
import { BlockedDestinationError, DnsError, type DestinationPolicy } from '../webhooks/destination.js';
import { enqueueTo } from '../webhooks/enqueue.js';
import { generateSigningSecret, secretContext } from '../webhooks/signing.js';
import { audit, pageRequest, type AdminContext } from './context.js';
import { findApplication, findApplicationForChange, requireChangeOf } from './applications.js';
import { getInstallation, reissueUndelivered } from './installations.js';
import { canRead, isPlatformAdmin, visibleOrganizationIds } from './access.js';
import { AdminError, invalid, notFound } from './problem.js';

export { secretContext };

export interface WebhookAdminDeps {
  box: SecretBox;
  policy: DestinationPolicy;
}

const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'succeeded', 'failed', 'held', 'cancelled', 'superseded'];
const MAX_SUBSCRIPTIONS = 10;
/** The overlap of a secret rotation: default one day, at most a week (issue 17; Svix keeps 24 h). */
export const DEFAULT_PREVIOUS_SECRET_TTL = 86_400;
export const MAX_PREVIOUS_SECRET_TTL = 7 * 86_400;
/** Previous secrets kept through overlapping rotations: the signature header carries at most 3 signatures. */
const KEEP_PREVIOUS_SECRETS = 2;
export const MAX_RATE_LIMIT = 1000;
const MAX_DESCRIPTION = 500;

/** An endpoint as the API shows it: the subscription and its signing secrets' metadata (never a secret). */
export interface Endpoint {
  subscription: WebhookSubscription;
  secrets: WebhookSigningSecret[];
}

export function subscriptionView(e: Endpoint): Record<string, unknown> {
  const s = e.subscription;
  return {
    id: s.id,
    application_id: s.applicationId,
    url: s.url,
    description: s.description,
    events: s.events,
    enabled: s.disabledAt === null,
    disabled_at: s.disabledAt,
    disabled_reason: s.disabledReason ?? null,
    failing_since: s.failingSince,
    rate_limit: s.rateLimit,
    secrets: e.secrets.map((k) => ({ id: k.id, created_at: k.createdAt, expires_at: k.expiresAt })),
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

async function endpoint(ctx: Pick<AdminContext, 'stores' | 'clock'>, subscription: WebhookSubscription): Promise<Endpoint> {
  const now = ctx.clock.now();
  // An expired secret not purged yet signs nothing: it is not shown as live either.
  const secrets = (await ctx.stores.webhooks.listSecrets(subscription.id)).filter((k) => k.expiresAt === null || k.expiresAt > now);
  return { subscription, secrets };
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

function validateDescription(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || value.length > MAX_DESCRIPTION) throw invalid('description', `must be a text of at most ${MAX_DESCRIPTION} characters, or null`);
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

function validateRateLimit(value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_RATE_LIMIT) {
    throw invalid('rate_limit', `must be a whole number of messages per second from 1 to ${MAX_RATE_LIMIT}, or null for no limit`);
  }
  return value;
}

export interface EndpointInput {
  url?: unknown;
  events?: unknown;
  description?: unknown;
  rate_limit?: unknown;
}

export async function createSubscription(
  ctx: AdminContext,
  deps: WebhookAdminDeps,
  appIdOrClientId: string,
  input: EndpointInput,
): Promise<Endpoint & { secret: string }> {
  const app = await findApplicationForChange(ctx, appIdOrClientId);
  const events = validateEvents(input.events);
  const url = await validateUrl(deps.policy, input.url);
  const description = input.description === undefined ? null : validateDescription(input.description);
  const rateLimit = input.rate_limit === undefined ? null : validateRateLimit(input.rate_limit);
  if ((await ctx.stores.webhooks.listSubscriptions(app.id)).length >= MAX_SUBSCRIPTIONS) {
    throw new AdminError('conflict', `an application has at most ${MAX_SUBSCRIPTIONS} webhook subscriptions`);
  }
  const now = ctx.clock.now();
  const id = newId('whs', now, ctx.random);
  const secret = generateSigningSecret(ctx.random);
  const subscription: WebhookSubscription = { id, applicationId: app.id, url, description, events, rateLimit, disabledAt: null, disabledReason: null, failingSince: null, createdAt: now, updatedAt: now };
  // Signing needs the secret itself, so it is sealed (AES-GCM, bound to the endpoint), not hashed.
  const signing: WebhookSigningSecret = { id: newId('whk', now, ctx.random), subscriptionId: id, sealedSecret: deps.box.encrypt(secret, secretContext(id)), createdAt: now, expiresAt: null };
  await ctx.stores.transaction(async (tx) => {
    await tx.webhooks.createSubscription(subscription, signing);
    // The host only: a URL's path or query may carry a partner's own credentials.
    await audit(tx, ctx, 'webhook.subscription_created', { type: 'webhook_subscription', id }, { application_id: app.id, host: new URL(url).host, events, rate_limit: rateLimit });
  });
  return { subscription, secrets: [signing], secret };
}

async function ownedSubscription(ctx: AdminContext, app: Application, subscriptionId: string): Promise<WebhookSubscription> {
  const sub = await ctx.stores.webhooks.getSubscription(subscriptionId);
  // Another application's subscription is "not found", not "forbidden" (do not confirm it exists).
  if (!sub || sub.applicationId !== app.id) throw notFound('webhook subscription', subscriptionId);
  return sub;
}

export async function listSubscriptions(ctx: AdminContext, appIdOrClientId: string): Promise<Endpoint[]> {
  const app = await findApplication(ctx, appIdOrClientId);
  return Promise.all((await ctx.stores.webhooks.listSubscriptions(app.id)).map((s) => endpoint(ctx, s)));
}

export async function getSubscription(ctx: AdminContext, appIdOrClientId: string, subscriptionId: string): Promise<Endpoint> {
  return endpoint(ctx, await ownedSubscription(ctx, await findApplication(ctx, appIdOrClientId), subscriptionId));
}

/** At most this many endpoints in one listing across applications (the dashboard's). */
const FIND_LIMIT = 200;

/**
 * Endpoints across applications in a state (the dashboard's failing and disabled endpoints): every
 * one for a platform administrator, those of the caller's organizations' applications for a member.
 */
export async function findSubscriptions(ctx: AdminContext, q: { state?: string | undefined }): Promise<(Endpoint & { applicationName: string | null })[]> {
  const states = ['failing', 'disabled', 'enabled'] as const;
  if (q.state !== undefined && !states.includes(q.state as (typeof states)[number])) throw invalid('state', `must be one of ${states.join(', ')}`);
  const subs = await ctx.stores.webhooks.findSubscriptions({ state: q.state as (typeof states)[number] | undefined, organizationIds: visibleOrganizationIds(ctx.principal) ?? undefined }, FIND_LIMIT);
  const names = new Map<string, string | null>();
  for (const id of new Set(subs.map((s) => s.applicationId))) names.set(id, (await ctx.stores.applications.get(id))?.name ?? null);
  return Promise.all(subs.map(async (s) => ({ ...(await endpoint(ctx, s)), applicationName: names.get(s.applicationId) ?? null })));
}

export interface EndpointUpdate extends EndpointInput {
  enabled?: unknown;
}

const UPDATABLE = ['url', 'events', 'description', 'enabled', 'rate_limit'] as const;

/**
 * Edits an endpoint: any of url, events, description, enabled, rate_limit. Everything is validated
 * before anything is written, so a bad field changes nothing. A new URL or rate applies from the next
 * attempt of every pending delivery (the worker reads the endpoint at each claim); events no longer
 * listed stop being created, and deliveries already created finish. `enabled: true` re-enables an
 * endpoint disabled by a 410, by hand or for failing: its held deliveries become pending, due now;
 * `enabled: false` holds its pending deliveries.
 */
export async function updateSubscription(
  ctx: AdminContext,
  deps: WebhookAdminDeps,
  appIdOrClientId: string,
  subscriptionId: string,
  input: EndpointUpdate,
): Promise<Endpoint & { released: number; held: number }> {
  const app = await findApplicationForChange(ctx, appIdOrClientId);
  const sub = await ownedSubscription(ctx, app, subscriptionId);
  const given = Object.keys(input).filter((k) => (input as Record<string, unknown>)[k] !== undefined);
  const unknownField = given.find((k) => !(UPDATABLE as readonly string[]).includes(k));
  if (unknownField) throw invalid(unknownField, `is not a field of a webhook endpoint (editable: ${UPDATABLE.join(', ')})`);
  if (given.length === 0) throw invalid('(body)', `give at least one of ${UPDATABLE.join(', ')}`);
  if (input.enabled !== undefined && typeof input.enabled !== 'boolean') throw invalid('enabled', 'must be true or false');
  const patch: SubscriptionPatch = { updatedAt: ctx.clock.now() };
  if (input.events !== undefined) patch.events = validateEvents(input.events);
  if (input.description !== undefined) patch.description = validateDescription(input.description);
  if (input.rate_limit !== undefined) patch.rateLimit = validateRateLimit(input.rate_limit);
  if (input.url !== undefined) patch.url = await validateUrl(deps.policy, input.url);
  const changed = [
    ...(patch.url !== undefined && patch.url !== sub.url ? ['url'] : []),
    ...(patch.events !== undefined && JSON.stringify(patch.events) !== JSON.stringify(sub.events) ? ['events'] : []),
    ...(patch.description !== undefined && patch.description !== sub.description ? ['description'] : []),
    ...(patch.rateLimit !== undefined && patch.rateLimit !== sub.rateLimit ? ['rate_limit'] : []),
  ];
  const now = patch.updatedAt;
  let released = 0;
  let held = 0;
  await ctx.stores.transaction(async (tx) => {
    if (changed.length > 0) {
      await tx.webhooks.updateSubscription(sub.id, patch);
      await audit(tx, ctx, 'webhook.subscription_updated', { type: 'webhook_subscription', id: sub.id }, {
        application_id: app.id,
        changed,
        // The host only, as at creation: a URL's path or query may carry a partner's own credentials.
        ...(changed.includes('url') ? { host: new URL(patch.url!).host, previous_host: new URL(sub.url).host } : {}),
        ...(changed.includes('events') ? { events: patch.events, previous_events: sub.events } : {}),
        ...(changed.includes('rate_limit') ? { rate_limit: patch.rateLimit, previous_rate_limit: sub.rateLimit } : {}),
      });
    }
    if (input.enabled === true && sub.disabledAt !== null) {
      released = await tx.webhooks.enableSubscription(sub.id, now);
      await audit(tx, ctx, 'webhook.subscription_enabled', { type: 'webhook_subscription', id: sub.id }, { application_id: app.id, previous_reason: sub.disabledReason ?? null, released });
    }
    const disabled = input.enabled === false && sub.disabledAt === null ? await tx.webhooks.disableSubscription(sub.id, now, 'admin') : null;
    if (disabled !== null) {
      held = disabled;
      await audit(tx, ctx, 'webhook.subscription_disabled', { type: 'webhook_subscription', id: sub.id }, { application_id: app.id, reason: 'admin', held });
    }
  });
  return { ...(await endpoint(ctx, (await ctx.stores.webhooks.getSubscription(sub.id))!)), released, held };
}

/**
 * Rotates the signing secret. The new one is current at once and returned once; the previous one
 * keeps signing alongside it for `previous_expires_in` seconds (every attempt then carries both
 * signatures, so a receiver verifying with either accepts it), and is erased when that ends (0 =
 * erased now: a leaked secret stops at once).
 */
export async function rotateSecret(
  ctx: AdminContext,
  deps: WebhookAdminDeps,
  appIdOrClientId: string,
  subscriptionId: string,
  input: { previous_expires_in?: unknown },
): Promise<Endpoint & { secret: string; previousExpiresAt: number | null }> {
  const app = await findApplicationForChange(ctx, appIdOrClientId);
  const sub = await ownedSubscription(ctx, app, subscriptionId);
  const ttl = input.previous_expires_in ?? DEFAULT_PREVIOUS_SECRET_TTL;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0 || ttl > MAX_PREVIOUS_SECRET_TTL) {
    throw invalid('previous_expires_in', `must be whole seconds from 0 (the previous secret stops at once) to ${MAX_PREVIOUS_SECRET_TTL} (7 days)`);
  }
  const now = ctx.clock.now();
  const secret = generateSigningSecret(ctx.random);
  const next: WebhookSigningSecret = { id: newId('whk', now, ctx.random), subscriptionId: sub.id, sealedSecret: deps.box.encrypt(secret, secretContext(sub.id)), createdAt: now, expiresAt: null };
  const previousExpiresAt = ttl === 0 ? null : now + ttl * 1000;
  await ctx.stores.transaction(async (tx) => {
    await tx.webhooks.rotateSecret(next, previousExpiresAt ?? now, now, KEEP_PREVIOUS_SECRETS);
    await audit(tx, ctx, 'webhook.secret_rotated', { type: 'webhook_subscription', id: sub.id }, { application_id: app.id, secret_id: next.id, previous_expires_at: previousExpiresAt });
  });
  return { ...(await endpoint(ctx, sub)), secret, previousExpiresAt };
}

/**
 * Sends a signed WEBHOOK.TEST message to the endpoint through the normal delivery path (outbox,
 * worker, signing, retries, delivery log), whatever events it lists, so a partner can check their
 * receiver. It carries no credentials.
 */
export async function sendTestEvent(ctx: AdminContext, deps: WebhookAdminDeps, appIdOrClientId: string, subscriptionId: string): Promise<{ delivery: WebhookDelivery; attempts: WebhookAttempt[] }> {
  const app = await findApplicationForChange(ctx, appIdOrClientId);
  const sub = await ownedSubscription(ctx, app, subscriptionId);
  if (sub.disabledAt !== null) throw new AdminError('conflict', `webhook endpoint ${sub.id} is disabled (${sub.disabledReason ?? 'admin'}); re-enable it (PATCH {"enabled": true}) to send a test event`);
  const [id] = await ctx.stores.transaction(async (tx) => {
    const ids = await enqueueTo(tx, { box: deps.box, clock: ctx.clock, random: ctx.random }, [sub], {
      applicationId: app.id,
      eventType: WEBHOOK_TEST_EVENT,
      installationId: null,
      credentialsVersion: null,
      data: { application_id: app.id, webhook_id: sub.id, test: true },
    });
    await audit(tx, ctx, 'webhook.test_sent', { type: 'webhook_subscription', id: sub.id }, { application_id: app.id, delivery_id: ids[0] });
    return ids;
  });
  return { delivery: (await ctx.stores.webhooks.getDelivery(id!))!, attempts: [] };
}

const parseTime = (field: string, value: unknown): number => {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(field, 'must be an ISO 8601 date and time, e.g. 2026-12-01T00:00:00Z');
  return ms;
};

/**
 * Recovery after an outage: for every installation whose credentials delivery to this endpoint
 * failed (its 10 attempts spent) between `since` and `until` (default now), fresh credentials as one
 * INSTALLATION.UPDATE each. The expired payloads are not resurrected (their tokens were revoked when
 * they failed); an installation that has since received, is receiving, or has used credentials of
 * that version or later is skipped, so no token the partner has is changed. Each installation is its
 * own transaction: a recovery of thousands never holds one long transaction, and calling it again
 * skips what it already queued.
 */
export async function recoverEndpoint(
  ctx: AdminContext,
  tokenDeps: InstallationTokenDeps,
  appIdOrClientId: string,
  subscriptionId: string,
  input: { since?: unknown; until?: unknown },
): Promise<{ queued: number; skipped: number; installationIds: string[] }> {
  const app = await findApplicationForChange(ctx, appIdOrClientId);
  const sub = await ownedSubscription(ctx, app, subscriptionId);
  const now = ctx.clock.now();
  const since = parseTime('since', input.since);
  const until = input.until === undefined || input.until === null ? now : parseTime('until', input.until);
  if (since >= until) throw invalid('since', 'must be before until (or before now)');
  if (sub.disabledAt !== null) throw new AdminError('conflict', `webhook endpoint ${sub.id} is disabled (${sub.disabledReason ?? 'admin'}); re-enable it first (its held deliveries are released), then recover`);
  if (!sub.events.includes('INSTALLATION.UPDATE')) throw new AdminError('conflict', `webhook endpoint ${sub.id} does not receive INSTALLATION.UPDATE, which carries recovered credentials; add it to its events first`);
  const failed = new Map<string, number>();
  for (const d of await ctx.stores.webhooks.failedCredentialDeliveries(sub.id, since, until)) {
    if (d.installationId && d.credentialsVersion !== null) failed.set(d.installationId, Math.max(failed.get(d.installationId) ?? 0, d.credentialsVersion));
  }
  const installationIds: string[] = [];
  for (const [installationId, version] of [...failed].sort(([a], [b]) => a.localeCompare(b))) {
    const done = await ctx.stores.transaction((tx) => reissueUndelivered(tx, ctx, tokenDeps, app, installationId, version, sub.id));
    if (done) installationIds.push(installationId);
  }
  await ctx.stores.transaction((tx) =>
    audit(tx, ctx, 'webhook.recovered', { type: 'webhook_subscription', id: sub.id }, { application_id: app.id, since: new Date(since).toISOString(), until: new Date(until).toISOString(), queued: installationIds.length, skipped: failed.size - installationIds.length }),
  );
  return { queued: installationIds.length, skipped: failed.size - installationIds.length, installationIds };
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
