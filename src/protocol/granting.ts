import type { Organization } from '../domain/organization.js';
import { GRANTING_ROLES, type Membership, type User } from '../domain/user.js';
import type { Stores } from '../storage/ports.js';

/**
 * The organizations a user may grant an application access to (consent, decoupled approval): merchant
 * organizations in which they are an owner or an admin. A developer builds; granting is the business's call.
 * `memberships`: the user's, when the caller already has them (the management API loads them once per request).
 */
export async function grantingOrganizations(stores: Pick<Stores, 'users' | 'organizations'>, user: User, memberships?: readonly Membership[]): Promise<Organization[]> {
  const granting = (memberships ?? (await stores.users.memberships(user.id))).filter((m) => GRANTING_ROLES.includes(m.role));
  const orgs = await Promise.all(granting.map((m) => stores.organizations.get(m.organizationId)));
  return orgs.filter((o): o is Organization => o !== null && o.type === 'merchant');
}
