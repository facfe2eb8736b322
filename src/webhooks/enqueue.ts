/**
 * The outbox side of webhooks: called by the code that changes an installation, inside its own
 * transaction, so the event is recorded exactly when the change commits (transactional outbox).
 */
import type { SecretBox } from '../crypto/secret-box.js';
import type { Clock } from '../domain/clock.js';
import { newId, type Random } from '../domain/random.js';
import type { Stores } from '../storage/ports.js';
import type { DeliveryEventType, WebhookEventType, WebhookSubscription } from '../storage/ports-webhooks.js';

export interface EnqueueDeps {
  box: SecretBox;
  clock: Clock;
  random: Random;
}

export interface WebhookEvent {
  applicationId: string;
  eventType: WebhookEventType;
  installationId: string | null;
  /** For INSTALLATION.CREATE/UPDATE: the credentials version the message carries; older pending ones are superseded. */
  credentialsVersion: number | null;
  data: Record<string, unknown>;
}

/** The sealing context binds a sealed payload to its row: copied into another row it does not decrypt. */
export const payloadContext = (deliveryId: string): string => `webhook_deliveries:${deliveryId}`;

/**
 * Writes one delivery per subscription of the application that lists the event; returns their ids.
 * The message is the Standard Webhooks payload shape `{type, timestamp, data}`; it carries tokens, so
 * it is stored sealed with the master key and erased once the delivery ends.
 */
export async function enqueueEvent(tx: Stores, deps: EnqueueDeps, event: WebhookEvent): Promise<string[]> {
  const now = deps.clock.now();
  if (event.credentialsVersion !== null && event.installationId !== null) {
    // A newer credentials message makes older undelivered ones pointless (their tokens are replaced).
    await tx.webhooks.supersedeCredentials(event.installationId, event.credentialsVersion, now);
  }
  const subscriptions = await tx.webhooks.subscriptionsFor(event.applicationId, event.eventType);
  if (subscriptions.length === 0) return [];
  return enqueueTo(tx, deps, subscriptions, event);
}

/**
 * Writes the event's message once per listed subscription (the same webhook-id for all, as one
 * message fanned out), pending or, for a disabled subscription, held; returns the delivery ids.
 */
export async function enqueueTo(
  tx: Stores,
  deps: EnqueueDeps,
  subscriptions: readonly WebhookSubscription[],
  event: Omit<WebhookEvent, 'eventType'> & { eventType: DeliveryEventType },
): Promise<string[]> {
  const now = deps.clock.now();
  const json = JSON.stringify({ type: event.eventType, timestamp: new Date(now).toISOString(), data: event.data });
  // Standard Webhooks: webhook-id identifies the message, is the same on every retry, and has no '.'.
  const messageId = newId('msg', now, deps.random);
  const ids: string[] = [];
  for (const sub of subscriptions) {
    const id = newId('whd', now, deps.random);
    await tx.webhooks.enqueue(
      {
        id,
        subscriptionId: sub.id,
        applicationId: event.applicationId,
        installationId: event.installationId,
        credentialsVersion: event.credentialsVersion,
        eventType: event.eventType,
        messageId,
        sealedPayload: deps.box.encrypt(json, payloadContext(id)),
        nextAttemptAt: now,
        createdAt: now,
      },
      // Held, never dropped, while the subscription is disabled.
      sub.disabledAt === null ? 'pending' : 'held',
    );
    ids.push(id);
  }
  return ids;
}
