import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Runtime } from '../../runtime.js';
import * as webhooks from '../../admin/webhooks.js';
import { WEBHOOK_EVENT_TYPES } from '../../storage/ports-webhooks.js';
import { destinationPolicyFor } from '../../webhooks/destination.js';
import type { Resolver } from '../../webhooks/destination.js';
import { adminScope } from './scope.js';
import * as S from './schemas.js';

const EventType = Type.Union(WEBHOOK_EVENT_TYPES.map((e) => Type.Literal(e)));

const Subscription = Type.Object({
  id: Type.String(),
  application_id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  disabled_at: Type.Union([Type.Integer(), Type.Null()]),
  disabled_reason: Type.Union([Type.String(), Type.Null()], { description: "'gone' (the receiver answered 410) or 'admin'" }),
  created_at: Type.Integer(),
});

const CreatedSubscription = Type.Intersect([
  Subscription,
  Type.Object({ secret: Type.String({ description: 'The whsec_... signing secret (Standard Webhooks). Shown once.' }) }),
]);

const CreateSubscription = Type.Object(
  {
    url: Type.String({ maxLength: 2000, description: 'https URL (http only in development or inside GRANTRY_WEBHOOK_ALLOWED_NETWORKS)' }),
    events: Type.Array(EventType, { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length }),
  },
  { additionalProperties: false },
);

const UpdateSubscription = Type.Object(
  { enabled: Type.Boolean({ description: 'true re-enables a disabled subscription: its held deliveries become pending' }) },
  { additionalProperties: false },
);

const Attempt = Type.Object({
  attempt: Type.Integer(),
  started_at: Type.Integer(),
  duration_ms: Type.Union([Type.Integer(), Type.Null()]),
  status_code: Type.Union([Type.Integer(), Type.Null()]),
  error_class: Type.Union([Type.String(), Type.Null()], { description: 'timeout, connection_refused, dns, tls, blocked_address, http_status or network' }),
  outcome: Type.String({ description: 'in_progress, succeeded, failed or abandoned (its worker stopped before reporting)' }),
});

const Delivery = Type.Object(
  {
    id: Type.String(),
    subscription_id: Type.String(),
    application_id: Type.String(),
    installation_id: Type.Union([Type.String(), Type.Null()]),
    credentials_version: Type.Union([Type.Integer(), Type.Null()]),
    event_type: Type.String(),
    message_id: Type.String({ description: 'The webhook-id header: the same on every attempt and on a manual retry.' }),
    status: Type.String({ description: 'pending, succeeded, failed, held, cancelled or superseded' }),
    attempt_count: Type.Integer(),
    max_attempts: Type.Integer(),
    next_attempt_at: Type.Union([Type.Integer(), Type.Null()]),
    last_attempt_at: Type.Union([Type.Integer(), Type.Null()]),
    last_status_code: Type.Union([Type.Integer(), Type.Null()]),
    last_error: Type.Union([Type.String(), Type.Null()]),
    payload_retained: Type.Boolean({ description: 'False once the delivery ended: the message (with its tokens) is erased.' }),
    created_at: Type.Integer(),
    completed_at: Type.Union([Type.Integer(), Type.Null()]),
    attempts: Type.Array(Attempt),
  },
  { description: 'A webhook delivery. The request body is never shown: it carries tokens.' },
);

const SubParams = Type.Object({ id: Type.String({ maxLength: 200 }), webhook_id: Type.String({ maxLength: 200 }) });

const DeliveryQuery = Type.Composite([
  S.PageQuery,
  Type.Object({
    application_id: Type.Optional(Type.String({ maxLength: 200 })),
    subscription_id: Type.Optional(Type.String({ maxLength: 200 })),
    installation_id: Type.Optional(Type.String({ maxLength: 200 })),
    status: Type.Optional(Type.String({ maxLength: 20 })),
  }),
]);

export interface WebhookRoutesOptions {
  /** DNS resolver for the registration-time address check (tests). */
  resolver?: Resolver;
}

/** Webhook subscriptions (/applications/:id/webhooks) and the delivery log (/webhook-deliveries). */
export async function webhookRoutes(root: FastifyInstance, rt: Runtime, options: WebhookRoutesOptions = {}): Promise<void> {
  const { app, ctx, security, withErrors } = adminScope(root, rt, { people: true });
  const deps: webhooks.WebhookAdminDeps = { box: rt.box, policy: destinationPolicyFor(rt.config, options.resolver) };
  const tags = ['webhooks'];

  app.post(
    '/applications/:id/webhooks',
    { schema: { tags, security, params: S.IdParams, body: CreateSubscription, response: withErrors({ 201: CreatedSubscription }) } },
    async (req, reply) => {
      const { subscription, secret } = await webhooks.createSubscription(ctx(req), deps, req.params.id, req.body);
      reply.code(201).header('cache-control', 'no-store');
      return { ...webhooks.subscriptionView(subscription), secret };
    },
  );
  app.get('/applications/:id/webhooks', { schema: { tags, security, params: S.IdParams, response: withErrors({ 200: Type.Object({ items: Type.Array(Subscription) }) }) } }, async (req) => ({
    items: (await webhooks.listSubscriptions(ctx(req), req.params.id)).map(webhooks.subscriptionView),
  }));
  app.get('/applications/:id/webhooks/:webhook_id', { schema: { tags, security, params: SubParams, response: withErrors({ 200: Subscription }) } }, async (req) =>
    webhooks.subscriptionView(await webhooks.getSubscription(ctx(req), req.params.id, req.params.webhook_id)),
  );
  app.patch(
    '/applications/:id/webhooks/:webhook_id',
    { schema: { tags, security, params: SubParams, body: UpdateSubscription, response: withErrors({ 200: Type.Intersect([Subscription, Type.Object({ released_deliveries: Type.Integer(), held_deliveries: Type.Integer() })]) }) } },
    async (req) => {
      const r = await webhooks.updateSubscription(ctx(req), req.params.id, req.params.webhook_id, req.body);
      return { ...webhooks.subscriptionView(r.subscription), released_deliveries: r.released, held_deliveries: r.held };
    },
  );
  app.delete('/applications/:id/webhooks/:webhook_id', { schema: { tags, security, params: SubParams, response: withErrors({ 204: Type.Null() }) } }, async (req, reply) => {
    await webhooks.deleteSubscription(ctx(req), req.params.id, req.params.webhook_id);
    reply.code(204);
    return null;
  });

  app.get('/webhook-deliveries', { schema: { tags, security, querystring: DeliveryQuery, response: withErrors({ 200: S.Page(Delivery) }) } }, async (req) => {
    const { page, attempts } = await webhooks.listDeliveries(ctx(req), req.query);
    return { items: page.items.map((d) => webhooks.deliveryView(d, attempts.get(d.id) ?? [])), next_cursor: page.nextCursor };
  });
  app.get('/webhook-deliveries/:id', { schema: { tags, security, params: S.IdParams, response: withErrors({ 200: Delivery }) } }, async (req) => {
    const r = await webhooks.getDelivery(ctx(req), req.params.id);
    return webhooks.deliveryView(r.delivery, r.attempts);
  });
  app.post('/webhook-deliveries/:id/retry', { schema: { tags, security, params: S.IdParams, response: withErrors({ 202: Delivery }) } }, async (req, reply) => {
    const r = await webhooks.retryDelivery(ctx(req), req.params.id);
    reply.code(202);
    return webhooks.deliveryView(r.delivery, r.attempts);
  });
}
