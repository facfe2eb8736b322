import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Runtime } from '../../runtime.js';
import { decideDecoupledRequest, getDecoupledRequest, listDecoupledRequests } from '../../admin/decoupled.js';
import { adminScope } from './scope.js';
import * as S from './schemas.js';

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T, description?: string) => Type.Union([t, Type.Null()], description ? { description } : {});

const DecoupledRequest = Type.Object({
  id: Type.String(),
  client_id: nullable(Type.String(), 'null when the application was deleted'),
  application_id: Type.String(),
  application_name: nullable(Type.String()),
  scopes: Type.Array(Type.String()),
  user_id: nullable(Type.String(), 'the user named by login_hint, or null when it named an organization'),
  organization_id: nullable(Type.String(), 'the organization named by login_hint, or the one that approved'),
  binding_message: nullable(Type.String()),
  status: Type.Union(['pending', 'approved', 'denied', 'redeemed', 'expired'].map((s) => Type.Literal(s)), {
    description: 'expired: still pending past expires_at; redeemed: the client received its tokens',
  }),
  created_at: Type.Integer({ description: 'epoch milliseconds' }),
  expires_at: Type.Integer({ description: 'epoch milliseconds' }),
  decided_at: nullable(Type.Integer()),
  decided_by: nullable(Type.String()),
});

const Decision = Type.Optional(
  Type.Object(
    { organization_id: Type.Optional(Type.String({ maxLength: 200, description: 'required to approve a request naming a user who can grant for several organizations' })) },
    { additionalProperties: false },
  ),
);

/** Decoupled (CIBA) requests waiting for a resource owner: list, look at, approve, deny. */
export async function decoupledRoutes(root: FastifyInstance, rt: Runtime): Promise<void> {
  // People may call these routes too: the user named by a request decides it (admin/decoupled.ts).
  const { app, security, withErrors } = adminScope(root, rt, { people: true });
  const tags = ['decoupled-requests'];
  // The decision body is optional: an empty POST validates as {} (as in routes.ts).
  app.addHook('preValidation', async (req) => {
    if (req.body === undefined && req.routeOptions.schema?.body) req.body = {};
  });

  app.get(
    '/decoupled-requests',
    {
      schema: {
        tags,
        security,
        description: 'Decoupled authorization requests (CIBA poll mode), oldest first (order=newest: newest first). status=pending lists only those that can still be decided; status=decided lists approved, denied and redeemed ones.',
        querystring: Type.Composite([
          S.PageQuery,
          Type.Object({
            status: Type.Optional(Type.String({ description: 'pending, approved, denied, redeemed, or decided (the last three)' })),
            order: Type.Optional(Type.String({ description: 'oldest (default) or newest' })),
            application_id: Type.Optional(Type.String({ maxLength: 200 })),
          }),
        ]),
        response: withErrors({ 200: S.Page(DecoupledRequest) }),
      },
    },
    async (req) => {
      const page = await listDecoupledRequests(rt, req.principal, req.query);
      return { items: page.items, next_cursor: page.nextCursor };
    },
  );
  app.get('/decoupled-requests/:id', { schema: { tags, security, params: S.IdParams, response: withErrors({ 200: DecoupledRequest }) } }, async (req) =>
    getDecoupledRequest(rt, req.principal, req.params.id),
  );
  for (const decision of ['approve', 'deny'] as const) {
    app.post(
      `/decoupled-requests/:id/${decision}`,
      {
        schema: {
          tags,
          security,
          description:
            decision === 'approve'
              ? 'Approve a pending request: the client\'s next poll of the token endpoint receives tokens and an installation is recorded for the organization. 409 when it expired or was already decided.'
              : 'Deny a pending request: the client\'s next poll gets access_denied. 409 when it expired or was already decided.',
          params: S.IdParams,
          body: Decision,
          response: withErrors({ 200: DecoupledRequest }),
        },
      },
      async (req) => decideDecoupledRequest(rt, req.principal, req.params.id, decision, req.body?.organization_id),
    );
  }
}
