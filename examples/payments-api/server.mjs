// A tiny resource server ("payments") that accepts Grantry access tokens through grantry/verify.
//
//   GET  /payments   needs payments:read    → the merchant's payments
//   POST /payments   needs payments:create  → creates one for the token's merchant
//
// Run it (after `npm run build` in the repository root):
//   GRANTRY_ISSUER=http://localhost:4000 node examples/payments-api/server.mjs
// Introspection mode (sees uninstalls and revocations within a few seconds):
//   GRANTRY_INTROSPECT_CLIENT_ID=... GRANTRY_INTROSPECT_CLIENT_SECRET=... node examples/payments-api/server.mjs
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import { createVerifier, fastifyRequireScopes } from 'grantry/verify';

/**
 * Builds the API (not listening). `verifier` options other than issuer pass through to createVerifier,
 * so tests can inject a clock; `introspection` turns on introspection mode.
 */
export function buildPaymentsApi({ issuer, introspection, now, fetch, logger = false }) {
  const verifier = createVerifier({ issuer, audience: 'payments', introspection, now, fetch });
  const app = Fastify({ logger });
  /** In memory, for the example: payments by merchant. */
  const payments = new Map();

  // The token says which merchant it acts for: a merchant's own Token Application and an installed
  // partner app both carry merchant_id. A token without one cannot use a merchant's payments.
  const merchantOf = (request, reply) => {
    const merchant = request.grantry?.merchant_id;
    if (!merchant) reply.code(403).send({ error: 'access_denied', error_description: 'the token does not act for a merchant' });
    return merchant;
  };

  app.get('/payments', { onRequest: fastifyRequireScopes(verifier, 'payments:read') }, async (request, reply) => {
    const merchant = merchantOf(request, reply);
    if (!merchant) return reply;
    return { merchant_id: merchant, client_id: request.grantry.client_id, payments: payments.get(merchant) ?? [] };
  });

  app.post(
    '/payments',
    {
      onRequest: fastifyRequireScopes(verifier, 'payments:create'),
      schema: {
        body: {
          type: 'object',
          required: ['amount', 'currency'],
          additionalProperties: false,
          properties: { amount: { type: 'integer', minimum: 1 }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } },
        },
      },
    },
    async (request, reply) => {
      const merchant = merchantOf(request, reply);
      if (!merchant) return reply;
      const payment = {
        id: `pay_${randomUUID()}`,
        merchant_id: merchant,
        amount: request.body.amount,
        currency: request.body.currency,
        created_by: request.grantry.client_id,
        installation_id: request.grantry.installation_id ?? null,
      };
      payments.set(merchant, [...(payments.get(merchant) ?? []), payment]);
      return reply.code(201).send(payment);
    },
  );

  app.addHook('onClose', async () => verifier.close());
  return app;
}

// Started directly: configuration from the environment.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const issuer = process.env.GRANTRY_ISSUER ?? 'http://localhost:4000';
  const clientId = process.env.GRANTRY_INTROSPECT_CLIENT_ID;
  const clientSecret = process.env.GRANTRY_INTROSPECT_CLIENT_SECRET;
  const introspection = clientId && clientSecret ? { clientId, clientSecret, cacheSeconds: 5 } : undefined;
  const app = buildPaymentsApi({ issuer, introspection, logger: true });
  const port = Number(process.env.PORT ?? 4100);
  await app.listen({ port, host: process.env.HOST ?? '127.0.0.1' });
  app.log.info(`payments API for ${issuer}, ${introspection ? 'introspection' : 'JWT-only'} mode`);
}
