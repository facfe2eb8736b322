/**
 * Storage port of webhook subscriptions and the delivery outbox. The contract between the
 * installation/refresh code (which enqueues and marks receipt inside its own transactions) and the
 * delivery worker (which claims, attempts and completes deliveries).
 */
import type { Page, PageRequest } from './paging.js';

export const WEBHOOK_EVENT_TYPES = ['INSTALLATION.CREATE', 'INSTALLATION.UPDATE', 'INSTALLATION.DELETE', 'REFRESH_TOKEN.REUSE_DETECTED'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/**
 * Sent only on request (POST .../webhooks/:id/test) through the normal delivery path, to whichever
 * events the endpoint subscribes to; carries no credentials. Not subscribable.
 */
export const WEBHOOK_TEST_EVENT = 'WEBHOOK.TEST' as const;
/** Every event type a delivery row can carry. */
export type DeliveryEventType = WebhookEventType | typeof WEBHOOK_TEST_EVENT;

/** Why an endpoint is disabled: the receiver answered 410, someone disabled it, or it only failed for too long. */
export type DisabledReason = 'gone' | 'admin' | 'failing';

export interface WebhookSubscription {
  id: string;
  applicationId: string;
  url: string;
  description: string | null;
  events: WebhookEventType[];
  /** Attempts per second this endpoint may receive (shared by every worker on the database); null = unlimited. */
  rateLimit: number | null;
  /** Set when disabled (410, by hand, or failing too long): deliveries are held, never dropped. */
  disabledAt: number | null;
  disabledReason?: DisabledReason | null;
  /** Time of the first failed attempt since the last successful one; null after a success. */
  failingSince: number | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * One signing secret of an endpoint. `expiresAt` null is the current secret; a rotation gives the
 * previous one an expiry (the overlap), after which it is no longer used and the purge erases it.
 */
export interface WebhookSigningSecret {
  id: string;
  subscriptionId: string;
  /** The `whsec_...` secret sealed with the master key (context: secretContext(subscriptionId)). */
  sealedSecret: string;
  createdAt: number;
  expiresAt: number | null;
}

/** Fields an edit may change (undefined = unchanged). */
export interface SubscriptionPatch {
  url?: string;
  events?: WebhookEventType[];
  description?: string | null;
  rateLimit?: number | null;
  updatedAt: number;
}

/** What reserveSendSlot answers: a slot to send at, or the time before which none is free. */
export type SendSlot = { slot: number } | { notBefore: number };

export interface SubscriptionFilter {
  /** failing: enabled but only failing since failing_since; disabled: any reason; enabled: not disabled. */
  state?: 'failing' | 'disabled' | 'enabled' | undefined;
  /** Only endpoints of applications of these organizations (a member's own; empty = none). */
  organizationIds?: readonly string[] | undefined;
}

/**
 * pending: waiting for its next attempt (or being attempted under a lease);
 * succeeded: a 2xx arrived; failed: 10 attempts spent; held: its subscription is disabled;
 * cancelled: the delivered refresh token was already used (receipt), or the installation ended;
 * superseded: a newer credentials message for the same installation replaced it.
 */
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'held' | 'cancelled' | 'superseded';

export interface NewDelivery {
  id: string;
  subscriptionId: string;
  applicationId: string;
  /** The installation whose credentials this message carries, if any. */
  installationId: string | null;
  /** The installation credentials version carried (INSTALLATION.CREATE/UPDATE), else null. */
  credentialsVersion: number | null;
  eventType: DeliveryEventType;
  /** Standard Webhooks `webhook-id`: the same on every attempt and on a manual retry. */
  messageId: string;
  /** The whole JSON message, sealed with the master key; erased once the delivery ends. */
  sealedPayload: string;
  nextAttemptAt: number;
  createdAt: number;
}

/** Standard Webhooks' example schedule has exactly 10 attempts; the outbox never makes more. */
export const MAX_DELIVERY_ATTEMPTS = 10;

/** A delivery row as the worker and the management API see it. */
export interface WebhookDelivery extends Omit<NewDelivery, 'sealedPayload'> {
  /** Null once the delivery ended (succeeded, failed, cancelled, superseded): the token material is gone. */
  sealedPayload: string | null;
  status: DeliveryStatus;
  /** Attempts claimed so far (counted at claim time, so a crash mid-send still spends one). */
  attempts: number;
  leaseUntil: number | null;
  leasedBy: string | null;
  lastAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  updatedAt: number;
  completedAt: number | null;
}

/** in_progress: claimed, not completed yet; abandoned: its worker's lease expired before it reported. */
export type AttemptOutcome = 'in_progress' | 'succeeded' | 'failed' | 'abandoned';

/** One HTTP attempt. Never holds the request body (it carries tokens) nor the response body. */
export interface WebhookAttempt {
  id: string;
  deliveryId: string;
  attempt: number;
  startedAt: number;
  durationMs: number | null;
  statusCode: number | null;
  errorClass: string | null;
  outcome: AttemptOutcome;
}

export interface DeliveryFilter {
  applicationId?: string | undefined;
  subscriptionId?: string | undefined;
  installationId?: string | undefined;
  status?: DeliveryStatus | undefined;
  /** Only deliveries of applications of these organizations (a member's own; empty = none). */
  organizationIds?: readonly string[] | undefined;
}

/** Fields the worker sets when an attempt completes. */
export interface DeliveryPatch {
  status?: DeliveryStatus;
  /** true erases the sealed payload (the delivery ended). */
  erasePayload?: boolean;
  nextAttemptAt?: number;
  clearLease?: boolean;
  lastStatusCode?: number | null;
  lastError?: string | null;
  completedAt?: number | null;
  updatedAt: number;
}

export interface WebhookStore {
  /** Creates an endpoint with its first (current) signing secret. */
  createSubscription(sub: WebhookSubscription, secret: WebhookSigningSecret): Promise<void>;
  getSubscription(id: string): Promise<WebhookSubscription | null>;
  listSubscriptions(applicationId: string): Promise<WebhookSubscription[]>;
  /** Endpoints across applications (the dashboard's failing and disabled endpoints), at most `limit`. */
  findSubscriptions(filter: SubscriptionFilter, limit: number): Promise<WebhookSubscription[]>;
  updateSubscription(id: string, patch: SubscriptionPatch): Promise<boolean>;

  // --- signing secrets ---
  /** Every secret row of the endpoint (expired ones not yet purged included), newest first. */
  listSecrets(subscriptionId: string): Promise<WebhookSigningSecret[]>;
  /**
   * Makes `next` the current secret. The previous current one expires at `previousExpiresAt` (erased
   * at once when that is not after `now`); previous secrets beyond the newest `keepPrevious` are erased.
   */
  rotateSecret(next: WebhookSigningSecret, previousExpiresAt: number, now: number, keepPrevious: number): Promise<void>;

  // --- endpoint health and pacing (the worker) ---
  /** A successful attempt clears failing_since; a failed one sets it if unset. Returns the new value. */
  recordEndpointResult(subscriptionId: string, ok: boolean, now: number): Promise<number | null>;
  /**
   * Reserves the next send slot of a rate-limited endpoint, atomically across processes: slots are
   * `intervalMs` apart; a slot later than `now + horizonMs` is not reserved (`notBefore` says when to come back).
   */
  reserveSendSlot(subscriptionId: string, now: number, intervalMs: number, horizonMs: number): Promise<SendSlot>;
  /**
   * Gives a claimed delivery back unattempted (its endpoint has no free slot): the claim's attempt
   * count is undone and it is due at `nextAttemptAt`. Only while `workerId` still holds the claim.
   */
  releaseClaim(id: string, claim: { workerId: string; attempts: number; attemptId: string; nextAttemptAt: number; now: number }): Promise<boolean>;
  /** Credentials deliveries of the endpoint that failed (10 attempts spent), created in [since, until). */
  failedCredentialDeliveries(subscriptionId: string, since: number, until: number): Promise<WebhookDelivery[]>;
  /** Subscriptions of an application that receive `eventType` (disabled ones included: their deliveries are held). */
  subscriptionsFor(applicationId: string, eventType: WebhookEventType): Promise<WebhookSubscription[]>;
  deleteSubscription(id: string): Promise<boolean>;

  /** Writes one outbox row; call inside the transaction of the state change it announces. */
  enqueue(delivery: NewDelivery, status: 'pending' | 'held'): Promise<void>;
  /** Pending or held credentials messages of `installationId` older than `version` become superseded (payload erased). */
  supersedeCredentials(installationId: string, version: number, now: number): Promise<number>;
  /** The partner used the refresh token of `version`: its pending/held messages are cancelled (payload erased). */
  markReceived(installationId: string, version: number, now: number): Promise<number>;
  /** The installation ended: every pending/held credentials message of it is cancelled (payload erased). */
  cancelForInstallation(installationId: string, now: number): Promise<number>;

  // --- subscription state (management API) ---
  /**
   * Disables an enabled subscription and holds every pending delivery of it; returns how many were
   * held, or null when it was already disabled (so of concurrent disablers exactly one reports it).
   */
  disableSubscription(id: string, at: number, reason: DisabledReason): Promise<number | null>;
  /**
   * Re-enables (and forgets failing_since); its held deliveries become pending, due now (a fresh start,
   * attempts already spent stay spent).
   */
  enableSubscription(id: string, now: number): Promise<number>;
  /** The subscription was deleted: its open deliveries are cancelled (payload erased). */
  cancelForSubscription(subscriptionId: string, now: number): Promise<number>;

  // --- the worker ---
  /** True when some pending delivery is due and not leased (a cheap check before a claim transaction). */
  hasDue(now: number): Promise<boolean>;
  /**
   * Claims up to `limit` due deliveries with fewer than 10 attempts: increments `attempts` and leases
   * them to `workerId` until `leaseUntil`. PostgreSQL: FOR UPDATE SKIP LOCKED, so concurrent workers
   * never claim the same row. Deliveries of a rate-limited endpoint with no send slot free before
   * `now + paceHorizonMs` are left alone. Call inside a transaction.
   */
  claimDue(args: { workerId: string; now: number; leaseUntil: number; limit: number; paceHorizonMs: number }): Promise<WebhookDelivery[]>;
  /** Due deliveries whose 10th attempt was claimed but never completed (a crash): marked failed, returned. */
  failAbandonedExhausted(now: number, limit: number): Promise<WebhookDelivery[]>;
  /** Reads one delivery; `forUpdate` locks its row on PostgreSQL until the transaction ends. */
  getDelivery(id: string, opts?: { forUpdate?: boolean }): Promise<WebhookDelivery | null>;
  listDeliveries(page: PageRequest, filter?: DeliveryFilter): Promise<Page<WebhookDelivery>>;
  updateDelivery(id: string, patch: DeliveryPatch): Promise<boolean>;
  /** Makes a pending delivery due now (manual retry); false unless it is pending with payload and attempts left. */
  retryNow(id: string, now: number): Promise<boolean>;
  insertAttempt(attempt: WebhookAttempt): Promise<void>;
  /** `startedAt`, when given, is when the request was actually sent (after waiting for a send slot). */
  updateAttempt(id: string, patch: Pick<WebhookAttempt, 'durationMs' | 'statusCode' | 'errorClass' | 'outcome'> & { startedAt?: number }): Promise<void>;
  /** Marks in-progress attempts of these deliveries as abandoned (their lease expired). */
  abandonAttempts(deliveryIds: readonly string[]): Promise<void>;
  listAttempts(deliveryIds: readonly string[]): Promise<WebhookAttempt[]>;
}
