import { ROLES, SETUP_TOKEN_PREFIX, normalizeEmail, type Membership, type Role, type User } from '../domain/user.js';
import { newId } from '../domain/random.js';
import { hashPassword, passwordProblem } from '../crypto/password.js';
import { isUniqueViolation } from '../storage/db.js';
import type { Page, Stores } from '../storage/ports.js';
import { AdminError, invalid, notFound } from './problem.js';
import { audit, pageRequest, type AdminContext } from './context.js';
import { requirePlatformAdmin } from './access.js';

/**
 * People: console users (email + password), their memberships of organizations with a role, and
 * platform administrators. Shared by the management API (/api/v1/users) and `grantry users ...`.
 *
 * Platform administrators only, every operation (docs/console.md): whoever may set memberships or
 * platform_admin may give themselves every right, and the list holds every tenant's people. Checked
 * first, before any lookup, so the answer (403) is the same for users that exist and users that do not.
 */

export const USER_STATUSES = ['active', 'disabled'] as const;
export const DEFAULT_SETUP_LINK_TTL_MS = 72 * 3600 * 1000;

export interface MembershipInput {
  organization_id: string;
  role: string;
}

export interface CreateUserInput {
  email?: string | undefined;
  name?: string | undefined;
  password?: string | undefined;
  platform_admin?: boolean | undefined;
  memberships?: MembershipInput[] | undefined;
}

export interface UpdateUserInput {
  name?: string | undefined;
  platform_admin?: boolean | undefined;
  status?: string | undefined;
  password?: string | undefined;
}

/** Where setup links point and how long they live. */
export interface SetupLinkOptions {
  issuer: string;
  setupLinkTtlMs?: number | undefined;
}

export interface UserWithMemberships {
  user: User;
  memberships: Membership[];
}

export interface SetupLink {
  url: string;
  expiresAt: number;
}

/** The wire shape of a user (snake_case); never the password hash. */
export function userView(user: User, memberships: Membership[]) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    platform_admin: user.platformAdmin,
    status: user.status,
    has_password: user.passwordHash !== null,
    memberships: memberships.map((m) => ({ organization_id: m.organizationId, role: m.role })),
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}
export type UserView = ReturnType<typeof userView>;

/**
 * normalizeEmail, plus addresses at a single-label host such as `admin@localhost` (the default first
 * administrator of `grantry init`, and intranet logins): the address is an identifier, not a mailbox.
 */
export function userEmail(value: string): string | null {
  const email = normalizeEmail(value);
  if (email) return email;
  const bare = value.trim().toLowerCase();
  return bare.length <= 254 && /^[^\s@]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(bare) ? bare : null;
}

function validEmail(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid('email', 'is required');
  const email = userEmail(value);
  if (!email) throw invalid('email', 'is not an email address');
  return email;
}

function validUserName(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw invalid('name', 'must be a string');
  const name = value.trim();
  if (name.length > 200) throw invalid('name', 'must be at most 200 characters');
  return name;
}

function validRole(value: unknown, field = 'role'): Role {
  if (!ROLES.includes(value as Role)) throw invalid(field, `must be one of ${ROLES.join(', ')}`);
  return value as Role;
}

function validPassword(value: unknown): string {
  if (typeof value !== 'string') throw invalid('password', 'must be a string');
  const problem = passwordProblem(value);
  if (problem) throw invalid('password', problem);
  return value;
}

function validStatus(value: unknown): User['status'] {
  if (!USER_STATUSES.includes(value as User['status'])) throw invalid('status', `must be one of ${USER_STATUSES.join(', ')}`);
  return value as User['status'];
}

function validBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(field, 'must be true or false');
  return value;
}

/** A one-time link to set a password: only the keyed hash of its token is stored. */
async function issueSetupLink(stores: Stores, ctx: AdminContext, userId: string, opts: SetupLinkOptions): Promise<SetupLink> {
  const now = ctx.clock.now();
  const token = `${SETUP_TOKEN_PREFIX}${ctx.random.token(32)}`;
  const expiresAt = now + (opts.setupLinkTtlMs ?? DEFAULT_SETUP_LINK_TTL_MS);
  await stores.users.createSetupToken({ hash: ctx.hasher.hash(token), userId, createdAt: now, expiresAt, usedAt: null });
  return { url: `${opts.issuer.replace(/\/+$/, '')}/setup?token=${token}`, expiresAt };
}

/** Finds a user by id or by email (the CLI accepts either). */
export async function findUser(ctx: AdminContext, idOrEmail: string, stores: Stores = ctx.stores): Promise<User> {
  requirePlatformAdmin(ctx.principal, 'managing users');
  const user = (await stores.users.get(idOrEmail)) ?? (idOrEmail.includes('@') ? await stores.users.getByEmail(userEmail(idOrEmail) ?? idOrEmail) : null);
  if (!user) throw notFound('user', idOrEmail);
  return user;
}

export async function createUser(
  ctx: AdminContext,
  input: CreateUserInput,
  opts: SetupLinkOptions,
): Promise<UserWithMemberships & { setupLink: string | null; setupLinkExpiresAt: number | null }> {
  requirePlatformAdmin(ctx.principal, 'managing users');
  const email = validEmail(input.email);
  const name = validUserName(input.name);
  const platformAdmin = input.platform_admin === undefined ? false : validBoolean('platform_admin', input.platform_admin);
  const password = input.password === undefined ? null : validPassword(input.password);
  const requested = input.memberships ?? [];
  if (!Array.isArray(requested)) throw invalid('memberships', 'must be a list of {organization_id, role}');
  if (requested.length > 100) throw invalid('memberships', 'at most 100 memberships');
  const seen = new Set<string>();
  const wanted: { organizationId: string; role: Role }[] = [];
  for (const [i, m] of requested.entries()) {
    if (typeof m?.organization_id !== 'string' || m.organization_id === '') throw invalid(`memberships.${i}.organization_id`, 'is required');
    const role = validRole(m.role, `memberships.${i}.role`);
    if (seen.has(m.organization_id)) throw invalid(`memberships.${i}.organization_id`, `organization ${m.organization_id} is listed twice`);
    seen.add(m.organization_id);
    if (!(await ctx.stores.organizations.get(m.organization_id))) throw invalid(`memberships.${i}.organization_id`, `organization ${m.organization_id} does not exist`);
    wanted.push({ organizationId: m.organization_id, role });
  }
  if (await ctx.stores.users.getByEmail(email)) throw new AdminError('conflict', `a user with email ${email} already exists`);
  const passwordHash = password === null ? null : await hashPassword(password);
  const now = ctx.clock.now();
  const user: User = { id: newId('usr', now, ctx.random), email, name, passwordHash, platformAdmin, status: 'active', createdAt: now, updatedAt: now };
  const memberships: Membership[] = wanted.map((m) => ({ userId: user.id, organizationId: m.organizationId, role: m.role, createdAt: now }));
  try {
    const link = await ctx.stores.transaction(async (tx) => {
      await tx.users.create(user, memberships);
      const link = password === null ? await issueSetupLink(tx, ctx, user.id, opts) : null;
      await audit(tx, ctx, 'user.created', { type: 'user', id: user.id }, {
        email,
        platform_admin: platformAdmin,
        memberships: memberships.map((m) => ({ organization_id: m.organizationId, role: m.role })),
        setup_link: link !== null,
      });
      return link;
    });
    return { user, memberships, setupLink: link?.url ?? null, setupLinkExpiresAt: link?.expiresAt ?? null };
  } catch (err) {
    if (isUniqueViolation(err)) throw new AdminError('conflict', `a user with email ${email} already exists`);
    throw err;
  }
}

export async function getUser(ctx: AdminContext, idOrEmail: string): Promise<UserWithMemberships> {
  requirePlatformAdmin(ctx.principal, 'managing users');
  const user = await findUser(ctx, idOrEmail);
  return { user, memberships: await ctx.stores.users.memberships(user.id) };
}

export async function listUsers(
  ctx: AdminContext,
  q: { limit?: number | undefined; cursor?: string | undefined; organization_id?: string | undefined },
): Promise<Page<UserWithMemberships>> {
  requirePlatformAdmin(ctx.principal, 'managing users');
  const page = await ctx.stores.users.list(pageRequest(q.limit, q.cursor), { organizationId: q.organization_id || undefined });
  const items = await Promise.all(page.items.map(async (user) => ({ user, memberships: await ctx.stores.users.memberships(user.id) })));
  return { items, nextCursor: page.nextCursor };
}

/**
 * Changes name, platform_admin, status or password. Disabling a user or changing their password
 * ends every browser session they have.
 */
export async function updateUser(ctx: AdminContext, idOrEmail: string, input: UpdateUserInput): Promise<UserWithMemberships> {
  requirePlatformAdmin(ctx.principal, 'managing users');
  const user = await findUser(ctx, idOrEmail);
  const password = input.password === undefined ? undefined : validPassword(input.password);
  const patch = {
    updatedAt: ctx.clock.now(),
    ...(input.name !== undefined ? { name: validUserName(input.name) } : {}),
    ...(input.platform_admin !== undefined ? { platformAdmin: validBoolean('platform_admin', input.platform_admin) } : {}),
    ...(input.status !== undefined ? { status: validStatus(input.status) } : {}),
    ...(password !== undefined ? { passwordHash: await hashPassword(password) } : {}),
  };
  // A platform administrator cannot lock themselves out through the console: another one must do it
  // (and the CLI, which needs no account, can always).
  if (isSelf(ctx, user.id) && (patch.status === 'disabled' || patch.platformAdmin === false)) {
    throw new AdminError('conflict', 'you cannot disable yourself or give up your own platform administrator right; another platform administrator (or the CLI) can');
  }
  const endSessions = patch.status === 'disabled' || password !== undefined;
  const updated = await ctx.stores.transaction(async (tx) => {
    const result = await tx.users.update(user.id, patch);
    if (!result) throw notFound('user', idOrEmail);
    const sessionsEnded = endSessions ? await tx.sessions.deleteForUser(user.id) : 0;
    // Field names only: the audit log never holds a password or its hash.
    const changed = Object.keys(patch)
      .filter((k) => k !== 'updatedAt')
      .map((k) => ({ name: 'name', platformAdmin: 'platform_admin', status: 'status', passwordHash: 'password' })[k] ?? k);
    await audit(tx, ctx, 'user.updated', { type: 'user', id: user.id }, { changed, ...(patch.status ? { status: patch.status } : {}), sessions_ended: sessionsEnded });
    return result;
  });
  return { user: updated, memberships: await ctx.stores.users.memberships(user.id) };
}

/** Sets a password chosen by the user (through a setup link): validated, hashed, sessions ended. */
export async function setPassword(ctx: AdminContext, userId: string, password: string): Promise<User> {
  return (await updateUser(ctx, userId, { password })).user;
}

async function refuseLastOwner(tx: Stores, organizationId: string, what: string): Promise<void> {
  if ((await tx.users.countMembers(organizationId, ['owner'])) <= 1) {
    throw new AdminError('conflict', `${what}: organization ${organizationId} would have no owner left; make another member owner first`);
  }
}

const isSelf = (ctx: AdminContext, userId: string): boolean => ctx.principal.kind === 'user' && ctx.principal.user.id === userId;

export async function deleteUser(ctx: AdminContext, idOrEmail: string): Promise<void> {
  requirePlatformAdmin(ctx.principal, 'managing users');
  const user = await findUser(ctx, idOrEmail);
  if (isSelf(ctx, user.id)) throw new AdminError('conflict', 'you cannot delete yourself; another platform administrator (or the CLI) can');
  await ctx.stores.transaction(async (tx) => {
    for (const m of await tx.users.memberships(user.id)) {
      if (m.role === 'owner') await refuseLastOwner(tx, m.organizationId, `cannot delete ${user.email}`);
    }
    if (!(await tx.users.delete(user.id))) throw notFound('user', idOrEmail);
    await audit(tx, ctx, 'user.deleted', { type: 'user', id: user.id }, { email: user.email });
  });
}

/** Adds a membership or changes its role; the last owner of an organization cannot be demoted. */
export async function setMembership(ctx: AdminContext, idOrEmail: string, organizationId: string, role: string): Promise<UserWithMemberships> {
  requirePlatformAdmin(ctx.principal, 'managing users');
  const user = await findUser(ctx, idOrEmail);
  const newRole = validRole(role);
  if (!(await ctx.stores.organizations.get(organizationId))) throw notFound('organization', organizationId);
  await ctx.stores.transaction(async (tx) => {
    const current = (await tx.users.memberships(user.id)).find((m) => m.organizationId === organizationId);
    if (current?.role === 'owner' && newRole !== 'owner') await refuseLastOwner(tx, organizationId, `cannot make ${user.email} ${newRole}`);
    await tx.users.setMembership(user.id, organizationId, newRole, ctx.clock.now());
    await audit(tx, ctx, 'user.membership_set', { type: 'user', id: user.id }, { organization_id: organizationId, role: newRole, previous_role: current?.role ?? null });
  });
  return { user, memberships: await ctx.stores.users.memberships(user.id) };
}

/** Removes a membership; the last owner of an organization cannot be removed. */
export async function removeMembership(ctx: AdminContext, idOrEmail: string, organizationId: string): Promise<UserWithMemberships> {
  requirePlatformAdmin(ctx.principal, 'managing users');
  const user = await findUser(ctx, idOrEmail);
  await ctx.stores.transaction(async (tx) => {
    const current = (await tx.users.memberships(user.id)).find((m) => m.organizationId === organizationId);
    if (!current) throw new AdminError('not_found', `${user.email} is not a member of organization ${organizationId}`);
    if (current.role === 'owner') await refuseLastOwner(tx, organizationId, `cannot remove ${user.email}`);
    await tx.users.removeMembership(user.id, organizationId);
    await audit(tx, ctx, 'user.membership_removed', { type: 'user', id: user.id }, { organization_id: organizationId, role: current.role });
  });
  return { user, memberships: await ctx.stores.users.memberships(user.id) };
}

/**
 * A new one-time setup link (a password reset by an administrator). The current password, if any,
 * keeps working until the link is used; disable the user to lock them out at once.
 */
export async function createSetupLink(ctx: AdminContext, idOrEmail: string, opts: SetupLinkOptions): Promise<{ user: User; setupLink: string; expiresAt: number }> {
  requirePlatformAdmin(ctx.principal, 'managing users');
  const user = await findUser(ctx, idOrEmail);
  const link = await ctx.stores.transaction(async (tx) => {
    const link = await issueSetupLink(tx, ctx, user.id, opts);
    await audit(tx, ctx, 'user.setup_link_created', { type: 'user', id: user.id }, { expires_at: link.expiresAt });
    return link;
  });
  return { user, setupLink: link.url, expiresAt: link.expiresAt };
}
