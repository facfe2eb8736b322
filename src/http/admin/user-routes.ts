import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Runtime } from '../../runtime.js';
import * as users from '../../admin/users.js';
import { adminScope } from './scope.js';
import * as S from './schemas.js';

const RoleDoc = { description: 'owner, admin or developer' };

const User = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  platform_admin: Type.Boolean({ description: 'A platform administrator manages every organization.' }),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  has_password: Type.Boolean({ description: 'False until the user sets a password through a setup link.' }),
  memberships: Type.Array(Type.Object({ organization_id: Type.String(), role: Type.String(RoleDoc) })),
  created_at: Type.Integer(),
  updated_at: Type.Integer(),
});

const SetupLinkFields = {
  setup_link: Type.String({ description: 'One-time link to set a password; shown once, only its hash is stored.' }),
  setup_link_expires_at: Type.Integer({ description: 'epoch milliseconds' }),
};

const CreatedUser = Type.Intersect([User, Type.Object({ setup_link: Type.Optional(SetupLinkFields.setup_link), setup_link_expires_at: Type.Optional(SetupLinkFields.setup_link_expires_at) })]);

const CreateUser = Type.Object(
  {
    email: Type.String({ maxLength: 254 }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    password: Type.Optional(Type.String({ maxLength: 256, description: 'At least 12 characters. Omit it to get a one-time setup link instead.' })),
    platform_admin: Type.Optional(Type.Boolean()),
    memberships: Type.Optional(Type.Array(Type.Object({ organization_id: Type.String({ maxLength: 200 }), role: Type.String(RoleDoc) }, { additionalProperties: false }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);

const UpdateUser = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 200 })),
    platform_admin: Type.Optional(Type.Boolean()),
    status: Type.Optional(Type.String({ description: 'active or disabled; disabling ends every session of the user' })),
    password: Type.Optional(Type.String({ maxLength: 256, description: 'A new password; ends every session of the user.' })),
  },
  { additionalProperties: false },
);

const MembershipParams = Type.Object({ id: Type.String({ maxLength: 254 }), organization_id: Type.String({ maxLength: 200 }) });
const UserParams = Type.Object({ id: Type.String({ maxLength: 254, description: 'user id or email' }) });

/** People: console users, their memberships of organizations, and platform administrators. */
export async function userRoutes(root: FastifyInstance, rt: Runtime): Promise<void> {
  const { app, ctx, security, withErrors } = adminScope(root, rt, { people: true });
  const tags = ['users'];
  const linkOptions = () => ({ issuer: rt.config.issuer, setupLinkTtlMs: rt.config.setupLinkTtl * 1000 });
  const view = (r: users.UserWithMemberships) => users.userView(r.user, r.memberships);

  app.post(
    '/users',
    {
      schema: {
        tags,
        security,
        description: 'Create a user. Without a password the response carries a one-time `setup_link` (shown once) to set one.',
        body: CreateUser,
        response: withErrors({ 201: CreatedUser }),
      },
    },
    async (req, reply) => {
      const r = await users.createUser(ctx(req), req.body, linkOptions());
      reply.code(201);
      return { ...view(r), ...(r.setupLink ? { setup_link: r.setupLink, setup_link_expires_at: r.setupLinkExpiresAt! } : {}) };
    },
  );
  app.get(
    '/users',
    {
      schema: {
        tags,
        security,
        querystring: Type.Composite([S.PageQuery, Type.Object({ organization_id: Type.Optional(Type.String({ maxLength: 200, description: 'only members of this organization' })) })]),
        response: withErrors({ 200: S.Page(User) }),
      },
    },
    async (req) => {
      const page = await users.listUsers(ctx(req), req.query);
      return { items: page.items.map(view), next_cursor: page.nextCursor };
    },
  );
  app.get('/users/:id', { schema: { tags, security, params: UserParams, response: withErrors({ 200: User }) } }, async (req) => view(await users.getUser(ctx(req), req.params.id)));
  app.patch(
    '/users/:id',
    { schema: { tags, security, description: 'Change name, platform_admin, status or password. Disabling or a new password ends the user\'s sessions.', params: UserParams, body: UpdateUser, response: withErrors({ 200: User }) } },
    async (req) => view(await users.updateUser(ctx(req), req.params.id, req.body)),
  );
  app.delete(
    '/users/:id',
    { schema: { tags, security, description: 'Delete a user (refused for the last owner of an organization).', params: UserParams, response: withErrors({ 204: Type.Null() }) } },
    async (req, reply) => {
      await users.deleteUser(ctx(req), req.params.id);
      reply.code(204);
      return null;
    },
  );
  app.put(
    '/users/:id/memberships/:organization_id',
    {
      schema: {
        tags,
        security,
        description: 'Add the user to an organization or change their role there. The last owner cannot be demoted.',
        params: MembershipParams,
        body: Type.Object({ role: Type.String(RoleDoc) }, { additionalProperties: false }),
        response: withErrors({ 200: User }),
      },
    },
    async (req) => view(await users.setMembership(ctx(req), req.params.id, req.params.organization_id, req.body.role)),
  );
  app.delete(
    '/users/:id/memberships/:organization_id',
    { schema: { tags, security, description: 'Remove the user from an organization. The last owner cannot be removed.', params: MembershipParams, response: withErrors({ 200: User }) } },
    async (req) => view(await users.removeMembership(ctx(req), req.params.id, req.params.organization_id)),
  );
  app.post(
    '/users/:id/setup-link',
    {
      schema: {
        tags,
        security,
        description: 'A new one-time link to set a password (a reset by an administrator); shown once. The current password keeps working until the link is used.',
        params: UserParams,
        response: withErrors({ 201: Type.Object({ user_id: Type.String(), ...SetupLinkFields }) }),
      },
    },
    async (req, reply) => {
      const r = await users.createSetupLink(ctx(req), req.params.id, linkOptions());
      reply.code(201);
      return { user_id: r.user.id, setup_link: r.setupLink, setup_link_expires_at: r.expiresAt };
    },
  );
}
