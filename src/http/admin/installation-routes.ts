import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Runtime } from '../../runtime.js';
import * as installations from '../../admin/installations.js';
import { adminScope } from './scope.js';
import * as S from './schemas.js';

const Installation = Type.Object({
  id: Type.String(),
  organization_id: Type.String(),
  application_id: Type.String(),
  scopes: Type.Array(Type.String()),
  status: Type.Union([Type.Literal('active'), Type.Literal('uninstalled')]),
  credentials_version: Type.Integer({ description: 'Bumped by every credentials webhook (create, scope change, reissue).' }),
  delivery_failed_at: Type.Union([Type.Integer(), Type.Null()], { description: 'Set when a credentials webhook exhausted its attempts: reissue.' }),
  created_at: Type.Integer(),
  updated_at: Type.Integer(),
  uninstalled_at: Type.Union([Type.Integer(), Type.Null()]),
  application_name: Type.Union([Type.String(), Type.Null()], { description: 'The installed application\'s name.' }),
  organization_name: Type.Union([Type.String(), Type.Null()], { description: 'The merchant organization\'s name.' }),
});
const WithDeliveries = Type.Intersect([Installation, Type.Object({ webhook_deliveries: Type.Array(Type.String(), { description: 'Ids of the webhook deliveries enqueued.' }) })]);

/** Installations: a merchant's grant of some of a partner application's scopes. */
export async function installationRoutes(root: FastifyInstance, rt: Runtime): Promise<void> {
  const { app, ctx, security, withErrors } = adminScope(root, rt, { people: true });
  const tags = ['installations'];
  const view = async (r: { installation: Parameters<typeof installations.installationView>[0]; deliveries: string[] }) => ({
    ...(await installations.installationViews(rt, [r.installation]))[0]!,
    webhook_deliveries: r.deliveries,
  });

  app.post(
    '/installations',
    {
      schema: {
        tags,
        security,
        description: 'Install an application for a merchant. The refresh token and a 5-minute access token are sent by the INSTALLATION.CREATE webhook only.',
        body: Type.Object(
          { organization_id: Type.String(), application_id: Type.String({ description: 'application id or client_id' }), scopes: Type.Array(Type.String(), { minItems: 1, maxItems: 100 }) },
          { additionalProperties: false },
        ),
        response: withErrors({ 201: WithDeliveries }),
      },
    },
    async (req, reply) => {
      reply.code(201);
      return view(await installations.install(ctx(req), rt.tokenDeps, req.body));
    },
  );
  app.get(
    '/installations',
    {
      schema: {
        tags,
        security,
        querystring: Type.Composite([
          S.PageQuery,
          Type.Object({ organization_id: Type.Optional(Type.String()), application_id: Type.Optional(Type.String()), status: Type.Optional(Type.String()) }),
        ]),
        response: withErrors({ 200: S.Page(Installation) }),
      },
    },
    async (req) => {
      const page = await installations.listInstallations(ctx(req), req.query);
      return { items: await installations.installationViews(rt, page.items), next_cursor: page.nextCursor };
    },
  );
  app.get('/installations/:id', { schema: { tags, security, params: S.IdParams, response: withErrors({ 200: Installation }) } }, async (req) =>
    (await installations.installationViews(rt, [await installations.getInstallation(ctx(req), req.params.id)]))[0]!,
  );
  app.patch(
    '/installations/:id',
    {
      schema: {
        tags,
        security,
        description: 'Change the granted scopes; sends INSTALLATION.UPDATE with new credentials. The previous refresh token works until the new one is first used.',
        params: S.IdParams,
        body: Type.Object({ scopes: Type.Array(Type.String(), { minItems: 1, maxItems: 100 }) }, { additionalProperties: false }),
        response: withErrors({ 200: WithDeliveries }),
      },
    },
    async (req) => view(await installations.updateInstallation(ctx(req), rt.tokenDeps, req.params.id, req.body)),
  );
  app.post(
    '/installations/:id/reissue',
    {
      schema: { tags, security, description: 'Mint fresh credentials in a new INSTALLATION.UPDATE with a fresh delivery budget.', params: S.IdParams, response: withErrors({ 201: WithDeliveries }) },
    },
    async (req, reply) => {
      reply.code(201);
      return view(await installations.reissueInstallation(ctx(req), rt.tokenDeps, req.params.id));
    },
  );
  app.delete('/installations/:id', { schema: { tags, security, description: 'Uninstall: every token of the installation stops working; INSTALLATION.DELETE is sent.', params: S.IdParams, response: withErrors({ 204: Type.Null() }) } }, async (req, reply) => {
    await installations.uninstall(ctx(req), rt.tokenDeps, req.params.id);
    reply.code(204);
    return null;
  });
}
