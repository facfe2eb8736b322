import type { FastifyInstance } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import type { Runtime } from '../../runtime.js';
import * as webhooks from '../../admin/webhooks.js';
import { WEBHOOK_EVENT_TYPES } from '../../storage/ports-webhooks.js';
import { destinationPolicyFor } from '../../webhooks/destination.js';
import type { Resolver } from '../../webhooks/destination.js';
import { adminScope } from './scope.js';
import * as S from './schemas.js';

const EventType = Type.Union(WEBHOOK_EVENT_TYPES.map((e) => Type.Literal(e)));

const Nullable = <T extends TSchema>(t: T, options: { description?: string } = {}) => Type.Union([t, Type.Null()], options);

const SigningSecret = Type.Object({
  id: Type.String(),
  created_at: Type.Integer(),
  expires_at: Nullable(Type.Integer(), { description: 'Null for the current secret; a previous secret keeps signing until then (the overlap of a rotation).' }),
});

const Subscription = Type.Object({
  id: Type.String(),
  application_id: Type.String(),
  url: Type.String(),
  description: Nullable(Type.String()),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  disabled_at: Nullable(Type.Integer()),
  disabled_reason: Nullable(Type.Union([Type.Literal('gone'), Type.Literal('admin'), Type.Literal('failing')]), { description: "'gone' (the receiver answered 410), 'admin' (disabled by hand) or 'failing' (only failed attempts for GRANTRY_WEBHOOK_FAILING_DISABLE_AFTER)" }),
  failing_since: Nullable(Type.Integer(), { description: 'The first failed attempt since the last successful one; null when the last attempt succeeded.' }),
  rate_limit: Nullable(Type.Integer(), { description: 'Attempts per second this endpoint receives at most, across every Grantry process; null = no limit.' }),
  secrets: Type.Array(SigningSecret, { description: 'The live signing secrets (metadata only; a secret is shown once, when created or rotated).' }),
  created_at: Type.Integer(),
  updated_at: Type.Integer(),
});

const CreatedSubscription = Type.Intersect([
  Subscription,
  Type.Object({ secret: Type.String({ description: 'The whsec_... signing secret (Standard Webhooks). Shown once.' }) }),
]);

const Url = Type.String({ maxLength: 2000, description: 'https URL (http only in development or inside GRANTRY_WEBHOOK_ALLOWED_NETWORKS)' });
const Events = Type.Array(EventType, { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length });
const Description = Nullable(Type.String({ maxLength: 500 }), { description: 'What this endpoint is, for people (at most 500 characters).' });
const RateLimit = Nullable(Type.Integer({ minimum: 1, maximum: webhooks.MAX_RATE_LIMIT }), { description: 'Attempts per second at most (all Grantry processes together); null = no limit.' });

const CreateSubscription = Type.Object(
  { url: Url, events: Events, description: Type.Optional(Description), rate_limit: Type.Optional(RateLimit) },
  { additionalProperties: false },
);

const UpdateSubscription = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    description: Type.Optional(Description),
    enabled: Type.Optional(Type.Boolean({ description: 'true re-enables a disabled endpoint: its held deliveries become pending; false holds its pending deliveries' })),
    rate_limit: Type.Optional(RateLimit),
  },
  { additionalProperties: false, minProperties: 1 },
);

const RotateSecret = Type.Object(
  {
    previous_expires_in: Type.Optional(
      Type.Integer({ minimum: 0, maximum: webhooks.MAX_PREVIOUS_SECRET_TTL, default: webhooks.DEFAULT_PREVIOUS_SECRET_TTL, description: 'Seconds the previous secret keeps signing beside the new one (default 86400; 0 = it stops at once).' }),
    ),
  },
  { additionalProperties: false },
);

const RotatedSecret = Type.Intersect([
  Subscription,
  Type.Object({
    secret: Type.String({ description: 'The new whsec_... signing secret. Shown once.' }),
    previous_secret_expires_at: Nullable(Type.Integer(), { description: 'When the previous secret stops signing; null when it stopped at once.' }),
  }),
]);

const Recover = Type.Object(
  {
    since: Type.String({ maxLength: 40, description: 'ISO 8601 time: credentials deliveries to this endpoint that failed from then on are recovered.' }),
    until: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 time (default now).' })),
  },
  { additionalProperties: false },
);

const Recovered = Type.Object({
  queued: Type.Integer({ description: 'Installations that get fresh credentials in a new INSTALLATION.UPDATE.' }),
  skipped: Type.Integer({ description: 'Installations with a failed delivery that need nothing: uninstalled, or credentials since delivered, on their way or in use.' }),
  installation_ids: Type.Array(Type.String()),
});

const EndpointQuery = Type.Object({ state: Type.Optional(Type.Union([Type.Literal('failing'), Type.Literal('disabled'), Type.Literal('enabled')])) });

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
      const r = await webhooks.createSubscription(ctx(req), deps, req.params.id, req.body);
      reply.code(201).header('cache-control', 'no-store');
      return { ...webhooks.subscriptionView(r), secret: r.secret };
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
    {
      schema: {
        tags,
        security,
        description: 'Edits an endpoint. Pending deliveries go to a new URL at their next attempt; events no longer listed stop being created (deliveries already created finish).',
        params: SubParams,
        body: UpdateSubscription,
        response: withErrors({ 200: Type.Intersect([Subscription, Type.Object({ released_deliveries: Type.Integer(), held_deliveries: Type.Integer() })]) }),
      },
    },
    async (req) => {
      const r = await webhooks.updateSubscription(ctx(req), deps, req.params.id, req.params.webhook_id, req.body);
      return { ...webhooks.subscriptionView(r), released_deliveries: r.released, held_deliveries: r.held };
    },
  );
  app.delete('/applications/:id/webhooks/:webhook_id', { schema: { tags, security, params: SubParams, response: withErrors({ 204: Type.Null() }) } }, async (req, reply) => {
    await webhooks.deleteSubscription(ctx(req), req.params.id, req.params.webhook_id);
    reply.code(204);
    return null;
  });
  app.post(
    '/applications/:id/webhooks/:webhook_id/secret/rotate',
    {
      schema: {
        tags,
        security,
        description: 'A new signing secret, shown once. During the overlap every attempt carries both signatures (webhook-signature: v1,<new> v1,<previous>); after it the previous secret is erased.',
        params: SubParams,
        body: RotateSecret,
        response: withErrors({ 200: RotatedSecret }),
      },
      // Every field is optional: `curl -X POST .../secret/rotate` with no body at all rotates with the defaults.
      preValidation: async (req) => {
        if (req.body === undefined || req.body === null) req.body = {};
      },
    },
    async (req, reply) => {
      const r = await webhooks.rotateSecret(ctx(req), deps, req.params.id, req.params.webhook_id, req.body);
      reply.header('cache-control', 'no-store');
      return { ...webhooks.subscriptionView(r), secret: r.secret, previous_secret_expires_at: r.previousExpiresAt };
    },
  );
  app.post(
    '/applications/:id/webhooks/:webhook_id/test',
    { schema: { tags, security, description: 'Sends a signed WEBHOOK.TEST message (no credentials) through the normal delivery path.', params: SubParams, response: withErrors({ 202: Delivery }) } },
    async (req, reply) => {
      const r = await webhooks.sendTestEvent(ctx(req), deps, req.params.id, req.params.webhook_id);
      reply.code(202);
      return webhooks.deliveryView(r.delivery, r.attempts);
    },
  );
  app.post(
    '/applications/:id/webhooks/:webhook_id/recover',
    {
      schema: {
        tags,
        security,
        description: 'After an outage: fresh credentials (one INSTALLATION.UPDATE each) for every installation whose credentials delivery to this endpoint failed in [since, until). Credentials ever delivered are never changed.',
        params: SubParams,
        body: Recover,
        response: withErrors({ 202: Recovered }),
      },
    },
    async (req, reply) => {
      const r = await webhooks.recoverEndpoint(ctx(req), rt.tokenDeps, req.params.id, req.params.webhook_id, req.body);
      reply.code(202);
      return { queued: r.queued, skipped: r.skipped, installation_ids: r.installationIds };
    },
  );
  app.get(
    '/webhooks',
    {
      schema: {
        tags,
        security,
        description: "Endpoints across applications, e.g. ?state=failing or ?state=disabled (the console's dashboard). A member sees their organizations' applications' endpoints.",
        querystring: EndpointQuery,
        response: withErrors({ 200: Type.Object({ items: Type.Array(Type.Intersect([Subscription, Type.Object({ application_name: Nullable(Type.String()) })])) }) }),
      },
    },
    async (req) => ({
      items: (await webhooks.findSubscriptions(ctx(req), req.query)).map((e) => ({ ...webhooks.subscriptionView(e), application_name: e.applicationName })),
    }),
  );

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
