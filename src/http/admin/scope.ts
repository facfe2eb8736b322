import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Runtime } from '../../runtime.js';
import type { AdminContext } from '../../admin/context.js';
import { adminAuth, type AdminAuthOptions } from './auth.js';
import { errorResponses } from './schemas.js';

/**
 * What every group of management-API routes starts with: the TypeBox type provider, the bearer
 * check (grantry:admin, or with `people` also grantry:console) on every request, the caller's admin
 * context (carrying the caller's principal, which the operations in src/admin enforce), and the
 * OpenAPI security and error-response entries shared by all routes.
 *
 * `people` is explicit at every call rather than the default: a group whose operations do not enforce
 * the roles (admin/access.ts) must not open itself to people by omission.
 */
export function adminScope(root: FastifyInstance, rt: Runtime, options: AdminAuthOptions = {}) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', adminAuth(rt, options));
  return {
    app,
    ctx: (req: FastifyRequest): AdminContext => rt.admin(req.actor, req.principal),
    security: [{ bearerAuth: [] }],
    withErrors: <T extends object>(responses: T) => ({ ...errorResponses, ...responses }),
  };
}
