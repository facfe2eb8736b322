/**
 * Standard Webhooks signatures (spec "Signature scheme"): HMAC-SHA256 over
 * `{webhook-id}.{webhook-timestamp}.{body}`, sent as `webhook-signature: v1,<base64>`, with a
 * `whsec_<base64>` secret. The reference `standardwebhooks` package signs, so receivers using it verify.
 */
import { Webhook } from 'standardwebhooks';
import type { Random } from '../domain/random.js';

/**
 * The sealing context of an endpoint's signing secrets: each is bound to its endpoint, so a sealed
 * secret copied to another endpoint's row does not open.
 */
export const secretContext = (subscriptionId: string): string => `webhook_subscriptions:${subscriptionId}`;

/** 32 random bytes: inside the spec's 24–64 byte range for symmetric secrets. */
export function generateSigningSecret(random: Random): string {
  return `whsec_${random.bytes(32).toString('base64')}`;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Headers of one attempt. The timestamp is the attempt's (re-signed on every retry, as the spec asks),
 * so a retry days later still passes the receiver's ±5 minute tolerance.
 *
 * Several secrets (a rotation's overlap) give several signatures, space-separated, newest first: the
 * Standard Webhooks spec ("Signature scheme") lets `webhook-signature` carry a list, and a receiver
 * accepts the message when any one of them verifies with its secret, so a receiver still holding the
 * previous secret and one already holding the new secret both verify it.
 */
export function signMessage(secrets: string | readonly string[], messageId: string, nowMs: number, body: string): SignedHeaders {
  const timestamp = new Date(Math.floor(nowMs / 1000) * 1000);
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (list.length === 0) throw new Error('a webhook message needs at least one signing secret');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(nowMs / 1000)),
    'webhook-signature': list.map((secret) => new Webhook(secret).sign(messageId, timestamp, body)).join(' '),
  };
}
