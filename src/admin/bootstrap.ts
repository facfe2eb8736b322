import type { Application } from '../domain/application.js';
import { isUniqueViolation } from '../storage/db.js';
import { ADMIN_SCOPE, INTROSPECT_SCOPE, createApplication, type ApplicationLimits } from './applications.js';
import { createOrganization } from './organizations.js';
import type { AdminContext } from './context.js';

const ADMIN_APP_KEY = 'admin_application_id';

export interface InitResult {
  created: boolean;
  application: Application;
  /** Only when the application was created now: secrets are shown once. */
  clientSecret: string | null;
}

/**
 * `grantry init`: the platform organization, the `grantry:admin` scope and an admin application that
 * gets management-API tokens with client_credentials. Idempotent: a second run reports the existing one.
 */
export async function initialize(ctx: AdminContext, limits: ApplicationLimits): Promise<InitResult> {
  const existingId = await ctx.stores.meta.get(ADMIN_APP_KEY);
  if (existingId) {
    const application = await ctx.stores.applications.get(existingId);
    if (application) return { created: false, application, clientSecret: null };
    // The recorded admin application was deleted: forget it and create a new one.
    await ctx.stores.meta.delete(ADMIN_APP_KEY);
  }
  // The platform's own scopes: the management API, and introspection of any token (resource servers).
  for (const [scope, description] of [
    [ADMIN_SCOPE, 'Manage Grantry through the management API'],
    [INTROSPECT_SCOPE, 'Introspect tokens issued to any client (for resource servers)'],
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
