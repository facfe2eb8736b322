/**
 * Storage port of webhook subscriptions and the delivery outbox. The contract between the
 * installation/refresh code (which enqueues and marks receipt inside its own transactions) and the
 * delivery worker (which claims, attempts and completes deliveries).
 */

export const WEBHOOK_EVENT_TYPES = ['INSTALLATION.CREATE', 'INSTALLATION.UPDATE', 'INSTALLATION.DELETE', 'REFRESH_TOKEN.REUSE_DETECTED'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface WebhookSubscription {
  id: string;
  applicationId: string;
  url: string;
  events: WebhookEventType[];
  /** The `whsec_...` signing secret, sealed with the master key (it must be used again to sign). */
  sealedSecret: string;
  /** Set when the receiver answered 410 Gone (or an admin disabled it): deliveries are held, never dropped. */
  disabledAt: number | null;
  createdAt: number;
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
  eventType: WebhookEventType;
  /** Standard Webhooks `webhook-id`: the same on every attempt and on a manual retry. */
  messageId: string;
  /** The whole JSON message, sealed with the master key; erased once the delivery ends. */
  sealedPayload: string;
  nextAttemptAt: number;
  createdAt: number;
}

export interface WebhookStore {
  createSubscription(sub: WebhookSubscription): Promise<void>;
  getSubscription(id: string): Promise<WebhookSubscription | null>;
  listSubscriptions(applicationId: string): Promise<WebhookSubscription[]>;
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
}
