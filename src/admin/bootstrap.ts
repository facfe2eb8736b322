import type { Application } from '../domain/application.js';
import { isUniqueViolation } from '../storage/db.js';
import { ADMIN_SCOPE, CONSOLE_SCOPE, INTROSPECT_SCOPE, createApplication, type ApplicationLimits } from './applications.js';
import { createOrganization } from './organizations.js';
import type { AdminContext } from './context.js';
import { AdminError } from './problem.js';
import { createUser, userEmail, type SetupLinkOptions } from './users.js';
import type { User } from '../domain/user.js';

const ADMIN_APP_KEY = 'admin_application_id';
const ADMIN_USER_KEY = 'admin_user_id';
export const DEFAULT_ADMIN_EMAIL = 'admin@localhost';

export interface InitResult {
  created: boolean;
  application: Application;
  /** Only when the application was created now: secrets are shown once. */
  clientSecret: string | null;
  /** The first platform administrator, when `initialize` was asked for one. */
  adminUser?: AdminUserResult;
}

export interface AdminUserOptions extends SetupLinkOptions {
  /** Default admin@localhost. */
  email?: string | undefined;
  /** Print a one-time setup link instead of a generated password. */
  setupLink?: boolean | undefined;
}

export interface AdminUserResult {
  created: boolean;
  user: User;
  /** Only when the user was created now without --setup-link: shown once. */
  password: string | null;
  /** Only when the user was created now with --setup-link: shown once. */
  setupLink: string | null;
}

/**
 * The first platform administrator (a console user), once: recorded under a meta key like the admin
 * application, so a second run reports the existing one and shows no password.
 */
export async function ensureAdminUser(ctx: AdminContext, opts: AdminUserOptions): Promise<AdminUserResult> {
  const existingId = await ctx.stores.meta.get(ADMIN_USER_KEY);
  if (existingId) {
    const user = await ctx.stores.users.get(existingId);
    if (user) return { created: false, user, password: null, setupLink: null };
    // The recorded administrator was deleted: forget them and create one again.
    await ctx.stores.meta.delete(ADMIN_USER_KEY);
  }
  const email = userEmail(opts.email ?? DEFAULT_ADMIN_EMAIL) ?? opts.email ?? DEFAULT_ADMIN_EMAIL;
  const adopt = async (user: User): Promise<AdminUserResult> => {
    if (!user.platformAdmin) {
      throw new AdminError('conflict', `a user with email ${user.email} exists and is not a platform administrator; choose another --admin-email, or run: grantry users update ${user.id} --platform-admin true`);
    }
    const winner = await ctx.stores.meta.putIfAbsent(ADMIN_USER_KEY, user.id);
    return { created: false, user: (await ctx.stores.users.get(winner)) ?? user, password: null, setupLink: null };
  };
  const existing = await ctx.stores.users.getByEmail(email);
  if (existing) return adopt(existing);
  // 24 characters of base64url: 144 random bits, shown once.
  const password = opts.setupLink ? undefined : ctx.random.token(18);
  let created;
  try {
    created = await createUser(ctx, { email, name: 'Administrator', platform_admin: true, ...(password ? { password } : {}) }, opts);
  } catch (err) {
    // A concurrent `init` created the same email first.
    const raced = err instanceof AdminError && err.kind === 'conflict' ? await ctx.stores.users.getByEmail(email) : null;
    if (raced) return adopt(raced);
    throw err;
  }
  const winner = await ctx.stores.meta.putIfAbsent(ADMIN_USER_KEY, created.user.id);
  if (winner !== created.user.id) return { created: false, user: (await ctx.stores.users.get(winner)) ?? created.user, password: null, setupLink: null };
  return { created: true, user: created.user, password: password ?? null, setupLink: created.setupLink };
}

/**
 * `grantry init`: the platform organization, the `grantry:admin` scope and an admin application that
 * gets management-API tokens with client_credentials. Idempotent: a second run reports the existing one.
 */
export async function initialize(ctx: AdminContext, limits: ApplicationLimits, adminUser?: AdminUserOptions): Promise<InitResult> {
  const result = await initializeApplication(ctx, limits);
  return adminUser ? { ...result, adminUser: await ensureAdminUser(ctx, adminUser) } : result;
}

async function initializeApplication(ctx: AdminContext, limits: ApplicationLimits): Promise<InitResult> {
  const existingId = await ctx.stores.meta.get(ADMIN_APP_KEY);
  if (existingId) {
    const application = await ctx.stores.applications.get(existingId);
    if (application) return { created: false, application, clientSecret: null };
    // The recorded admin application was deleted: forget it and create a new one.
    await ctx.stores.meta.delete(ADMIN_APP_KEY);
  }
  // The platform's own scopes: the management API, introspection of any token (resource servers), and
  // a person using the platform's own console.
  for (const [scope, description] of [
    [ADMIN_SCOPE, 'Manage Grantry through the management API'],
    [INTROSPECT_SCOPE, 'Introspect tokens issued to any client (for resource servers)'],
    [CONSOLE_SCOPE, 'Use the Grantry console as yourself'],
  ] as const) {
    if (await ctx.stores.scopes.get(scope)) continue;
    try {
      await ctx.stores.scopes.create({ scope, audience: 'grantry', operation: scope.split(':')[1]!, description, createdAt: ctx.clock.now() });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
  }
  const org = await createOrganization(ctx, { type: 'platform', name: 'Platform' });
  const { application, clientSecret } = await createApplication(
    ctx,
    { name: 'Grantry admin', type: 'merchant', organization_id: org.id, scopes: [ADMIN_SCOPE] },
    limits,
  );
  // Two concurrent `init` runs: the first to record its application wins; the loser removes its own.
  const winner = await ctx.stores.meta.putIfAbsent(ADMIN_APP_KEY, application.id);
  if (winner !== application.id) {
    await ctx.stores.applications.delete(application.id);
    await ctx.stores.organizations.delete(org.id);
    return { created: false, application: (await ctx.stores.applications.get(winner))!, clientSecret: null };
  }
  return { created: true, application, clientSecret };
}
