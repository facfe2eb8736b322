import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.js';

export async function healthRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  // Liveness: the process answers. It never touches the database, so a database outage does not
  // make an orchestrator restart every instance.
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  // Readiness: this instance can serve tokens (database reachable, a signing key loaded).
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await rt.stores.ping();
      return { status: 'ready' };
    } catch {
      reply.code(503);
      return { status: 'unavailable', reason: 'database unreachable' };
    }
  });

  if (rt.config.metrics) {
    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
      reply.type(rt.metrics.registry.contentType);
      return rt.metrics.registry.metrics();
    });
  }
}
