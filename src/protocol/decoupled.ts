import { OAuthError } from '../domain/oauth-error.js';
import { AUTH_REQ_ID_PREFIX, type DecoupledRequest, type DecoupledStatus } from '../domain/authorization.js';
import { CIBA_GRANT_TYPE, type Application } from '../domain/application.js';
import type { Organization } from '../domain/organization.js';
import { RESERVED_SCOPE_PREFIX, parseScopeParam } from '../domain/scope.js';
import { newId, type Random } from '../domain/random.js';
import { normalizeEmail, type Membership, type User } from '../domain/user.js';
import type { Clock } from '../domain/clock.js';
import type { Config } from '../config/schema.js';
import type { Hasher } from '../crypto/hasher.js';
import { AdminError, invalid } from '../admin/problem.js';
import { pageRequest } from '../admin/context.js';
import type { Page, Stores } from '../storage/ports.js';
import type { AuthenticatedClient } from './client-auth.js';
import { grantingOrganizations } from './granting.js';
import { appendAudit } from '../storage/audit.js';

/**
 * Decoupled authorization, OpenID CIBA Core 1.0 in poll mode: the client asks at the backchannel
 * authentication endpoint (§7), the resource owner approves or denies elsewhere (the console, the
 * management API), and the client polls the token endpoint (§10.1, grants/ciba.ts). Framework-free.
 */

export interface DecoupledDeps {
  stores: Stores;
  clock: Clock;
  random: Random;
  hasher: Hasher;
  config: Pick<Config, 'decoupledRequestTtl' | 'decoupledPollInterval'>;
}

/** The successful authentication request response (CIBA §7.3). */
export interface BackchannelResponse {
  auth_req_id: string;
  expires_in: number;
  interval: number;
}

/** Who looks at or decides decoupled requests: a management-API administrator, or a signed-in person. */
export type DecoupledPrincipal = { kind: 'admin'; actor: string } | { kind: 'user'; user: User; memberships?: readonly Membership[] };

/** CIBA §7.1: the binding message "SHOULD be relatively short and use a limited set of plain text characters". */
const BINDING_MESSAGE_MAX = 64;
const LOGIN_HINT_MAX = 254;

/**
 * POST /oauth/bc-authorize (CIBA §7.1) for an authenticated client: validates the request, stores it
 * with the auth_req_id only as a keyed hash, and answers `{auth_req_id, expires_in, interval}` (§7.3).
 */
export async function requestDecoupledAuthorization(deps: DecoupledDeps, client: AuthenticatedClient, params: Record<string, string>): Promise<BackchannelResponse> {
  const { app } = client;
  // CIBA §4 and §7.1: only confidential clients, and the request MUST be authenticated. A public
  // client (method none) has no credentials to present.
  if (client.method === 'none') throw new OAuthError('invalid_client', 'the backchannel authentication endpoint requires client authentication with a secret');
  // CIBA §13: unauthorized_client "The Client is not authorized to use this authentication flow."
  if (!app.grantTypes.includes(CIBA_GRANT_TYPE)) throw new OAuthError('unauthorized_client', `this client may not use the ${CIBA_GRANT_TYPE} grant`);

  // CIBA §7.1: exactly one of login_hint_token, id_token_hint and login_hint.
  const hints = (['login_hint', 'login_hint_token', 'id_token_hint'] as const).filter((h) => params[h] !== undefined);
  if (hints.length === 0) throw new OAuthError('invalid_request', 'the login_hint parameter is required (an email address of a user, or an organization id)');
  if (hints.length > 1) throw new OAuthError('invalid_request', `only one of login_hint, login_hint_token and id_token_hint may be sent (got ${hints.join(', ')})`);
  if (hints[0] !== 'login_hint') throw new OAuthError('invalid_request', `${hints[0]} is not supported: send login_hint`);

  const scopes = checkScopes(app, params.scope);
  const bindingMessage = checkBindingMessage(params.binding_message);
  const ttl = checkRequestedExpiry(params.requested_expiry, deps.config.decoupledRequestTtl);
  const named = await resolveLoginHint(deps.stores, params.login_hint!);

  const now = deps.clock.now();
  const authReqId = `${AUTH_REQ_ID_PREFIX}${deps.random.token(32)}`;
  const request: DecoupledRequest = {
    id: newId('breq', now, deps.random),
    authReqIdHash: deps.hasher.hash(authReqId),
    applicationId: app.id,
    scopes,
    userId: named.kind === 'user' ? named.user.id : null,
    organizationId: named.kind === 'organization' ? named.organization.id : null,
    bindingMessage,
    status: 'pending',
    interval: deps.config.decoupledPollInterval,
    lastPolledAt: null,
    decidedBy: null,
    decidedAt: null,
    createdAt: now,
    expiresAt: now + ttl * 1000,
    familyId: null,
    installationId: null,
  };
  await deps.stores.transaction(async (tx) => {
    await tx.decoupled.create(request);
    await appendAudit(tx, deps.random, now, {
      actor: `app:${app.clientId}`,
      action: 'decoupled_request.created',
      target: { type: 'decoupled_request', id: request.id },
      data: { application_id: app.id, scopes, user_id: request.userId, organization_id: request.organizationId, expires_at: request.expiresAt },
    });
  });
  return { auth_req_id: authReqId, expires_in: ttl, interval: request.interval };
}

/** CIBA §7.1: scope is REQUIRED; the rules are the authorization endpoint's (a subset of the app's, no grantry: scope). */
function checkScopes(app: Application, value: string | undefined): string[] {
  if (value === undefined) throw new OAuthError('invalid_request', 'the scope parameter is required');
  const scopes = parseScopeParam(value);
  if (scopes === null) throw new OAuthError('invalid_scope', 'the scope parameter is malformed');
  if (scopes.length === 0) throw new OAuthError('invalid_request', 'the scope parameter is required');
  const reserved = scopes.filter((s) => s.startsWith(RESERVED_SCOPE_PREFIX));
  if (reserved.length > 0) throw new OAuthError('invalid_scope', `these scopes cannot be granted by a user: ${reserved.join(' ')}`);
  const unknown = scopes.filter((s) => !app.scopes.includes(s));
  if (unknown.length > 0) throw new OAuthError('invalid_scope', `scope not allowed for this application: ${unknown.join(' ')}`);
  return scopes;
}

/** CIBA §7.1 and §13 (invalid_binding_message): short, printable text shown on both devices. */
function checkBindingMessage(value: string | undefined): string | null {
  if (value === undefined) return null;
  const chars = [...value];
  if (chars.length > BINDING_MESSAGE_MAX || /[\p{C}]/u.test(value) || value.trim() === '') {
    throw new OAuthError('invalid_binding_message', `binding_message must be 1 to ${BINDING_MESSAGE_MAX} printable characters`);
  }
  return value;
}

/** CIBA §7.1: requested_expiry is a positive integer of seconds; Grantry caps it at its own lifetime. */
function checkRequestedExpiry(value: string | undefined, max: number): number {
  if (value === undefined) return max;
  if (!/^[1-9][0-9]{0,8}$/.test(value)) throw new OAuthError('invalid_request', 'requested_expiry must be a positive integer number of seconds');
  return Math.min(Number(value), max);
}

type Named = { kind: 'user'; user: User; organizations: Organization[] } | { kind: 'organization'; organization: Organization };

/**
 * login_hint names the resource owner: a user by email (who must be able to grant for at least one
 * merchant organization), or a merchant organization by id. Anything else is unknown_user_id
 * (CIBA §13), with one message so the answer does not tell which accounts exist.
 */
async function resolveLoginHint(stores: Stores, hint: string): Promise<Named> {
  const unknown = (): never => {
    throw new OAuthError('unknown_user_id', 'login_hint does not name a user or organization that can approve this request');
  };
  if (hint.length > LOGIN_HINT_MAX) return unknown();
  if (hint.startsWith('org_')) {
    const organization = await stores.organizations.get(hint);
    if (!organization || organization.type !== 'merchant') return unknown();
    return { kind: 'organization', organization };
  }
  const email = normalizeEmail(hint);
  const user = email ? await stores.users.getByEmail(email) : null;
  if (!user || user.status !== 'active') return unknown();
  const organizations = await grantingOrganizations(stores, user);
  if (organizations.length === 0) return unknown();
  return { kind: 'user', user, organizations };
}

// ---------------------------------------------------------------------------------------------------
// Looking at and deciding requests (management API, console)

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
