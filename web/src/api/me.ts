import { useQuery } from '@tanstack/react-query';
import { api, data } from './client';
import type { paths } from './schema';

/** GET /api/v1/me: who is signed in, and their organizations with their role in each. */
export type Me = paths['/api/v1/me']['get']['responses'][200]['content']['application/json'];

export const meQueryKey = ['me'] as const;

export function useMe() {
  return useQuery({ queryKey: meQueryKey, queryFn: () => data(api.GET('/api/v1/me')), staleTime: 60_000 });
}
