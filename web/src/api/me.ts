import { useQuery } from '@tanstack/react-query';
import { api, data } from './client';

/**
 * GET /api/v1/me: who is signed in, and their organizations with their role in each.
 * (Typed by hand until the route is in the generated schema; then `api.GET('/api/v1/me')`.)
 */
export interface Me {
  actor: string;
  platform_admin: boolean;
  user: { id: string; email: string; name: string | null; platform_admin: boolean } | null;
  memberships: { organization: { id: string; name: string; type: 'merchant' | 'partner' | 'platform' }; role: 'owner' | 'admin' | 'developer' }[];
}

type Untyped = { GET(path: string, init?: object): Promise<{ data?: unknown; error?: unknown }> };

export const meQueryKey = ['me'] as const;

export function useMe() {
  return useQuery({
    queryKey: meQueryKey,
    queryFn: () => data(( api as unknown as Untyped).GET('/api/v1/me')) as Promise<Me>,
    staleTime: 60_000,
  });
}
