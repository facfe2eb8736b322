import type { Application } from '../domain/application.js';
import { isUniqueViolation } from '../storage/db.js';
import { ADMIN_SCOPE, CONSOLE_SCOPE, INTROSPECT_SCOPE, createApplication, type ApplicationLimits } from './applications.js';
import { createOrganization } from './organizations.js';
import { audit, type AdminContext } from './context.js';
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
export async function initialize(ctx: AdminContext, limits: ApplicationLimits, adminUser?: AdminUserOptions, issuer?: string): Promise<InitResult> {
  const result = await initializeApplication(ctx, limits);
  if (issuer !== undefined) await ensureConsoleApplication(ctx, limits, issuer);
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

/** The console's OAuth client (docs/console.md): a fixed, well-known id, as the SPA is the same everywhere. */
export const CONSOLE_CLIENT_ID = 'grantry-console';

/** Where people open the console: `<issuer>/console/`. */
export const consoleUrl = (issuer: string): string => `${issuer.replace(/\/+$/, '')}/console/`;

export const consoleRedirectUri = (issuer: string): string => `${consoleUrl(issuer)}callback`;

/**
 * The console's application: a first-party public client of the platform organization, created with
 * `grantry init` and brought in step with the issuer at every start (the redirect URI is derived from
 * GRANTRY_ISSUER, which may change). Null before `grantry init` (no platform organization yet).
 * Several processes may start together: a lost creation race reads the winner's.
 */
export async function ensureConsoleApplication(ctx: AdminContext, limits: ApplicationLimits, issuer: string): Promise<Application | null> {
  const redirectUri = consoleRedirectUri(issuer);
  let app = await ctx.stores.applications.getByClientId(CONSOLE_CLIENT_ID);
  if (!app) {
    const adminAppId = await ctx.stores.meta.get(ADMIN_APP_KEY);
    const adminApp = adminAppId ? await ctx.stores.applications.get(adminAppId) : null;
    if (!adminApp) return null;
    try {
      ({ application: app } = await createApplication(
        ctx,
        {
          name: 'Grantry console',
          type: 'public',
          organization_id: adminApp.organizationId,
          client_id: CONSOLE_CLIENT_ID,
          scopes: [CONSOLE_SCOPE],
          grant_types: ['authorization_code', 'refresh_token'],
          refresh_policy: 'rotate',
        },
        limits,
      ));
    } catch (err) {
      if (!(err instanceof AdminError && err.kind === 'conflict')) throw err;
      app = await ctx.stores.applications.getByClientId(CONSOLE_CLIENT_ID);
      if (!app) throw err;
    }
  }
  if (app.redirectUris.length === 1 && app.redirectUris[0] === redirectUri) return app;
  // Written here rather than through createApplication's validation: the callback is derived from the
  // operator's own GRANTRY_ISSUER and served by this server, so it is exactly as secure as the issuer
  // (an http issuer off loopback is already the operator's choice, which the https rule cannot fix).
  const updated = await ctx.stores.applications.update(app.id, { redirectUris: [redirectUri], updatedAt: ctx.clock.now() });
  ctx.clients.invalidate(CONSOLE_CLIENT_ID);
  await audit(ctx.stores, ctx, 'application.updated', { type: 'application', id: app.id }, { redirect_uris: [redirectUri], reason: 'the console follows GRANTRY_ISSUER' });
  return updated;
}
