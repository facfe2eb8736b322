// A partner's service built with grantry/partner: it receives installations by webhook, keeps their
// tokens (sealed) in a SQLite file or PostgreSQL, and calls the merchant's payments API
// (examples/payments-api) with an access token it refreshes only when needed.
//
//   POST /webhooks/grantry                 Grantry's INSTALLATION.* webhooks (Standard Webhooks signatures)
//   GET  /installations                    the installations this service has seen
//   GET  /installations/:id/payments       → GET  {PAYMENTS_URL}/payments  for that merchant
//   POST /installations/:id/payments       → POST {PAYMENTS_URL}/payments  {"amount", "currency"}
//
// Run it (after `npm run build` in the repository root): see README.md, or `node examples/partner-app/demo.mjs`
// for everything at once.
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import { createInstallationReceiver, createTokenManager, InstallationRevokedError, UnknownInstallationError, postgresStore, sqliteStore } from 'grantry/partner';

/**
 * Builds the service (not listening). `store` is any grantry/partner store; `webhookSecrets` one
 * secret, or the new and the old during a rotation.
 */
export function buildPartnerApp({ issuer, clientId, clientSecret, webhookSecrets, store, paymentsUrl, logger = false, onEvent }) {
  const app = Fastify({ logger });
  /** What the webhooks told us, for GET /installations (the tokens themselves are only in the store). */
  const installations = new Map();

  const receiver = createInstallationReceiver({
    secrets: webhookSecrets,
    store,
    onEvent: async (event) => {
      if (event.installationId) {
        const known = installations.get(event.installationId) ?? { installation_id: event.installationId };
        installations.set(event.installationId, {
          ...known,
          organization_id: event.data.organization_id ?? known.organization_id ?? null,
          scopes: event.data.scopes ?? known.scopes ?? [],
          status: event.type === 'INSTALLATION.DELETE' ? 'uninstalled' : event.type === 'REFRESH_TOKEN.REUSE_DETECTED' ? 'revoked' : 'active',
          last_event: event.type,
        });
      }
      app.log.info({ type: event.type, installation_id: event.installationId, webhook_id: event.webhookId }, 'webhook');
      await onEvent?.(event);
    },
    logger: (level, message, fields) => app.log[level](fields, message),
  });
  const manager = createTokenManager({ issuer, clientId, clientSecret, store, logger: (level, message, fields) => app.log[level](fields, message) });

  // The receiver is an encapsulated plugin: raw bodies for the signature inside it, JSON elsewhere.
  app.register(receiver.fastifyPlugin, { prefix: '/webhooks/grantry' });

  app.get('/installations', async () => ({ items: [...installations.values()] }));

  /** Relays a call to the payments API on behalf of one installation (merchant). */
  const relay = async (request, reply, init) => {
    try {
      const res = await manager.fetch(request.params.id, `${paymentsUrl}/payments`, init);
      return reply.code(res.status).type('application/json').send(await res.text());
    } catch (err) {
      if (err instanceof InstallationRevokedError || err instanceof UnknownInstallationError) {
        return reply.code(410).send({ error: 'installation_gone', error_description: err.message });
      }
      throw err;
    }
  };
  app.get('/installations/:id/payments', (request, reply) => relay(request, reply, { method: 'GET' }));
  app.post('/installations/:id/payments', (request, reply) =>
    relay(request, reply, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request.body ?? {}) }),
  );

  app.addHook('onClose', async () => {
    await manager.close();
    await store.close();
  });
  return app;
}

/** The store from the environment: PARTNER_STORE = a postgres:// URL, or a SQLite file path. */
export function storeFromEnv(env = process.env) {
  const key = env.PARTNER_STORE_KEY;
  if (!key) throw new Error('PARTNER_STORE_KEY is required (32 random bytes, base64: openssl rand -base64 32)');
  const where = env.PARTNER_STORE ?? './data/partner.db';
  return /^postgres(ql)?:\/\//.test(where) ? postgresStore({ connectionString: where, key }) : sqliteStore({ path: where, key });
}

// Started directly: configuration from the environment.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const need = (name) => {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is required (see examples/partner-app/README.md)`);
    return v;
  };
  const app = buildPartnerApp({
    issuer: process.env.GRANTRY_ISSUER ?? 'http://localhost:4000',
    clientId: need('PARTNER_CLIENT_ID'),
    clientSecret: need('PARTNER_CLIENT_SECRET'),
    webhookSecrets: need('PARTNER_WEBHOOK_SECRETS').split(',').map((s) => s.trim()),
    store: storeFromEnv(),
    paymentsUrl: process.env.PAYMENTS_URL ?? 'http://localhost:4100',
    logger: true,
  });
  await app.listen({ port: Number(process.env.PORT ?? 4200), host: process.env.HOST ?? '127.0.0.1' });
}
