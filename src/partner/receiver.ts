/**
 * The installation webhook receiver: verifies Standard Webhooks signatures, stores the installation's
 * credentials durably, then answers 2xx (seed 000: the refresh token arrives only by this webhook, so an
 * answer of 2xx before the token is safely stored could lose the installation for good).
 *
 * Answers (Grantry retries any non-2xx, up to 10 attempts over about three days):
 * - 400: headers missing, body not a Standard Webhooks message, credentials without an installation.
 * - 401: the signature matches none of the secrets, or the timestamp is outside the tolerance
 *   (Standard Webhooks "Verifying webhook authenticity": the timestamp bounds replays).
 * - 200 `{"status":"stored"|"accepted"|"duplicate"}`: committed to the store (or nothing to store).
 *   A webhook-id already handled is acknowledged without effect: a redelivery after a lost answer stops
 *   the retries, and a replayed capture changes nothing (nor can an older credentials version replace
 *   newer ones, or revive an uninstalled installation).
 * - 503: the store failed: nothing was committed, and Grantry will retry.
 * - 500: onEvent threw: the credentials are stored; the redelivery runs onEvent again (at least once).
 * Never 410: Grantry disables an endpoint that answers 410 (Standard Webhooks "Delivery").
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { defaultLogger, errorFields, type PartnerLogger } from './log.js';
import type { TokenStore, WebhookChange } from './store.js';

/** What onEvent receives: the message without its tokens (they are in the store; use the token manager). */
export interface InstallationEvent {
  /** INSTALLATION.CREATE, INSTALLATION.UPDATE, INSTALLATION.DELETE, REFRESH_TOKEN.REUSE_DETECTED, WEBHOOK.TEST, or a newer type. */
  type: string;
  /** The webhook-id header: the same on every redelivery of one message. */
  webhookId: string;
  /** The message's own timestamp (when Grantry recorded the event), as sent. */
  timestamp: string | null;
  installationId: string | null;
  /** The message's data with refresh_token and access_token removed. */
  data: Record<string, unknown>;
  /** Whether the store changed (false for an older credentials version, a deleted installation, or an event without credentials). */
  stored: boolean;
}

export interface InstallationReceiverOptions {
  /** The subscription's signing secret(s), `whsec_...`: during a rotation, the new one and the old one. */
  secrets: string | readonly string[];
  store: TokenStore;
  /** Runs after the store committed, before the answer; throwing makes Grantry redeliver. */
  onEvent?: (event: InstallationEvent) => void | Promise<void>;
  /** Accepted distance between webhook-timestamp and now, in seconds (default and maximum 300, as standardwebhooks). */
  toleranceSeconds?: number;
  /** Largest accepted body (default 256 KiB; Grantry's messages are about 2 KiB). */
  maxBodyBytes?: number;
  /** Milliseconds since the epoch (tests). standardwebhooks itself checks the ±5 min tolerance with the real clock. */
  now?: () => number;
  logger?: PartnerLogger;
}

export interface ReceiverRequest {
  headers: Record<string, string | string[] | undefined>;
  body: string | Buffer;
}

export interface ReceiverResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The parts of a Fastify instance the plugin uses (structural: the kit does not import Fastify). */
export interface FastifyLikeInstance {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(contentType: string, options: { parseAs: 'buffer'; bodyLimit?: number }, parser: (request: any, body: Buffer, done: (err: Error | null, body?: unknown) => void) => void): unknown;
  post(path: string, options: { bodyLimit?: number }, handler: (request: { headers: Record<string, string | string[] | undefined>; body: unknown }, reply: FastifyLikeReply) => Promise<unknown>): unknown;
}

export interface FastifyLikeReply {
  code(status: number): FastifyLikeReply;
  headers(values: Record<string, string>): FastifyLikeReply;
  send(payload?: unknown): unknown;
}

/** The parts of an Express request the middleware uses (body: a Buffer from express.raw(), or unread). */
export interface ExpressLikeRequest extends IncomingMessage {
  body?: unknown;
}

export interface InstallationReceiver {
  /** A node:http request listener (also works as the handler of a route in most frameworks that pass the raw request). */
  nodeHandler: (req: IncomingMessage, res: ServerResponse) => void;
  /**
   * An encapsulated Fastify plugin: `app.register(receiver.fastifyPlugin, { prefix: '/webhooks/grantry' })`.
   * It takes the raw body inside its own context only, so the app's other routes keep their JSON parsing.
   */
  fastifyPlugin: (instance: FastifyLikeInstance, options: { path?: string }) => Promise<void>;
  /** Express: `app.post('/webhooks/grantry', receiver.expressMiddleware)` before express.json(), or after express.raw(). */
  expressMiddleware: (req: ExpressLikeRequest, res: ServerResponse, next: (err?: unknown) => void) => void;
  /** The framework-free core, for other frameworks: the raw body and the headers in, the answer out. */
  handle(request: ReceiverRequest): Promise<ReceiverResponse>;
}

const CREDENTIALS_EVENTS = new Set(['INSTALLATION.CREATE', 'INSTALLATION.UPDATE']);
const TOKEN_FIELDS = new Set(['refresh_token', 'access_token']);
const MAX_TOLERANCE_SECONDS = 300;

const json = (status: number, body: Record<string, unknown>): ReceiverResponse => ({
  status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

const header = (headers: ReceiverRequest['headers'], name: string): string | null => {
  const v = headers[name];
  const s = Array.isArray(v) ? v.join(' ') : v;
  return typeof s === 'string' && s.length > 0 ? s : null;
};

class BadMessage extends Error {}

const str = (data: Record<string, unknown>, key: string): string | null => (typeof data[key] === 'string' && (data[key] as string).length > 0 ? (data[key] as string) : null);
const time = (value: unknown): number | null => {
  if (typeof value !== 'string') return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
};

/** What the message changes in the store (payloads: src/admin/installations.ts, src/grants/refresh-token.ts). */
function changeOf(type: string, data: Record<string, unknown>, sentAt: number | null, now: number): WebhookChange {
  if (CREDENTIALS_EVENTS.has(type)) {
    const installationId = str(data, 'installation_id');
    const refreshToken = str(data, 'refresh_token');
    const version = data.credentials_version;
    if (!installationId || !refreshToken || typeof version !== 'number' || !Number.isInteger(version)) throw new BadMessage(`${type} without installation_id, refresh_token or credentials_version`);
    const accessToken = str(data, 'access_token');
    const expiresAt = time(data.access_token_expires_at);
    return {
      kind: 'credentials',
      installationId,
      credentialsVersion: version,
      refreshToken,
      accessToken: accessToken && expiresAt !== null ? accessToken : null,
      accessTokenExpiresAt: accessToken && expiresAt !== null ? expiresAt : null,
      // The message's timestamp is when the token was minted: expiry minus it is the token's lifetime.
      accessTokenIssuedAt: accessToken && expiresAt !== null ? Math.min(sentAt ?? now, expiresAt) : null,
      organizationId: str(data, 'organization_id'),
      clientId: str(data, 'client_id'),
      scopes: Array.isArray(data.scopes) ? data.scopes.filter((s): s is string => typeof s === 'string') : [],
    };
  }
  if (type === 'INSTALLATION.DELETE') {
    const installationId = str(data, 'installation_id');
    if (!installationId) throw new BadMessage('INSTALLATION.DELETE without installation_id');
    return { kind: 'delete', installationId };
  }
  // REFRESH_TOKEN.REUSE_DETECTED, WEBHOOK.TEST and types added later carry nothing to store: the
  // Standard Webhooks advice is to accept event types one does not handle.
  return { kind: 'none' };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, r: ReceiverResponse): void {
  res.writeHead(r.status, r.headers).end(r.body);
}

export function createInstallationReceiver(options: InstallationReceiverOptions): InstallationReceiver {
  const secrets = (typeof options.secrets === 'string' ? [options.secrets] : [...options.secrets]).filter((s) => s.length > 0);
  if (secrets.length === 0) throw new TypeError('createInstallationReceiver: at least one webhook secret is required');
  const verifiers = secrets.map((s) => new Webhook(s));
  const store = options.store;
  const now = options.now ?? Date.now;
  const log = options.logger ?? defaultLogger;
  const tolerance = Math.min(options.toleranceSeconds ?? MAX_TOLERANCE_SECONDS, MAX_TOLERANCE_SECONDS);
  const maxBody = options.maxBodyBytes ?? 256 * 1024;

  async function handle({ headers, body }: ReceiverRequest): Promise<ReceiverResponse> {
    const id = header(headers, 'webhook-id');
    const ts = header(headers, 'webhook-timestamp');
    const signature = header(headers, 'webhook-signature');
    if (!id || !ts || !signature) return json(400, { error: 'missing_headers', error_description: 'webhook-id, webhook-timestamp and webhook-signature are required' });
    const seconds = /^\d+$/.test(ts) ? Number(ts) : NaN;
    if (!Number.isFinite(seconds) || Math.abs(now() / 1000 - seconds) > tolerance) {
      log('warn', 'webhook refused: timestamp outside the tolerance', { webhook_id: id, webhook_timestamp: ts });
      return json(401, { error: 'stale_timestamp', error_description: `webhook-timestamp is more than ${tolerance} s from now` });
    }
    // Either secret may match: during a rotation Grantry signs with both (`v1,<new> v1,<old>`), and
    // standardwebhooks accepts a header whose any v1 signature matches (Standard Webhooks "Signature scheme").
    let message: unknown;
    let verified = false;
    for (const v of verifiers) {
      try {
        message = v.verify(body, { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': signature }, { jsonParse: false });
        verified = true;
        break;
      } catch {
        // Not this secret; the next one, or a 401.
      }
    }
    if (!verified) {
      log('warn', 'webhook refused: no signature matches the configured secrets', { webhook_id: id });
      return json(401, { error: 'invalid_signature', error_description: 'no signature matches' });
    }
    try {
      message = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
    } catch {
      return json(400, { error: 'invalid_message', error_description: 'the body is not JSON' });
    }
    const m = message as { type?: unknown; timestamp?: unknown; data?: unknown };
    if (!m || typeof m !== 'object' || typeof m.type !== 'string' || !m.data || typeof m.data !== 'object' || Array.isArray(m.data)) {
      return json(400, { error: 'invalid_message', error_description: 'expected {type, timestamp, data}' });
    }
    const data = m.data as Record<string, unknown>;
    const at = now();
    let change: WebhookChange;
    try {
      change = changeOf(m.type, data, time(m.timestamp), at);
    } catch (err) {
      log('warn', 'webhook refused: malformed message', { webhook_id: id, type: m.type, reason: (err as Error).message });
      return json(400, { error: 'invalid_message', error_description: (err as Error).message });
    }
    const tokens = [str(data, 'refresh_token'), str(data, 'access_token')];
    let outcome;
    try {
      outcome = await store.receive(id, change, { now: at, completed: !options.onEvent });
    } catch (err) {
      // Nothing committed: a non-2xx makes Grantry retry (seed 000: at most 10 attempts).
      log('error', 'storing a webhook failed; answered 503 so that Grantry retries', { webhook_id: id, type: m.type, ...errorFields(err, tokens) });
      return json(503, { error: 'store_unavailable', error_description: 'the credentials could not be stored; retry later' });
    }
    if (outcome.seen === 'done') return json(200, { status: 'duplicate' });
    if (options.onEvent) {
      const installationId = change.kind === 'none' ? str(data, 'installation_id') : change.installationId;
      const event: InstallationEvent = {
        type: m.type,
        webhookId: id,
        timestamp: typeof m.timestamp === 'string' ? m.timestamp : null,
        installationId,
        data: Object.fromEntries(Object.entries(data).filter(([k]) => !TOKEN_FIELDS.has(k))),
        stored: outcome.applied,
      };
      try {
        await options.onEvent(event);
      } catch (err) {
        log('error', 'onEvent failed; answered 500 so that Grantry redelivers (the credentials are stored)', { webhook_id: id, type: m.type, ...errorFields(err, tokens) });
        return json(500, { error: 'handler_failed' });
      }
      try {
        await store.complete(id);
      } catch (err) {
        // onEvent ran; should the message come again it runs again (at least once), the tokens stay as stored.
        log('warn', 'marking a webhook handled failed', { webhook_id: id, ...errorFields(err, tokens) });
      }
    }
    return json(200, { status: outcome.seen === 'pending' ? 'accepted' : outcome.applied ? 'stored' : 'accepted' });
  }

  const nodeHandler = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'POST') {
      send(res, { ...json(405, { error: 'method_not_allowed' }), headers: { 'content-type': 'application/json', allow: 'POST' } });
      return;
    }
    readBody(req, maxBody)
      .then(async (body) => send(res, body === null ? json(413, { error: 'body_too_large' }) : await handle({ headers: req.headers, body })))
      .catch((err: unknown) => {
        log('error', 'webhook handling failed', errorFields(err));
        if (!res.headersSent) send(res, json(500, { error: 'internal_error' }));
      });
  };

  const fastifyPlugin = async (instance: FastifyLikeInstance, opts: { path?: string }): Promise<void> => {
    // The signature covers the exact bytes: inside this plugin's context only, bodies stay raw.
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBody }, (_req, body, done) => done(null, body));
    instance.post(opts?.path ?? '/', { bodyLimit: maxBody }, async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const r = await handle({ headers: request.headers, body });
      return reply.code(r.status).headers(r.headers).send(r.body);
    });
  };

  const expressMiddleware = (req: ExpressLikeRequest, res: ServerResponse, next: (err?: unknown) => void): void => {
    if (req.method !== 'POST') return next();
    const answer = (body: Buffer | string) =>
      handle({ headers: req.headers, body })
        .then((r) => send(res, r))
        .catch(next);
    if (Buffer.isBuffer(req.body) || typeof req.body === 'string') {
      void answer(req.body);
      return;
    }
    if (req.readableEnded || (req.body !== undefined && typeof req.body === 'object' && Object.keys(req.body as object).length > 0)) {
      // express.json() already parsed it: re-serialized JSON is not the signed bytes.
      log('error', 'the webhook body was parsed before the receiver: mount it before express.json(), or after express.raw({ type: "*/*" })', {});
      send(res, json(500, { error: 'raw_body_unavailable' }));
      return;
    }
    readBody(req, maxBody)
      .then((body) => (body === null ? send(res, json(413, { error: 'body_too_large' })) : answer(body)))
      .catch(next);
  };

  return { nodeHandler, fastifyPlugin, expressMiddleware, handle };
}
