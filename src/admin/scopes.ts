import { audienceOf, isValidScopeName, operationOf } from '../domain/scope.js';
import type { ScopeDefinition } from '../domain/organization.js';
import type { Page } from '../storage/ports.js';
import { isUniqueViolation } from '../storage/db.js';
import { AdminError, invalid, notFound } from './problem.js';
import { audit, pageRequest, type AdminContext } from './context.js';
import { requirePlatformAdmin } from './access.js';

/**
 * The scope catalogue: every signed-in person may read it (they choose scopes for their applications and
 * installations from it); only platform administrators change it, since a scope names an API of the platform.
 */

export async function addScope(ctx: AdminContext, input: { scope: string; description?: string | undefined }): Promise<ScopeDefinition> {
  requirePlatformAdmin(ctx.principal, 'changing the scope catalogue');
  const name = input.scope.trim();
  if (!isValidScopeName(name)) {
    throw invalid('scope', 'must be audience:operation, lower-case letters, digits, "_", "." or "-" (e.g. payments:create)');
  }
  const description = (input.description ?? '').trim();
  if (description.length > 500) throw invalid('description', 'must be at most 500 characters');
  const def: ScopeDefinition = { scope: name, audience: audienceOf(name), operation: operationOf(name), description, createdAt: ctx.clock.now() };
  try {
    await ctx.stores.transaction(async (tx) => {
      await tx.scopes.create(def);
      await audit(tx, ctx, 'scope.created', { type: 'scope', id: name });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AdminError('conflict', `scope ${name} already exists`);
    throw err;
  }
  return def;
}

export async function listScopes(ctx: AdminContext, q: { limit?: number | undefined; cursor?: string | undefined }): Promise<Page<ScopeDefinition>> {
  return ctx.stores.scopes.list(pageRequest(q.limit, q.cursor));
}

export async function getScope(ctx: AdminContext, scope: string): Promise<ScopeDefinition> {
  const def = await ctx.stores.scopes.get(scope);
  if (!def) throw notFound('scope', scope);
  return def;
}

export async function updateScope(ctx: AdminContext, scope: string, description: string): Promise<ScopeDefinition> {
  requirePlatformAdmin(ctx.principal, 'changing the scope catalogue');
  if (description.length > 500) throw invalid('description', 'must be at most 500 characters');
  const ok = await ctx.stores.transaction(async (tx) => {
    const updated = await tx.scopes.update(scope, description.trim());
    if (updated) await audit(tx, ctx, 'scope.updated', { type: 'scope', id: scope });
    return updated;
  });
  if (!ok) throw notFound('scope', scope);
  return getScope(ctx, scope);
}

export async function deleteScope(ctx: AdminContext, scope: string): Promise<void> {
  requirePlatformAdmin(ctx.principal, 'changing the scope catalogue');
  await ctx.stores.transaction(async (tx) => {
    if (!(await tx.scopes.get(scope))) throw notFound('scope', scope);
    if (await tx.scopes.inUse(scope)) throw new AdminError('conflict', `scope ${scope} is still granted to an application; remove it there first`);
    await tx.scopes.delete(scope);
    await audit(tx, ctx, 'scope.deleted', { type: 'scope', id: scope });
  });
}
