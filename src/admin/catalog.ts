import type { Application } from '../domain/application.js';
import type { Page } from '../storage/ports.js';
import { pageRequest, type AdminContext } from './context.js';
import { organizationsById } from './organizations.js';

/**
 * The catalogue of installable applications (GET /api/v1/catalog/applications): every signed-in person
 * may browse it to choose what to install for their organization. Third-party applications only, and
 * only their public face, what a consent page shows anyway: never secrets, redirect URIs, webhooks or
 * settings, which stay with the members of the partner organization.
 */
export interface CatalogEntry {
  id: string;
  client_id: string;
  name: string;
  organization_id: string;
  organization_name: string;
  scopes: string[];
  logo_uri: string | null;
}

export async function listCatalog(ctx: AdminContext, q: { limit?: number | undefined; cursor?: string | undefined }): Promise<Page<CatalogEntry>> {
  const page = await ctx.stores.applications.list(pageRequest(q.limit, q.cursor), { types: ['third_party'] });
  // The owners' names, one query for the page (a page holds at most PAGE_MAX applications).
  const owners = await organizationsById(ctx.stores, page.items.map((a) => a.organizationId));
  // Only what can be installed: an installation hands over a refresh token (admin/installations.ts
  // refuses an application without the grant). Filtered after the page is read, so a page may come
  // back shorter than `limit` with a next_cursor: cursor pagination promises no more than that.
  const installable = page.items.filter((a) => a.grantTypes.includes('refresh_token'));
  return { items: installable.map((a) => catalogEntry(a, owners.get(a.organizationId)?.name ?? '')), nextCursor: page.nextCursor };
}

export function catalogEntry(app: Application, organizationName: string): CatalogEntry {
  return {
    id: app.id,
    client_id: app.clientId,
    name: app.name,
    organization_id: app.organizationId,
    organization_name: organizationName,
    scopes: app.scopes,
    logo_uri: app.logoUri,
  };
}
