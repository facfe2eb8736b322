import { ORGANIZATION_TYPES, type OrganizationType } from '../domain/application.js';
import type { Organization } from '../domain/organization.js';
import { newId } from '../domain/random.js';
import type { Page, Stores } from '../storage/ports.js';
import { AdminError, invalid, notFound } from './problem.js';
import { audit, pageRequest, type AdminContext } from './context.js';
import { canRead, requirePlatformAdmin, requireVisible, visibleOrganizationIds } from './access.js';

export function validName(field: string, value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name.length === 0) throw invalid(field, 'is required');
  if (name.length > 200) throw invalid(field, 'must be at most 200 characters');
  return name;
}

/** Organizations are created and deleted by platform administrators only (docs/console.md). */
export async function createOrganization(ctx: AdminContext, input: { type: string; name: string }): Promise<Organization> {
  requirePlatformAdmin(ctx.principal, 'creating an organization');
  if (!ORGANIZATION_TYPES.includes(input.type as OrganizationType)) throw invalid('type', `must be one of ${ORGANIZATION_TYPES.join(', ')}`);
  const now = ctx.clock.now();
  const org: Organization = { id: newId('org', now, ctx.random), type: input.type as OrganizationType, name: validName('name', input.name), createdAt: now };
  await ctx.stores.transaction(async (tx) => {
    await tx.organizations.create(org);
    await audit(tx, ctx, 'organization.created', { type: 'organization', id: org.id }, { name: org.name, org_type: org.type });
  });
  return org;
}

/** A member sees the organizations they belong to; any other id is "does not exist", found or not. */
export async function getOrganization(ctx: AdminContext, id: string): Promise<Organization> {
  requireVisible(ctx.principal, id, () => notFound('organization', id));
  const org = await ctx.stores.organizations.get(id);
  if (!org) throw notFound('organization', id);
  return org;
}

export async function listOrganizations(
  ctx: AdminContext,
  q: { limit?: number | undefined; cursor?: string | undefined; type?: string | undefined },
): Promise<Page<Organization>> {
  // Filtered in the query, so a member's pages are full pages of their own organizations.
  return ctx.stores.organizations.list(pageRequest(q.limit, q.cursor), { type: q.type, ids: visibleOrganizationIds(ctx.principal) ?? undefined });
}

/** Throws "organization … does not exist" (404) unless the caller may see it: for `?organization_id=` filters. */
export function requireVisibleOrganization(ctx: AdminContext, id: string): void {
  if (!canRead(ctx.principal, id)) throw notFound('organization', id);
}

export async function deleteOrganization(ctx: AdminContext, id: string): Promise<void> {
  // Visibility first (404 for another tenant's organization), then the role (403 for a member).
  requireVisible(ctx.principal, id, () => notFound('organization', id));
  requirePlatformAdmin(ctx.principal, 'deleting an organization');
  await ctx.stores.transaction(async (tx) => {
    if (!(await tx.organizations.get(id))) throw notFound('organization', id);
    if (await tx.organizations.hasApplications(id)) {
      throw new AdminError('conflict', `organization ${id} still owns applications; delete them first`);
    }
    await tx.organizations.delete(id);
    await audit(tx, ctx, 'organization.deleted', { type: 'organization', id });
  });
}

/**
 * Organizations by id, in one query, for naming them next to what a page lists (installations, the
 * catalogue, the caller's memberships). No access check: callers show names only where the object
 * listed is already visible to the caller.
 */
export async function organizationsById(stores: Pick<Stores, 'organizations'>, ids: Iterable<string>): Promise<Map<string, Organization>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const { items } = await stores.organizations.list({ limit: unique.length, after: undefined }, { ids: unique });
  return new Map(items.map((o) => [o.id, o]));
}
