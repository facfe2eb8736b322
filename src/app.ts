import AjvCompiler from '@fastify/ajv-compiler';
import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import cors from '@fastify/cors';
import { trustProxySetting } from './config/load.js';
import swagger from '@fastify/swagger';
import type { Runtime } from './runtime.js';
import { errorHandler, sendOAuth, sendProblem } from './http/errors.js';
import { oauthRoutes } from './http/oauth-routes.js';
import { cibaRoutes } from './http/ciba-routes.js';
import { browserRoutes } from './http/browser-routes.js';
import { dialectRoutes } from './http/dialect-routes.js';
import { wellKnownRoutes } from './http/well-known.js';
import { consoleRoutes } from './http/console-routes.js';
import { healthRoutes } from './http/health.js';
import { adminRoutes } from './http/admin/routes.js';
import { webhookRoutes } from './http/admin/webhook-routes.js';
import { installationRoutes } from './http/admin/installation-routes.js';
import { userRoutes } from './http/admin/user-routes.js';
import { decoupledRoutes } from './http/admin/decoupled-routes.js';
import { statsRoutes } from './http/admin/stats-routes.js';
import { Problem } from './http/admin/schemas.js';
import { OAuthError } from './domain/oauth-error.js';

export interface BuildAppOptions {
  /** pino options, or false for no logging (tests). */
  logger?: boolean | Record<string, unknown>;
}

/** Request lines are logged at info; at warn and above the hook is not even installed. */
const LOGS_REQUESTS = new Set(['info', 'debug', 'trace']);

/** Paths whose query string may carry credentials: never logged with it. */
const routeOf = (url: string): string => url.split('?', 1)[0]!;

/** The endpoints a browser app of another origin may call (GRANTRY_CORS_ORIGINS). */
const CORS_PATHS = /^\/(oauth\/(token|revoke|introspect|bc-authorize)|\.well-known\/(oauth-authorization-server|jwks\.json))$/;

/**
 * Query strings and path parameters arrive as text, so they are coerced to the schema's types
 * (`?limit=5`). A JSON body already has types, and coercing them changes what the caller said: with
 * coercion, `null` for an integer-or-null field became 0 (`"refresh_token_ttl": null`, "the server
 * default", turned into 0, "no expiry"), and `"5"` passed as 5. Bodies are validated as sent.
 */
type ValidatorFactory = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']>;

function noCoercionForBodies(): ValidatorFactory {
  const pool = AjvCompiler();
  return (externalSchemas, options) => {
    const custom = (options as { customOptions?: Record<string, unknown> } | undefined)?.customOptions ?? {};
    const coercing = pool(externalSchemas as never, { ...options, customOptions: custom } as never);
    const exact = pool(externalSchemas as never, { ...options, customOptions: { ...custom, coerceTypes: false } } as never);
    return (route) => (route.httpPart === 'body' ? exact : coercing)(route);
  };
}

export async function buildApp(rt: Runtime, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  // Direct HTTPS serving (GRANTRY_TLS_CERT/KEY); otherwise TLS ends at a proxy (docs/operations.md).
  // Node enforces requestTimeout only when it sweeps its connections, every connectionsCheckingInterval
  // (default 30 s): a 1 s timeout would let a slow client hold its connection for up to 31 s. Sweep at a
  // quarter of the timeout (at least every 250 ms, at most every 30 s).
  const checking = { connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor((rt.config.requestTimeout || 120_000) / 4))) };
  const tls = rt.config.tlsCert ? { https: { cert: readFileSync(rt.config.tlsCert), key: readFileSync(rt.config.tlsKey), ...checking } } : { http: checking };
  const app = Fastify({
    ...tls,
    trustProxy: trustProxySetting(rt.config.trustProxy),
    logger: options.logger ?? false,
    bodyLimit: rt.config.bodyLimit,
    // Request lines are logged by the onResponse hook below, without query strings or headers.
    logController: new LogController({ disableRequestLogging: true }),
    // No per-request child logger: creating one (with redaction) costs microseconds on every token
    // request. Log lines that concern a request carry its id explicitly instead.
    childLoggerFactory: (logger) => logger,
    // Slow clients cannot hold a connection open forever (slowloris).
    requestTimeout: rt.config.requestTimeout,
    connectionTimeout: rt.config.connectionTimeout,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    schemaController: { compilersFactory: { buildValidator: noCoercionForBodies() } },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  }) as unknown as FastifyInstance;

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/oauth/')) sendOAuth(reply, new OAuthError('invalid_request', 'no such endpoint'));
    else sendProblem(reply, 'not_found', `no route ${req.method} ${routeOf(req.url)}`);
  });
  // Callback-style hooks: an async hook costs a promise per request on the token hot path.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-content-type-options', 'nosniff');
    // RFC 6797: once a browser has reached us over https, it must never fall back to http. Sent only
    // on https (directly, or per X-Forwarded-Proto from a trusted proxy): over http it means nothing.
    if (req.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    done();
  });
  if (rt.config.requestTimeout > 0) {
    // Node's requestTimeout ends with the headers (measured on Node 20: a body dripped a byte at a time
    // is never cut off), so a slow body would hold its connection and its parser indefinitely. The same
    // limit applies to the body, counted from the end of the headers. Only requests with a body still
    // on its way pay for a timer.
    const limit = rt.config.requestTimeout;
    app.addHook('onRequest', (req, reply, done) => {
      const raw = req.raw;
      if (!raw.complete && (raw.headers['transfer-encoding'] !== undefined || (raw.headers['content-length'] !== undefined && raw.headers['content-length'] !== '0'))) {
        const timer = setTimeout(() => {
          // Still reading the body? A request already answered, or one without a real socket (injected
          // in tests, whose stream may never emit 'end'), has nothing to cut: no per-request cleanup hook needed.
          if (raw.complete || reply.sent) return;
          const socket = raw.socket as { writable?: boolean; write?: (s: string) => void; destroy?: () => void } | null;
          if (!socket || typeof socket.destroy !== 'function') return;
          if (socket.writable && typeof socket.write === 'function') socket.write('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
          socket.destroy();
        }, limit);
        timer.unref();
        const clear = () => clearTimeout(timer);
        raw.once('end', clear);
        raw.once('close', clear);
      }
      done();
    });
  }
  if (rt.config.corsOrigins.length > 0) {
    // Single-page public clients call the token endpoints and metadata from their own origin; nothing
    // else answers cross-origin requests (the management API uses bearer tokens from the console's own
    // origin, and the pages are navigations).
    const allowed = rt.config.corsOrigins;
    await app.register(cors, () => (req: FastifyRequest, cb: (err: Error | null, options: Record<string, unknown>) => void) =>
      cb(null, CORS_PATHS.test(routeOf(req.url)) ? { origin: allowed, methods: ['GET', 'POST'], allowedHeaders: ['authorization', 'content-type'], maxAge: 600 } : { origin: false }),
    );
  }
  if (options.logger && rt.config.logLevel !== 'silent' && LOGS_REQUESTS.has(rt.config.logLevel)) {
    app.addHook('onResponse', (req, reply, done) => {
      req.log.info({ reqId: req.id, method: req.method, path: routeOf(req.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
      done();
    });
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Grantry management API', version: '1', description: 'Organizations, scopes, applications, secrets, signing keys and the audit log. Errors are RFC 9457 problem documents.' },
      servers: [{ url: rt.config.issuer }],
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token with scope grantry:admin (client_credentials of the admin application: a platform administrator, every right), or a person\'s token with scope grantry:console from a first-party application (the console): a person with platform_admin has every right, any other person acts for the organizations they belong to, by role (owner, admin, developer). Another organization\'s objects answer 404; an operation the role does not allow answers 403 forbidden. Signing keys, the audit log and users are for platform administrators only.' } } },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });

  // Shared by every management-API route (RFC 9457 problem document).
  app.addSchema(Problem);
  await app.register(async (scope) => oauthRoutes(scope, rt));
  await app.register(async (scope) => cibaRoutes(scope, rt));
  await app.register(async (scope) => browserRoutes(scope, rt));
  await app.register(async (scope) => dialectRoutes(scope, rt));
  await app.register(async (scope) => wellKnownRoutes(scope, rt));
  await app.register(async (scope) => healthRoutes(scope, rt));
  await app.register(async (scope) => consoleRoutes(scope));
  await app.register(async (scope) => adminRoutes(scope, rt), { prefix: '/api/v1' });
  await app.register(async (scope) => webhookRoutes(scope, rt), { prefix: '/api/v1' });
  await app.register(async (scope) => installationRoutes(scope, rt), { prefix: '/api/v1' });
  await app.register(async (scope) => userRoutes(scope, rt), { prefix: '/api/v1' });
  await app.register(async (scope) => decoupledRoutes(scope, rt), { prefix: '/api/v1' });
  await app.register(async (scope) => statsRoutes(scope, rt), { prefix: '/api/v1' });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  return app;
}
