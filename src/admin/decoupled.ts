import type { DecoupledRequest, DecoupledStatus } from '../domain/authorization.js';
import type { Application } from '../domain/application.js';
import type { Random } from '../domain/random.js';
import type { Clock } from '../domain/clock.js';
import type { Page, Stores } from '../storage/ports.js';
import { grantingOrganizations } from '../protocol/granting.js';
import type { Membership, User } from '../domain/user.js';
import { appendAudit } from '../storage/audit.js';
import { AdminError, invalid } from './problem.js';
import { pageRequest } from './context.js';

/**
 * Looking at and deciding decoupled (CIBA) requests: the management API and the console. The client's
 * side of CIBA (the backchannel endpoint) is protocol/decoupled.ts; this is the resource owner's side,
 * so its errors are problem documents rather than OAuth errors.
 */

/** Who looks at or decides decoupled requests: a management-API administrator, or a signed-in person. */
export type DecoupledPrincipal = { kind: 'admin'; actor: string } | { kind: 'user'; user: User; memberships?: readonly Membership[] };

export interface DecoupledViewDeps {
  stores: Stores;
  clock: Clock;
}

export interface DecideDeps extends DecoupledViewDeps {
  random: Random;
}

/** The status a viewer sees: a pending request past its expiry is `expired`. */
export type DecoupledViewStatus = DecoupledStatus | 'expired';

export interface DecoupledRequestView {
  id: string;
  client_id: string | null;
  application_id: string;
  application_name: string | null;
  scopes: string[];
  user_id: string | null;
  organization_id: string | null;
  binding_message: string | null;
  status: DecoupledViewStatus;
  created_at: number;
  expires_at: number;
  decided_at: number | null;
  decided_by: string | null;
}

export function decoupledStatus(r: DecoupledRequest, now: number): DecoupledViewStatus {
  return r.status === 'pending' && r.expiresAt <= now ? 'expired' : r.status;
}

/** The snake_case JSON of a request (management API); `app` is its application when still there. */
export function decoupledRequestView(r: DecoupledRequest, app: Pick<Application, 'clientId' | 'name'> | null, now: number): DecoupledRequestView {
  return {
    id: r.id,
    client_id: app?.clientId ?? null,
    application_id: r.applicationId,
    application_name: app?.name ?? null,
    scopes: r.scopes,
    user_id: r.userId,
    organization_id: r.organizationId,
    binding_message: r.bindingMessage,
    status: decoupledStatus(r, now),
    created_at: r.createdAt,
    expires_at: r.expiresAt,
    decided_at: r.decidedAt,
    decided_by: r.decidedBy,
  };
}

const LIST_STATUSES: readonly DecoupledStatus[] = ['pending', 'approved', 'denied', 'redeemed'];
const DECIDED_STATUSES: readonly DecoupledStatus[] = ['approved', 'denied', 'redeemed'];

/** Platform administrators who sign in act like grantry:admin tokens. */
const isAdmin = (p: DecoupledPrincipal): boolean => p.kind === 'admin' || p.user.platformAdmin;
const actorOf = (p: DecoupledPrincipal): string => (p.kind === 'admin' ? p.actor : `user:${p.user.id}`);

/** Whether a person may see and decide a request: it names them, or an organization they may grant for. */
function visibleTo(r: DecoupledRequest, p: DecoupledPrincipal, grantingIds: readonly string[]): boolean {
  if (isAdmin(p)) return true;
  if (p.kind !== 'user') return false;
  if (r.userId !== null) return r.userId === p.user.id;
  return r.organizationId !== null && grantingIds.includes(r.organizationId);
}

async function grantingIdsOf(stores: Stores, p: DecoupledPrincipal): Promise<string[]> {
  return p.kind === 'user' && !p.user.platformAdmin ? (await grantingOrganizations(stores, p.user, p.memberships)).map((o) => o.id) : [];
}

async function withApps(stores: Stores, requests: DecoupledRequest[], now: number): Promise<DecoupledRequestView[]> {
  const ids = [...new Set(requests.map((r) => r.applicationId))];
  const apps = new Map((await Promise.all(ids.map((id) => stores.applications.get(id)))).filter((a): a is Application => a !== null).map((a) => [a.id, a]));
  return requests.map((r) => decoupledRequestView(r, apps.get(r.applicationId) ?? null, now));
}

/**
 * The requests a principal may see, oldest first (`order=newest`: newest first, for a history).
 * `status=pending` lists only live ones (a pending request past its expiry can no longer be decided);
 * `status=decided` lists approved, denied and redeemed ones together.
 */
export async function listDecoupledRequests(
  deps: DecoupledViewDeps,
  principal: DecoupledPrincipal,
  q: { status?: string | undefined; application_id?: string | undefined; order?: string | undefined; limit?: number | undefined; cursor?: string | undefined } = {},
): Promise<Page<DecoupledRequestView>> {
  const { stores } = deps;
  const now = deps.clock.now();
  if (q.status !== undefined && q.status !== 'decided' && !LIST_STATUSES.includes(q.status as DecoupledStatus)) {
    throw invalid('status', `must be one of ${[...LIST_STATUSES, 'decided'].join(', ')}`);
  }
  if (q.order !== undefined && q.order !== 'oldest' && q.order !== 'newest') throw invalid('order', 'must be oldest or newest');
  const status = q.status === 'decided' ? undefined : (q.status as DecoupledStatus | undefined);
  const filter: Parameters<Stores['decoupled']['list']>[1] = {
    statuses: q.status === 'decided' ? DECIDED_STATUSES : status ? [status] : undefined,
    applicationId: q.application_id,
    liveAt: status === 'pending' ? now : undefined,
    newestFirst: q.order === 'newest',
  };
  if (!isAdmin(principal) && principal.kind === 'user') {
    filter.userId = principal.user.id;
    filter.organizationIds = await grantingIdsOf(stores, principal);
  }
  const page = await stores.decoupled.list(pageRequest(q.limit, q.cursor), filter);
  return { items: await withApps(stores, page.items, now), nextCursor: page.nextCursor };
}

/** One request, if the principal may see it (404 otherwise: its existence is not told). */
export async function getDecoupledRequest(deps: DecoupledViewDeps, principal: DecoupledPrincipal, id: string): Promise<DecoupledRequestView> {
  const r = await deps.stores.decoupled.get(id);
  if (!r || !visibleTo(r, principal, await grantingIdsOf(deps.stores, principal))) throw new AdminError('not_found', `decoupled request ${id} does not exist`);
  return (await withApps(deps.stores, [r], deps.clock.now()))[0]!;
}

/**
 * Approves or denies a pending, live request, once (a compare-and-swap in the store), with an audit
 * row in the same transaction. Approval fixes the organization that grants: the one named by the
 * request, or, when it named a user, one of that user's granting organizations (`organizationId`,
 * required when there are several).
 */
export async function decideDecoupledRequest(
  deps: DecideDeps,
  principal: DecoupledPrincipal,
  id: string,
  decision: 'approve' | 'deny',
  organizationId?: string,
): Promise<DecoupledRequestView> {
  const { stores } = deps;
  const r = await stores.decoupled.get(id);
  if (!r || !visibleTo(r, principal, await grantingIdsOf(stores, principal))) throw new AdminError('not_found', `decoupled request ${id} does not exist`);
  const now = deps.clock.now();
  const state = decoupledStatus(r, now);
  if (state !== 'pending') throw new AdminError('conflict', `the request is ${state === 'expired' ? 'expired' : `already ${state}`}`);

  let organization: string | null = r.organizationId;
  if (r.userId === null) {
    if (organizationId !== undefined && organizationId !== r.organizationId) throw invalid('organization_id', 'the request names another organization');
  } else if (decision === 'approve') {
    const named = await stores.users.get(r.userId);
    const choices = named && named.status === 'active' ? (await grantingOrganizations(stores, named)).map((o) => o.id) : [];
    if (choices.length === 0) throw new AdminError('conflict', 'the user named by the request can no longer grant access for any organization');
    if (organizationId !== undefined) {
      if (!choices.includes(organizationId)) throw invalid('organization_id', 'the named user cannot grant access for this organization');
      organization = organizationId;
    } else if (choices.length === 1) {
      organization = choices[0]!;
    } else {
      throw invalid('organization_id', 'required: the named user can grant access for several organizations');
    }
  }

  const actor = actorOf(principal);
  const status = decision === 'approve' ? 'approved' : 'denied';
  const decided = await stores.transaction(async (tx) => {
    if (!(await tx.decoupled.decide(r.id, status, { decidedBy: actor, decidedAt: now, organizationId: organization }, now))) return false;
    await appendAudit(tx, deps.random, now, {
      actor,
      action: `decoupled_request.${status}`,
      target: { type: 'decoupled_request', id: r.id },
      data: { application_id: r.applicationId, organization_id: organization, user_id: r.userId, scopes: r.scopes },
    });
    return true;
  });
  // Decided by someone else, or expired, between the read and the swap.
  if (!decided) throw new AdminError('conflict', 'the request was already decided or has expired');
  const after = await stores.decoupled.get(r.id);
  return (await withApps(stores, [after ?? { ...r, status, decidedBy: actor, decidedAt: now, organizationId: organization }], now))[0]!;
}
