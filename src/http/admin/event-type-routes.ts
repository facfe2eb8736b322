import { Type } from '@sinclair/typebox';
import { WEBHOOK_EVENT_CATALOG, webhookEventView } from '../../webhooks/catalog.js';
import type { adminScope } from './scope.js';

// A JSON Schema and a message are open-ended objects: declared as such so the serializer passes them
// through whole (a closed schema here would strip every property it does not list).
const AnyObject = (description: string) => Type.Object({}, { additionalProperties: true, description });

const WebhookEventType = Type.Object(
  {
    type: Type.String({ description: 'The event type, as in the message\'s `type` and in a subscription\'s `events`.' }),
    description: Type.String({ description: 'What it means, when it is sent, and what the receiver must do.' }),
    subscribable: Type.Boolean({ description: 'False for WEBHOOK.TEST: sent only on request, not listed in `events`.' }),
    carries_credentials: Type.Boolean({ description: 'True when `data` holds tokens: store them durably before answering 2xx.' }),
    schema: AnyObject('JSON Schema of the message\'s `data`.'),
    example: Type.Object(
      { type: Type.String(), timestamp: Type.String(), data: AnyObject('The event\'s data (token values in examples are fake).') },
      { description: 'A whole message as a receiver gets it.' },
    ),
  },
  { $id: 'WebhookEventType' },
);

// The catalogue does not change while the process runs: rendered once.
const items = WEBHOOK_EVENT_CATALOG.map(webhookEventView);

/**
 * The catalogue of webhook events (src/webhooks/catalog.ts). Public knowledge about Grantry, not about
 * any organization: every authenticated caller of the management API may read it, people included.
 * Added to the scope of adminRoutes (people: true) rather than a scope of its own, so the bearer check
 * runs once per request.
 */
export function eventTypeRoutes({ app, security, withErrors }: ReturnType<typeof adminScope>): void {
  app.get(
    '/webhook-event-types',
    {
      schema: {
        tags: ['webhooks'],
        security,
        description: 'Every event Grantry sends to webhook endpoints, with a description, the JSON Schema of its `data` and an example message. docs/webhook-events.md is generated from the same catalogue.',
        response: withErrors({ 200: Type.Object({ items: Type.Array(WebhookEventType) }) }),
      },
    },
    async () => ({ items }),
  );
}
