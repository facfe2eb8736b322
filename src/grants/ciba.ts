import { OAuthError } from '../domain/oauth-error.js';
import { AUTH_REQ_ID_PREFIX, type DecoupledRequest } from '../domain/authorization.js';
import { CIBA_GRANT_TYPE, type Application } from '../domain/application.js';
import { GRANTING_ROLES } from '../domain/user.js';
import type { Stores } from '../storage/ports.js';
import { grantInstallation } from '../protocol/grant-installation.js';
import { runGrantTransaction, type Outcome } from './outcome.js';
import type { GrantDeps, GrantHandler, IssueOptions } from './grant.js';

const INVALID = 'the auth_req_id is invalid, was issued to another client, or was already used';
const fail = (code: 'invalid_grant' | 'authorization_pending' | 'slow_down' | 'expired_token' | 'access_denied', description: string): Outcome => ({ error: new OAuthError(code, description) });

/** RFC 8628 §3.5 (which CIBA §11 follows): after slow_down the interval "MUST be increased by 5 seconds". */
export const SLOW_DOWN_STEP = 5;

/**
 * The token request of CIBA poll mode (OpenID CIBA Core §10.1, errors §11). One transaction: the
 * poll is recorded (also when it is answered with an error, which is why the transaction returns
 * an outcome), and an approved request is redeemed by a compare-and-swap before anything is issued,
 * so of concurrent polls exactly one gets the tokens.
 */
export const cibaGrant = {
  grantType: CIBA_GRANT_TYPE,
  async handle({ params, client, issue }, deps) {
    const authReqId = params.auth_req_id;
    if (!authReqId) throw new OAuthError('invalid_request', 'the auth_req_id parameter is required');
    // Not one of ours: no database round trip needed to say so.
    if (!authReqId.startsWith(AUTH_REQ_ID_PREFIX) || authReqId.length > 200) throw new OAuthError('invalid_grant', INVALID);
    const hash = deps.hasher.hash(authReqId);
    return runGrantTransaction(deps, (tx) => poll(tx, deps, client.app, hash, issue));
  },
} satisfies GrantHandler;

async function poll(tx: Stores, deps: GrantDeps, app: Application, hash: string, issue: IssueOptions | undefined): Promise<Outcome> {
  const now = deps.clock.now();
  const request = await tx.decoupled.getByAuthReqId(hash);
  // CIBA §11 invalid_grant: "the auth_req_id is invalid or was issued to another Client".
  if (!request || request.applicationId !== app.id) return fail('invalid_grant', INVALID);
  if (request.status === 'redeemed') return fail('invalid_grant', INVALID);
  // CIBA §11 access_denied: "The end-user denied the authorization request."
  if (request.status === 'denied') return fail('access_denied', 'the resource owner denied the request');
  // CIBA §11 expired_token: "The auth_req_id has expired. The Client will need to make a new Authentication Request."
  if (request.expiresAt <= now) return fail('expired_token', 'the auth_req_id has expired; make a new backchannel authentication request');
  if (request.status === 'pending') return pending(tx, request, now);

  // Approved: redeem once. The loser of a concurrent poll finds it redeemed.
  if (!(await tx.decoupled.redeem(request.id))) return fail('invalid_grant', INVALID);
  const organizationId = request.organizationId;
  if (organizationId === null) return fail('invalid_grant', 'the approval names no organization');
  if (!(await approverMayStillGrant(tx, request.decidedBy, organizationId))) return fail('invalid_grant', 'the user who approved can no longer grant access for this organization');
  const scopes = request.scopes.filter((s) => app.scopes.includes(s));
  if (scopes.length === 0) return fail('invalid_grant', 'the application may no longer have the approved scopes');

  const granted = await grantInstallation(tx, deps, { app, organizationId, scopes, origin: 'decoupled', grantedBy: request.decidedBy ?? `app:${app.clientId}`, issue });
  await tx.decoupled.recordIssued(request.id, granted.familyId, granted.installation.id);
  return { ok: granted.response };
}

/**
 * CIBA §11 authorization_pending, or slow_down for a poll sooner than `interval` seconds after the
 * previous one (the interval then grows by 5 s for every later poll, RFC 8628 §3.5).
 */
async function pending(tx: Stores, request: DecoupledRequest, now: number): Promise<Outcome> {
  const tooSoon = request.lastPolledAt !== null && now - request.lastPolledAt < request.interval * 1000;
  const interval = tooSoon ? request.interval + SLOW_DOWN_STEP : request.interval;
  await tx.decoupled.recordPoll(request.id, now, interval);
  if (tooSoon) return fail('slow_down', `polling too fast: wait at least ${interval} seconds between requests`);
  return fail('authorization_pending', 'the resource owner has not yet approved or denied the request');
}

/** A person who approved may have lost the right to grant since; an administrator's approval stands. */
async function approverMayStillGrant(tx: Stores, decidedBy: string | null, organizationId: string): Promise<boolean> {
  if (!decidedBy?.startsWith('user:')) return true;
  const user = await tx.users.get(decidedBy.slice('user:'.length));
  if (!user || user.status !== 'active') return false;
  if (user.platformAdmin) return true;
  const membership = (await tx.users.memberships(user.id)).find((m) => m.organizationId === organizationId);
  if (!membership || !GRANTING_ROLES.includes(membership.role)) return false;
  const org = await tx.organizations.get(organizationId);
  return org?.type === 'merchant';
}
