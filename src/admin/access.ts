import type { Application } from '../domain/application.js';
import { GRANTING_ROLES, ROLES, type Membership, type Role, type User } from '../domain/user.js';
import { AdminError } from './problem.js';

/**
 * Who calls a management operation, and what they may do (docs/console.md, "Roles").
 *
 * - A platform administrator may do everything: the admin application's token (grantry:admin), a
 *   person with `platform_admin`, or an in-process caller (the CLI, `grantry init`), which already
 *   holds the database and the master key, so nothing it could be refused here would protect anything.
 * - A member is a person signed in through a first-party application (grantry:console), with the
 *   memberships loaded once when the request was authenticated: every check below reads them from the
 *   principal, never from the database again.
 *
 * What a member may not see answers 404 with the same text as something that does not exist (OWASP
 * API1: broken object-level authorization; telling "exists but not yours" would let anyone enumerate
 * other tenants' ids). What they may see but not change answers 403 `forbidden`.
 */
export type Principal =
  | {
      kind: 'admin';
      /** For the audit log: `app:<client_id>`, `cli`. */
      actor: string;
      /** `token`: an admin application's access token; `cli`: an in-process caller. */
      via: 'token' | 'cli';
    }
  | {
      kind: 'user';
      /** `user:<id>`. */
      actor: string;
      user: User;
      /** Loaded once per request, when the token was checked. */
      memberships: readonly Membership[];
    };

/** The in-process caller (CLI, `grantry init`, tests): a platform administrator. */
export const cliPrincipal = (actor: string): Principal => ({ kind: 'admin', actor, via: 'cli' });

/** Roles that may change an organization's applications, their secrets and webhooks (every member). */
export const APPLICATION_ROLES: readonly Role[] = ROLES;
/**
 * Roles that may install, change, reissue or uninstall for a merchant organization: the same as may
 * grant access by consent or decoupled approval (protocol/granting.ts). A developer builds; granting
 * an application access to the business's data is the business's call.
 */
export const INSTALLING_ROLES: readonly Role[] = GRANTING_ROLES;

export function isPlatformAdmin(p: Principal): boolean {
  return p.kind === 'admin' || p.user.platformAdmin;
}

const forbidden = (detail: string): AdminError => new AdminError('forbidden', detail);

/**
 * For operations on resources with no organization (signing keys, the audit log, users and
 * memberships, the scope catalogue's changes, creating organizations): 403 for everyone else. The check
 * comes before any lookup, so the answer is the same for ids that exist and ids that do not.
 */
export function requirePlatformAdmin(p: Principal, what = 'this operation'): void {
  if (!isPlatformAdmin(p)) throw forbidden(`${what} is reserved to platform administrators`);
}

/** The caller's role in an organization; null when not a member (platform administrators included). */
export function roleIn(p: Principal, organizationId: string): Role | null {
  if (p.kind !== 'user') return null;
  return p.memberships.find((m) => m.organizationId === organizationId)?.role ?? null;
}

/** Whether the caller may see what belongs to an organization. */
export function canRead(p: Principal, organizationId: string): boolean {
  return isPlatformAdmin(p) || roleIn(p, organizationId) !== null;
}

/** The organizations whose rows the caller sees; null = all (platform administrators). */
export function visibleOrganizationIds(p: Principal): string[] | null {
  if (isPlatformAdmin(p) || p.kind !== 'user') return null;
  return p.memberships.map((m) => m.organizationId);
}

/**
 * Throws `hidden()` (a 404 worded like "does not exist") unless the caller may see the organization's
 * data. Call it before looking at anything else about the object, so the answer tells nothing.
 */
export function requireVisible(p: Principal, organizationId: string, hidden: () => AdminError): void {
  if (!canRead(p, organizationId)) throw hidden();
}

/**
 * The caller must hold one of `roles` in the organization: not a member → `hidden()` (404), a member
 * with another role → 403. Platform administrators always pass.
 */
export function requireRole(p: Principal, organizationId: string, roles: readonly Role[], hidden: () => AdminError, what = 'this change'): void {
  if (isPlatformAdmin(p)) return;
  const role = roleIn(p, organizationId);
  if (role === null) throw hidden();
  if (!roles.includes(role)) throw forbidden(`${what} needs the role ${roles.join(' or ')} in organization ${organizationId}; yours is ${role}`);
}

/**
 * Changing an installation (scopes, reissue, uninstall) once the caller was found to see it: owner or
 * admin of the merchant organization, as for installing. A partner's members see their applications'
 * installations but cannot change a merchant's grant; a merchant's developer cannot either (403).
 */
export function requireInstallationChange(p: Principal, merchantOrganizationId: string): void {
  requireRole(p, merchantOrganizationId, INSTALLING_ROLES, () => forbidden(`changing installations of organization ${merchantOrganizationId} needs the role owner or admin there`), 'changing an installation');
}

/**
 * Whether the caller may see an application at all: a member of its organization sees all of it; anyone
 * signed in sees a third-party application's public face in the catalogue (GET /catalog/applications),
 * so naming one (to install it, or to filter installations by it) tells nothing.
 */
export function canKnowApplication(p: Principal, app: Pick<Application, 'organizationId' | 'type'>): boolean {
  return app.type === 'third_party' || canRead(p, app.organizationId);
}

/**
 * Changing an application (settings, secrets, webhooks, retrying its deliveries): owner, admin or
 * developer of its organization. The platform organization's applications are the exception: they
 * hold grantry:admin, grantry:introspect and grantry:console, so whoever changes one (a secret, a
 * redirect URI) can mint tokens with those scopes and act as a platform administrator. Only platform
 * administrators may change them, whatever a person's role in the platform organization.
 */
export function requireApplicationChange(
  p: Principal,
  app: Pick<Application, 'organizationId'>,
  organizationType: string | null,
  hidden: () => AdminError,
): void {
  requireRole(p, app.organizationId, APPLICATION_ROLES, hidden, 'changing an application');
  if (organizationType === 'platform') requirePlatformAdmin(p, 'changing an application of the platform organization');
}
