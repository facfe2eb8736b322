import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Runtime } from '../../runtime.js';
import { orgView, scopeView, keyView, auditView } from '../../admin/views.js';
import * as scopes from '../../admin/scopes.js';
import * as orgs from '../../admin/organizations.js';
import * as apps from '../../admin/applications.js';
import { listSigningKeys, rotateSigningKey } from '../../admin/keys.js';
import { listAuditEvents } from '../../admin/audit.js';
import { listCatalog } from '../../admin/catalog.js';
import { describeCaller } from '../../admin/me.js';
import { adminScope } from './scope.js';
import { eventTypeRoutes } from './event-type-routes.js';
import * as S from './schemas.js';

/**
 * The management API (/api/v1): a grantry:admin bearer token, or a person's grantry:console token. The
 * operations in src/admin enforce who may do what (admin/access.ts, docs/console.md).
 */
export async function adminRoutes(root: FastifyInstance, rt: Runtime): Promise<void> {
  const { app, ctx, security, withErrors } = adminScope(root, rt, { people: true });
  // A POST without a body (e.g. `POST /keys/rotate`, `POST /applications/:id/secrets`) means "no
  // options": validate it as {} rather than refusing it with "body must be object".
  app.addHook('preValidation', async (req) => {
    if (req.body === undefined && req.routeOptions.schema?.body) req.body = {};
  });
  const limits = { maxAccessTokenTtl: rt.config.maxAccessTokenTtl };
  // The webhook event catalogue: open to every caller, like /me.
  eventTypeRoutes({ app, ctx, security, withErrors });

  // The caller: who they are and which organizations they act for, with which role.
  app.get(
    '/me',
    { schema: { tags: ['me'], security, description: 'The caller: a platform administrator (the admin application, user null), or a person with their memberships.', response: withErrors({ 200: S.Me }) } },
    async (req) => describeCaller(ctx(req)),
  );

  // The catalogue of installable applications, for every signed-in person.
  app.get(
    '/catalog/applications',
    {
      schema: {
        tags: ['catalog'],
        security,
        description: 'Third-party applications a merchant may install, in their public view (no secrets, redirect URIs or webhooks). Open to every caller.',
        querystring: S.PageQuery,
        response: withErrors({ 200: S.Page(S.CatalogApplication) }),
      },
    },
    async (req) => {
      const page = await listCatalog(ctx(req), req.query);
      return { items: page.items, next_cursor: page.nextCursor };
    },
  );

  // Scopes: the catalogue of audience:operation names applications may be granted.
  app.post('/scopes', { schema: { tags: ['scopes'], security, body: S.CreateScope, response: withErrors({ 201: S.Scope }) } }, async (req, reply) => {
    reply.code(201);
    return scopeView(await scopes.addScope(ctx(req), req.body));
  });
  app.get('/scopes', { schema: { tags: ['scopes'], security, querystring: S.PageQuery, response: withErrors({ 200: S.Page(S.Scope) }) } }, async (req) => {
    const page = await scopes.listScopes(ctx(req), req.query);
    return { items: page.items.map(scopeView), next_cursor: page.nextCursor };
  });
  const ScopeParams = Type.Object({ scope: Type.String({ maxLength: 130 }) });
  app.get('/scopes/:scope', { schema: { tags: ['scopes'], security, params: ScopeParams, response: withErrors({ 200: S.Scope }) } }, async (req) =>
    scopeView(await scopes.getScope(ctx(req), req.params.scope)),
  );
  app.patch('/scopes/:scope', { schema: { tags: ['scopes'], security, params: ScopeParams, body: S.UpdateScope, response: withErrors({ 200: S.Scope }) } }, async (req) =>
    scopeView(await scopes.updateScope(ctx(req), req.params.scope, req.body.description)),
  );
  app.delete('/scopes/:scope', { schema: { tags: ['scopes'], security, params: ScopeParams, response: withErrors({ 204: Type.Null() }) } }, async (req, reply) => {
    await scopes.deleteScope(ctx(req), req.params.scope);
    reply.code(204);
    return null;
  });

  // Organizations: merchants, partners, the platform.
  app.post('/organizations', { schema: { tags: ['organizations'], security, body: S.CreateOrganization, response: withErrors({ 201: S.Organization }) } }, async (req, reply) => {
    reply.code(201);
    return orgView(await orgs.createOrganization(ctx(req), req.body));
  });
  app.get(
    '/organizations',
    { schema: { tags: ['organizations'], security, querystring: Type.Composite([S.PageQuery, Type.Object({ type: Type.Optional(Type.String()) })]), response: withErrors({ 200: S.Page(S.Organization) }) } },
    async (req) => {
      const page = await orgs.listOrganizations(ctx(req), req.query);
      return { items: page.items.map(orgView), next_cursor: page.nextCursor };
    },
  );
  app.get('/organizations/:id', { schema: { tags: ['organizations'], security, params: S.IdParams, response: withErrors({ 200: S.Organization }) } }, async (req) =>
    orgView(await orgs.getOrganization(ctx(req), req.params.id)),
  );
  app.delete('/organizations/:id', { schema: { tags: ['organizations'], security, params: S.IdParams, response: withErrors({ 204: Type.Null() }) } }, async (req, reply) => {
    await orgs.deleteOrganization(ctx(req), req.params.id);
    reply.code(204);
    return null;
  });

  // Applications (OAuth clients) and their secrets.
  app.post('/applications', { schema: { tags: ['applications'], security, body: S.CreateApplication, response: withErrors({ 201: S.CreatedApplication }) } }, async (req, reply) => {
    const created = await apps.createApplication(ctx(req), req.body, limits);
    reply.code(201);
    return { ...apps.applicationView(created.application), secrets: created.secrets, client_secret: created.clientSecret };
  });
  app.get(
    '/applications',
    {
      schema: {
        tags: ['applications'],
        security,
        querystring: Type.Composite([S.PageQuery, Type.Object({ organization_id: Type.Optional(Type.String()), type: Type.Optional(Type.String({ maxLength: 100, description: 'one or more application types, comma-separated: merchant, third_party, native, public' })) })]),
        response: withErrors({ 200: S.Page(S.Application) }),
      },
    },
    async (req) => {
      const page = await apps.listApplications(ctx(req), req.query);
      return { items: page.items.map(apps.applicationView), next_cursor: page.nextCursor };
    },
  );
  app.get('/applications/:id', { schema: { tags: ['applications'], security, params: S.IdParams, response: withErrors({ 200: S.Application }) } }, async (req) => {
    const c = ctx(req);
    const found = await apps.findApplication(c, req.params.id);
    return { ...apps.applicationView(found), secrets: await apps.listSecrets(c, found) };
  });
  app.patch('/applications/:id', { schema: { tags: ['applications'], security, params: S.IdParams, body: S.UpdateApplication, response: withErrors({ 200: S.Application }) } }, async (req) =>
    apps.applicationView(await apps.updateApplication(ctx(req), req.params.id, req.body, limits)),
  );
  app.delete('/applications/:id', { schema: { tags: ['applications'], security, params: S.IdParams, response: withErrors({ 204: Type.Null() }) } }, async (req, reply) => {
    await apps.deleteApplication(ctx(req), req.params.id);
    reply.code(204);
    return null;
  });
  app.get('/applications/:id/secrets', { schema: { tags: ['applications'], security, params: S.IdParams, response: withErrors({ 200: Type.Object({ items: Type.Array(S.Secret) }) }) } }, async (req) => {
    const c = ctx(req);
    return { items: await apps.listSecrets(c, await apps.findApplication(c, req.params.id)) };
  });
  app.post(
    '/applications/:id/secrets',
    { schema: { tags: ['applications'], security, params: S.IdParams, body: Type.Optional(S.RotateSecret), response: withErrors({ 201: S.RotatedSecret }) } },
    async (req, reply) => {
      const r = await apps.rotateSecret(ctx(req), req.params.id, req.body ?? {});
      reply.code(201);
      return { client_secret: r.clientSecret, secret: r.secret, secrets: r.secrets };
    },
  );
  app.delete(
    '/applications/:id/secrets/:secret_id',
    { schema: { tags: ['applications'], security, params: Type.Object({ id: Type.String(), secret_id: Type.String() }), response: withErrors({ 204: Type.Null() }) } },
    async (req, reply) => {
      await apps.revokeSecret(ctx(req), req.params.id, req.params.secret_id);
      reply.code(204);
      return null;
    },
  );

  // Signing keys.
  app.get('/keys', { schema: { tags: ['keys'], security, response: withErrors({ 200: Type.Object({ items: Type.Array(S.SigningKey) }) }) } }, async (req) => ({
    items: listSigningKeys(ctx(req), rt.keys).map(keyView),
  }));
  app.post('/keys/rotate', { schema: { tags: ['keys'], security, body: Type.Optional(S.RotateKey), response: withErrors({ 201: S.SigningKey }) } }, async (req, reply) => {
    const info = await rotateSigningKey(ctx(req), rt.keys, req.body?.alg);
    reply.code(201);
    return keyView(info);
  });

  // Audit log, newest first.
  app.get(
    '/audit-events',
    {
      schema: {
        tags: ['audit'],
        security,
        querystring: Type.Composite([S.PageQuery, Type.Object({ action: Type.Optional(Type.String()), target_id: Type.Optional(Type.String()) })]),
        response: withErrors({ 200: S.Page(S.AuditEvent) }),
      },
    },
    async (req) => {
      const page = await listAuditEvents(ctx(req), req.query);
      return { items: page.items.map(auditView), next_cursor: page.nextCursor };
    },
  );
}
