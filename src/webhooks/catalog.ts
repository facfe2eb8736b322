/**
 * The catalogue of every event Grantry sends by webhook: what it means, when it is sent, what the
 * receiver must do, the JSON Schema of its `data` and an example message. It is the published
 * contract: `GET /api/v1/webhook-event-types` serves it, docs/webhook-events.md is generated from it
 * (npm run docs:webhook-events), and the test receivers validate every message Grantry sends against
 * it, so a payload that drifts from this file fails the tests rather than a partner's receiver.
 *
 * The shapes are restated here, not imported from the code that builds them (admin/installations.ts,
 * grants/refresh-token.ts, admin/webhooks.ts): webhooks/ sits left of those rooms, and a contract that
 * is derived from its implementation would change silently with it.
 */
import { FormatRegistry, Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { REFRESH_TOKEN_PREFIX } from '../domain/installation.js';
import { WEBHOOK_TEST_EVENT, type DeliveryEventType } from '../storage/ports-webhooks.js';

// TypeBox checks a `format` only through its registry (an unknown format fails every value). Grantry
// writes times with Date#toISOString, and URLs from the configured issuer.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)));
if (!FormatRegistry.Has('uri')) FormatRegistry.Set('uri', (v) => URL.canParse(v));

// --- the pieces of the payloads ---

const DateTime = (description: string) => Type.String({ format: 'date-time', description });
const InstallationId = Type.String({ minLength: 1, description: 'The installation (`ins_...`): the key to store credentials under.' });
const OrganizationId = Type.String({ minLength: 1, description: 'The merchant organization (`org_...`) that installed the application: the resource owner, `sub` and `merchant_id` of the access tokens.' });
const ClientId = Type.String({ minLength: 1, description: 'Your application\'s client_id: use it with your client secret at the token endpoint.' });
const CredentialsVersion = Type.Integer({
  minimum: 1,
  description: 'Bumped by every credentials mint of the installation (install, scope change, reissue, recovery). Keep only the highest version you have received: messages may arrive out of order.',
});
const Scopes = Type.Array(Type.String({ minLength: 1, description: 'A scope name, `audience:operation`.' }), {
  minItems: 1,
  uniqueItems: true,
  description: 'The scopes the merchant granted; the refresh token yields access tokens for these (or a subset you ask for).',
});

const InstallationCredentials = Type.Object(
  {
    installation_id: InstallationId,
    organization_id: OrganizationId,
    client_id: ClientId,
    scopes: Scopes,
    credentials_version: CredentialsVersion,
    refresh_token: Type.String({
      pattern: `^${REFRESH_TOKEN_PREFIX}[A-Za-z0-9_-]+$`,
      maxLength: 200,
      description: `Opaque (\`${REFRESH_TOKEN_PREFIX}...\`); do not parse it. Grantry keeps only a hash: this message is the one time it exists in clear, so store it durably before answering 2xx.`,
    }),
    refresh_token_expires_at: Type.Union([DateTime('When the refresh token expires unless used: each use starts a new idle period (never past the family\'s absolute cap).'), Type.Null()], {
      description: 'Absolute expiry of the refresh token if unused, or null when it does not expire while the installation lives.',
    }),
    access_token: Type.String({
      pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
      description: 'A JWT access token (RFC 9068) for the granted scopes, valid for 5 minutes by default (GRANTRY_WEBHOOK_ACCESS_TOKEN_TTL): for a first call without a refresh.',
    }),
    access_token_expires_at: DateTime('Absolute expiry of the access token: a retry may arrive after it, then refresh at once.'),
    token_type: Type.Literal('Bearer', { description: 'Send the access token as `Authorization: Bearer <access_token>`.' }),
    token_endpoint: Type.String({ format: 'uri', description: 'Where to use the refresh token (grant_type=refresh_token, with your client credentials).' }),
  },
  { additionalProperties: false },
);

const InstallationDeleted = Type.Object(
  {
    installation_id: InstallationId,
    organization_id: OrganizationId,
    client_id: Type.Union([ClientId, Type.Null()], {
      description: 'Your application\'s client_id; null only if the application itself was deleted in the meantime.',
    }),
    uninstalled_at: DateTime('When the installation ended; every token of it stopped working at that moment.'),
  },
  { additionalProperties: false },
);

const ReuseDetected = Type.Object(
  {
    installation_id: InstallationId,
    organization_id: OrganizationId,
    client_id: ClientId,
    credentials_version: Type.Integer({ minimum: 1, description: 'The credentials version of the revoked refresh-token family.' }),
    revoked_at: DateTime('When the family was revoked.'),
  },
  { additionalProperties: false },
);

const TestEvent = Type.Object(
  {
    application_id: Type.String({ minLength: 1, description: 'The application (`app_...`) the endpoint belongs to.' }),
    webhook_id: Type.String({ minLength: 1, description: 'The endpoint (`whs_...`) the test was sent to.' }),
    test: Type.Literal(true, { description: 'Always true: nothing happened, nothing to store.' }),
  },
  { additionalProperties: false },
);

// --- the catalogue ---

export interface WebhookEventDefinition {
  type: DeliveryEventType;
  /** What it means, when it is sent, what the receiver must do. */
  description: string;
  /** False for events that are only sent on request (WEBHOOK.TEST) and cannot be listed in `events`. */
  subscribable: boolean;
  /** True when `data` holds tokens: the message must be stored durably before answering 2xx. */
  carries_credentials: boolean;
  /** JSON Schema of `data` (TypeBox, so the same object validates in tests). */
  schema: TObject;
  /** A whole message `{type, timestamp, data}` as a receiver gets it; token values are fake. */
  example: { type: DeliveryEventType; timestamp: string; data: Record<string, unknown> };
}

// Example values: realistic in shape (they pass the schemas), visibly fake in content.
const EXAMPLE_TIME = '2026-11-22T12:00:00.000Z';
const EXAMPLE = {
  installation_id: 'ins_01jd8x2k7m0000000000000000',
  organization_id: 'org_01jd8w9c3e0000000000000000',
  client_id: 'cid_EXAMPLE_partner_app',
  application_id: 'app_01jd8wb4zq0000000000000000',
  webhook_id: 'whs_01jd8wd1fa0000000000000000',
  // The length of a real one (32 random bytes, base64url).
  refresh_token: `${REFRESH_TOKEN_PREFIX}${'EXAMPLE-not-a-real-refresh-token-'.padEnd(43, '0')}`,
  token_endpoint: 'https://auth.platform.example/oauth/token',
};
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const EXAMPLE_IAT = Date.parse(EXAMPLE_TIME) / 1000;
/** A JWT whose header and claims decode to what Grantry would put there, and whose signature says it is fake. */
const exampleAccessToken = (scopes: string[]) =>
  [
    b64url({ alg: 'RS256', typ: 'at+jwt', kid: 'EXAMPLE-key' }),
    b64url({
      iss: 'https://auth.platform.example',
      sub: EXAMPLE.organization_id,
      aud: 'orders',
      scope: scopes.join(' '),
      client_id: EXAMPLE.client_id,
      iat: EXAMPLE_IAT,
      exp: EXAMPLE_IAT + 300,
      jti: '00000000-0000-4000-8000-000000000000',
      merchant_id: EXAMPLE.organization_id,
      installation_id: EXAMPLE.installation_id,
      grant_id: 'rfam_01jd8x2k7m0000000000000000',
    }),
    Buffer.from('EXAMPLE-signature-not-valid').toString('base64url'),
  ].join('.');

const credentialsExample = (type: 'INSTALLATION.CREATE' | 'INSTALLATION.UPDATE', version: number, scopes: string[]) => ({
  type,
  timestamp: EXAMPLE_TIME,
  data: {
    installation_id: EXAMPLE.installation_id,
    organization_id: EXAMPLE.organization_id,
    client_id: EXAMPLE.client_id,
    scopes,
    credentials_version: version,
    refresh_token: EXAMPLE.refresh_token,
    refresh_token_expires_at: '2026-12-22T12:00:00.000Z',
    access_token: exampleAccessToken(scopes),
    access_token_expires_at: '2026-11-22T12:05:00.000Z',
    token_type: 'Bearer',
    token_endpoint: EXAMPLE.token_endpoint,
  },
});

const STORE_FIRST =
  'This message is the only way your application receives this refresh token (Grantry keeps only a hash of it): verify the signature, store the credentials durably (encrypted) under `installation_id` and only then answer 2xx; a 2xx ends the delivery and the message is erased. De-duplicate on the `webhook-id` header, and keep only the highest `credentials_version` per installation: messages may arrive out of order and a retry may come days later, so compare the absolute expiry times with your clock.';

/** Every event Grantry sends, in the order the docs list them. */
export const WEBHOOK_EVENT_CATALOG: readonly WebhookEventDefinition[] = [
  {
    type: 'INSTALLATION.CREATE',
    description: `A merchant installed your application. Carries the installation's first credentials: a refresh token and a short-lived access token. ${STORE_FIRST} Your first use of the refresh token at the token endpoint counts as receipt: remaining retries of this message stop.`,
    subscribable: true,
    carries_credentials: true,
    schema: InstallationCredentials,
    example: credentialsExample('INSTALLATION.CREATE', 1, ['orders:read', 'orders:write']),
  },
  {
    type: 'INSTALLATION.UPDATE',
    description: `New credentials for an existing installation: the merchant changed the granted scopes, an administrator reissued them (typically after a delivery failed), or they were re-sent to recover from an outage of your endpoint. Same shape as INSTALLATION.CREATE, with a higher \`credentials_version\`. ${STORE_FIRST} The refresh token you held keeps working (narrowed to the new scopes) until you first use the new one; from then on only the new one works.`,
    subscribable: true,
    carries_credentials: true,
    schema: InstallationCredentials,
    example: credentialsExample('INSTALLATION.UPDATE', 2, ['orders:read']),
  },
  {
    type: 'INSTALLATION.DELETE',
    description:
      'The merchant uninstalled your application. Every refresh token and access token of the installation stopped working when it was sent, and undelivered credentials messages for it were cancelled. Delete the stored credentials of `installation_id` and stop acting for the merchant. Carries no tokens.',
    subscribable: true,
    carries_credentials: false,
    schema: InstallationDeleted,
    example: {
      type: 'INSTALLATION.DELETE',
      timestamp: EXAMPLE_TIME,
      data: { installation_id: EXAMPLE.installation_id, organization_id: EXAMPLE.organization_id, client_id: EXAMPLE.client_id, uninstalled_at: EXAMPLE_TIME },
    },
  },
  {
    type: 'REFRESH_TOKEN.REUSE_DETECTED',
    description:
      'A refresh token of the installation that had already been used (rotated) was presented again, outside the grace period. One of the two callers may be an attacker holding a copied token, and Grantry cannot tell which, so it revoked the whole refresh-token family (RFC 9700 §4.14.2): its refresh tokens fail with `invalid_grant` and its access tokens are inactive at introspection. The installation itself is still active. Treat it as a security incident: look for where the token leaked (or for a retry that re-sent a spent token), discard the stored credentials of that `credentials_version`, and ask the merchant or the platform to reissue the installation, which sends new credentials in an INSTALLATION.UPDATE. Carries no tokens.',
    subscribable: true,
    carries_credentials: false,
    schema: ReuseDetected,
    example: {
      type: 'REFRESH_TOKEN.REUSE_DETECTED',
      timestamp: EXAMPLE_TIME,
      data: { installation_id: EXAMPLE.installation_id, organization_id: EXAMPLE.organization_id, client_id: EXAMPLE.client_id, credentials_version: 1, revoked_at: EXAMPLE_TIME },
    },
  },
  {
    type: WEBHOOK_TEST_EVENT,
    description:
      'A test message, sent only when someone asks for it (`POST /api/v1/applications/:id/webhooks/:webhook_id/test`, or "Send test event" in the console), through the normal delivery path: signed like every message, retried like every message. Use it to check that your endpoint is reachable and verifies signatures. Answer 2xx and do nothing else. It cannot be subscribed to, and carries no tokens.',
    subscribable: false,
    carries_credentials: false,
    schema: TestEvent,
    example: { type: WEBHOOK_TEST_EVENT, timestamp: EXAMPLE_TIME, data: { application_id: EXAMPLE.application_id, webhook_id: EXAMPLE.webhook_id, test: true } },
  },
];

export type InstallationCredentialsData = Static<typeof InstallationCredentials>;
export type InstallationDeletedData = Static<typeof InstallationDeleted>;
export type ReuseDetectedData = Static<typeof ReuseDetected>;
export type WebhookTestData = Static<typeof TestEvent>;

const byType = new Map(WEBHOOK_EVENT_CATALOG.map((e) => [e.type, e]));

/** The catalogue entry of `type`, or undefined for a type Grantry does not send. */
export function webhookEventDefinition(type: string): WebhookEventDefinition | undefined {
  return byType.get(type as DeliveryEventType);
}

/** The schema of a whole message of `type`: the Standard Webhooks envelope around that event's `data`. */
export function webhookMessageSchema(def: WebhookEventDefinition): TSchema {
  return Type.Object(
    {
      type: Type.Literal(def.type),
      timestamp: DateTime('When the event happened (the same on every retry; the `webhook-timestamp` header is the attempt\'s).'),
      data: def.schema,
    },
    { additionalProperties: false },
  );
}

/** A catalogue entry as plain JSON (TypeBox marks its schemas with symbol keys, which JSON drops anyway). */
export function webhookEventView(def: WebhookEventDefinition): { type: string; description: string; subscribable: boolean; carries_credentials: boolean; schema: Record<string, unknown>; example: WebhookEventDefinition['example'] } {
  return {
    type: def.type,
    description: def.description,
    subscribable: def.subscribable,
    carries_credentials: def.carries_credentials,
    schema: JSON.parse(JSON.stringify(def.schema)) as Record<string, unknown>,
    example: def.example,
  };
}

export interface WebhookMessageViolation {
  /** JSON pointer into the message (`/data/refresh_token`), or '' for the message itself. */
  path: string;
  message: string;
}

// Compiled once: the test receivers check every message they get (hundreds in the concurrency tests).
let checks: Map<string, TypeCheck<TSchema>> | null = null;
const checkFor = (def: WebhookEventDefinition): TypeCheck<TSchema> => {
  checks ??= new Map(WEBHOOK_EVENT_CATALOG.map((d) => [d.type, TypeCompiler.Compile(webhookMessageSchema(d))]));
  return checks.get(def.type)!;
};

/**
 * Checks one message body (the raw JSON text or the parsed value) against the catalogue: the
 * envelope `{type, timestamp, data}`, a `type` Grantry sends, and `data` against that type's schema.
 * Returns the violations; empty means valid.
 */
export function validateWebhookMessage(json: unknown): WebhookMessageViolation[] {
  let message = json;
  if (typeof json === 'string') {
    try {
      message = JSON.parse(json);
    } catch (err) {
      return [{ path: '', message: `not JSON: ${(err as Error).message}` }];
    }
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return [{ path: '', message: 'a message must be a JSON object {type, timestamp, data}' }];
  const type = (message as { type?: unknown }).type;
  const def = typeof type === 'string' ? webhookEventDefinition(type) : undefined;
  if (!def) return [{ path: '/type', message: `${JSON.stringify(type)} is not an event type of the catalogue (${WEBHOOK_EVENT_CATALOG.map((e) => e.type).join(', ')})` }];
  // TypeBox reports a missing field twice (required, then wrong type): the first per path says it.
  const seen = new Set<string>();
  return [...checkFor(def).Errors(message)].filter((e) => !seen.has(e.path) && seen.add(e.path)).map((e) => ({ path: e.path, message: e.message }));
}
