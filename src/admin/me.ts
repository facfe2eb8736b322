import type { OrganizationType } from '../domain/application.js';
import type { Role } from '../domain/user.js';
import type { AdminContext } from './context.js';
import { isPlatformAdmin } from './access.js';
import { organizationsById } from './organizations.js';

/** What GET /api/v1/me answers: who the caller is and what they may act for (the console draws itself from it). */
export interface MeView {
  actor: string;
  platform_admin: boolean;
  user: { id: string; email: string; name: string; platform_admin: boolean } | null;
  memberships: { organization: { id: string; name: string; type: OrganizationType }; role: Role }[];
}

/**
 * The caller. An admin application's token (or the CLI) is no person: `user` is null and there are no
 * memberships, yet `platform_admin` is true. A person's memberships are the ones loaded with the
 * request, with their organizations' names and types (one query).
 */
export async function describeCaller(ctx: AdminContext): Promise<MeView> {
  const p = ctx.principal;
  if (p.kind !== 'user') return { actor: p.actor, platform_admin: true, user: null, memberships: [] };
  const byId = await organizationsById(ctx.stores, p.memberships.map((m) => m.organizationId));
  return {
    actor: p.actor,
    platform_admin: isPlatformAdmin(p),
    user: { id: p.user.id, email: p.user.email, name: p.user.name, platform_admin: p.user.platformAdmin },
    memberships: p.memberships.flatMap((m) => {
      const o = byId.get(m.organizationId);
      return o ? [{ organization: { id: o.id, name: o.name, type: o.type }, role: m.role }] : [];
    }),
  };
}
