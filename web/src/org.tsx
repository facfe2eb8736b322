import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, data, type Organization } from './api/client';
import type { Me } from './api/me';

export type OrgType = Organization['type'];
export type Role = Me['memberships'][number]['role'];

export interface OrgOption {
  id: string;
  name: string;
  type: OrgType;
  /** The signed-in person's role there; null for a platform administrator who is not a member. */
  role: Role | null;
}

interface OrgState {
  me: Me;
  isPlatformAdmin: boolean;
  organizations: OrgOption[];
  /** Still loading every organization (platform administrators). */
  loadingOrganizations: boolean;
  current: OrgOption | null;
  select(id: string): void;
}

const OrgContext = createContext<OrgState | null>(null);

/** Every organization, for platform administrators (the list pages through the API's cursor). */
async function allOrganizations(): Promise<Organization[]> {
  const out: Organization[] = [];
  let cursor: string | undefined;
  // At most 5,000 in the switcher; beyond that an administrator searches by id in the pages that take one.
  for (let i = 0; i < 25; i++) {
    const page = await data(api.GET('/api/v1/organizations', { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }));
    out.push(...page.items);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return out;
}

const TYPE_ORDER: Record<OrgType, number> = { merchant: 0, partner: 1, platform: 2 };

export function OrgProvider({ me, children }: { me: Me; children: ReactNode }) {
  const isPlatformAdmin = me.platform_admin;
  const everything = useQuery({ queryKey: ['organizations', 'all'], queryFn: allOrganizations, enabled: isPlatformAdmin, staleTime: 30_000 });
  const organizations = useMemo<OrgOption[]>(() => {
    const mine = me.memberships.map((m) => ({ ...m.organization, role: m.role }));
    const seen = new Set(mine.map((o) => o.id));
    const others = (everything.data ?? []).filter((o) => !seen.has(o.id)).map((o) => ({ id: o.id, name: o.name, type: o.type, role: null }));
    const byName = (a: OrgOption, b: OrgOption) => TYPE_ORDER[a.type] - TYPE_ORDER[b.type] || a.name.localeCompare(b.name);
    return [...mine.sort(byName), ...others.sort(byName)];
  }, [me, everything.data]);
  const [selected, setSelected] = useState<string | null>(null);
  const current = organizations.find((o) => o.id === selected) ?? organizations[0] ?? null;
  useEffect(() => {
    if (current && current.id !== selected) setSelected(current.id);
  }, [current, selected]);
  const value: OrgState = { me, isPlatformAdmin, organizations, loadingOrganizations: everything.isLoading, current, select: setSelected };
  return <OrgContext.Provider value={value}>{children}</OrgContext.Provider>;
}

export function useOrg(): OrgState {
  const state = useContext(OrgContext);
  if (!state) throw new Error('useOrg outside OrgProvider');
  return state;
}

export const ORG_TYPE_LABEL: Record<OrgType, string> = { merchant: 'Merchant', partner: 'Partner', platform: 'Platform' };
export const ROLE_LABEL: Record<Role, string> = { owner: 'Owner', admin: 'Admin', developer: 'Developer' };
