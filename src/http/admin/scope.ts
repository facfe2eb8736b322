import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Runtime } from '../../runtime.js';
import type { AdminContext } from '../../admin/context.js';
import { adminAuth, type AdminAuthOptions } from './auth.js';
import { errorResponses } from './schemas.js';

/**
 * What every group of management-API routes starts with: the TypeBox type provider, the bearer
 * check (grantry:admin, or with `people` also grantry:console) on every request, the caller's admin context, and the OpenAPI security and
 * error-response entries shared by all routes.
 */
export function adminScope(root: FastifyInstance, rt: Runtime, options: AdminAuthOptions = {}) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', adminAuth(rt, options));
  return {
    app,
    ctx: (req: FastifyRequest): AdminContext => rt.admin(req.actor),
    security: [{ bearerAuth: [] }],
    withErrors: <T extends object>(responses: T) => ({ ...errorResponses, ...responses }),
  };
}
