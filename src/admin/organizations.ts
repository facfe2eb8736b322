import { ORGANIZATION_TYPES, type OrganizationType } from '../domain/application.js';
import type { Organization } from '../domain/organization.js';
import { newId } from '../domain/random.js';
import type { Page } from '../storage/ports.js';
import { AdminError, invalid, notFound } from './problem.js';
import { audit, pageRequest, type AdminContext } from './context.js';

export function validName(field: string, value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name.length === 0) throw invalid(field, 'is required');
  if (name.length > 200) throw invalid(field, 'must be at most 200 characters');
  return name;
}

export async function createOrganization(ctx: AdminContext, input: { type: string; name: string }): Promise<Organization> {
  if (!ORGANIZATION_TYPES.includes(input.type as OrganizationType)) throw invalid('type', `must be one of ${ORGANIZATION_TYPES.join(', ')}`);
  const now = ctx.clock.now();
  const org: Organization = { id: newId('org', now, ctx.random), type: input.type as OrganizationType, name: validName('name', input.name), createdAt: now };
  await ctx.stores.transaction(async (tx) => {
    await tx.organizations.create(org);
    await audit(tx, ctx, 'organization.created', { type: 'organization', id: org.id }, { name: org.name, org_type: org.type });
  });
  return org;
}

export async function getOrganization(ctx: AdminContext, id: string): Promise<Organization> {
  const org = await ctx.stores.organizations.get(id);
  if (!org) throw notFound('organization', id);
  return org;
}

export async function listOrganizations(
  ctx: AdminContext,
  q: { limit?: number | undefined; cursor?: string | undefined; type?: string | undefined },
): Promise<Page<Organization>> {
  return ctx.stores.organizations.list(pageRequest(q.limit, q.cursor), { type: q.type });
}

export async function deleteOrganization(ctx: AdminContext, id: string): Promise<void> {
  await ctx.stores.transaction(async (tx) => {
    if (!(await tx.organizations.get(id))) throw notFound('organization', id);
    if (await tx.organizations.hasApplications(id)) {
      throw new AdminError('conflict', `organization ${id} still owns applications; delete them first`);
    }
    await tx.organizations.delete(id);
    await audit(tx, ctx, 'organization.deleted', { type: 'organization', id });
  });
}
