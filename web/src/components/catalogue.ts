import { useQuery } from '@tanstack/react-query';
import { api, data } from '../api/client';
import type { CatalogApplication } from './apiTypes';

export const catalogueKey = ['catalog', 'applications'] as const;

/**
 * Every installable application (GET /catalog/applications, every page), to name the application of an
 * installation. At most 50 pages of 200: beyond that an installation shows its application's id.
 */
async function wholeCatalogue(): Promise<Map<string, CatalogApplication>> {
  const out = new Map<string, CatalogApplication>();
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const page = await data(api.GET('/api/v1/catalog/applications', { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }));
    for (const a of page.items) out.set(a.id, a);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return out;
}

export function useCatalogueLookup() {
  return useQuery({ queryKey: [...catalogueKey, 'all'], queryFn: wholeCatalogue, staleTime: 60_000 });
}
