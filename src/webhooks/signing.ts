/**
 * Standard Webhooks signatures (spec "Signature scheme"): HMAC-SHA256 over
 * `{webhook-id}.{webhook-timestamp}.{body}`, sent as `webhook-signature: v1,<base64>`, with a
 * `whsec_<base64>` secret. The reference `standardwebhooks` package signs, so receivers using it verify.
 */
import { Webhook } from 'standardwebhooks';
import type { Random } from '../domain/random.js';

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
 */
export function signMessage(secret: string, messageId: string, nowMs: number, body: string): SignedHeaders {
  const timestamp = new Date(Math.floor(nowMs / 1000) * 1000);
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(nowMs / 1000)),
    'webhook-signature': new Webhook(secret).sign(messageId, timestamp, body),
  };
}
