import { timingSafeEqual } from 'node:crypto';
import { OAuthError } from '../domain/oauth-error.js';
import { AUTHORIZATION_CODE_PREFIX, CODE_VERIFIER_RE, type AuthorizationCode } from '../domain/authorization.js';
import { GRANTING_ROLES, type User } from '../domain/user.js';
import { issueAccessToken } from '../protocol/access-token.js';
import type { Application } from '../domain/application.js';
import type { Stores } from '../storage/ports.js';
import { s256 } from '../protocol/authorize.js';
import { grantInstallation } from '../protocol/grant-installation.js';
import { mintPersonCredentials, revokeFamilies } from '../protocol/installation-tokens.js';
import { runGrantTransaction, type Outcome } from './outcome.js';
import type { GrantDeps, GrantHandler, IssueOptions } from './grant.js';
import { appendAudit } from '../storage/audit.js';

const INVALID = 'the authorization code is invalid, expired or was already used';
const fail = (description = INVALID): Outcome => ({ error: new OAuthError('invalid_grant', description) });

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6). The code is redeemed by a compare-and-swap before anything
 * else, in the transaction that issues the tokens: of concurrent redemptions one wins, and a failed
 * check still spends the code (a code that was presented wrongly is not offered to a second guess).
 */
export const authorizationCodeGrant = {
  grantType: 'authorization_code',
  async handle({ params, client, issue }, deps) {
    const code = params.code;
    if (!code) throw new OAuthError('invalid_request', 'the code parameter is required');
    if (params.code_verifier !== undefined && !CODE_VERIFIER_RE.test(params.code_verifier)) {
      throw new OAuthError('invalid_request', 'code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~');
    }
    // Not one of ours: no database round trip needed to say so.
    if (!code.startsWith(AUTHORIZATION_CODE_PREFIX) || code.length > 200) throw new OAuthError('invalid_grant', INVALID);
    const hash = deps.hasher.hash(code);
    return runGrantTransaction(deps, (tx) => redeem(tx, deps, client.app, hash, params, issue));
  },
} satisfies GrantHandler;

async function redeem(tx: Stores, deps: GrantDeps, app: Application, hash: string, params: Record<string, string>, issue: IssueOptions | undefined): Promise<Outcome> {
  const now = deps.clock.now();
  const code = await tx.authorizationCodes.redeem(hash, now);
  if (!code) return replayed(tx, deps, app, hash, now);
  if (code.expiresAt <= now) return fail();
  // RFC 6749 §4.1.3: the code was issued to the authenticated client.
  if (code.applicationId !== app.id) return fail('the authorization code was not issued to this client');
  // RFC 6749 §4.1.3: redirect_uri must be repeated if the authorization request had it, and identical.
  if (params.redirect_uri !== undefined ? params.redirect_uri !== code.redirectUri : code.redirectUriGiven) {
    return fail('redirect_uri does not match the authorization request');
  }
  const pkce = checkVerifier(code, params.code_verifier);
  if (pkce) return pkce;

  const owner = await tx.organizations.get(app.organizationId);
  if (owner?.type === 'platform') return firstParty(tx, deps, app, hash, code, await tx.users.get(code.userId), issue);

  // The user may have lost the right to grant in the seconds since consent.
  const user = await tx.users.get(code.userId);
  const membership = user?.status === 'active' ? (await tx.users.memberships(user.id)).find((m) => m.organizationId === code.organizationId) : undefined;
  if (!membership || !GRANTING_ROLES.includes(membership.role)) return fail('the user who approved can no longer grant access for this organization');
  const scopes = code.scopes.filter((s) => app.scopes.includes(s));
  if (scopes.length === 0) return fail('the application may no longer have the approved scopes');

  const granted = await grantInstallation(tx, deps, { app, organizationId: code.organizationId, scopes, origin: 'authorization_code', grantedBy: `user:${code.userId}`, issue });
  await tx.authorizationCodes.recordIssued(hash, granted.familyId, granted.installation.id);
  return { ok: granted.response };
}

/**
 * A first-party application (the platform's own, e.g. Grantry's console) acts for the person, not for a
 * merchant: the access token's `sub` is the user and there is no installation. When the application
 * may refresh, the person gets a refresh family of their own, which always rotates (RFC 9700
 * §4.14.2) and dies with the person's account (installation-tokens.ts liveFamilyScopes).
 */
async function firstParty(tx: Stores, deps: GrantDeps, app: Application, hash: string, code: AuthorizationCode, user: User | null, issue: IssueOptions | undefined): Promise<Outcome> {
  if (!user || user.status !== 'active') return fail('the user who signed in is no longer active');
  const scopes = code.scopes.filter((s) => app.scopes.includes(s));
  if (scopes.length === 0) return fail('the application may no longer have the approved scopes');
  const ttl = issue?.accessTokenTtl ?? app.accessTokenTtl ?? deps.config.refreshAccessTokenTtl;
  if (!app.grantTypes.includes('refresh_token')) {
    const at = issueAccessToken({ subject: user.id, clientId: app.clientId, scopes, ttlSeconds: ttl, extra: {} }, deps);
    return { ok: { access_token: at.token, token_type: 'Bearer', expires_in: at.expiresIn, scope: scopes.join(' ') } };
  }
  const minted = await mintPersonCredentials(tx, deps, app, user.id, scopes, ttl);
  // A replayed code revokes this family (RFC 6749 §4.1.2), as for an installation's.
  await tx.authorizationCodes.recordIssued(hash, minted.familyId, null);
  return {
    ok: { access_token: minted.accessToken.token, token_type: 'Bearer', expires_in: minted.accessToken.expiresIn, scope: scopes.join(' '), refresh_token: minted.refreshToken },
  };
}

/** RFC 7636 §4.6, and RFC 9700 §2.1.1: a verifier without a challenge is refused (PKCE downgrade). */
function checkVerifier(code: AuthorizationCode, verifier: string | undefined): Outcome | null {
  if (code.codeChallenge === null) return verifier === undefined ? null : fail('code_verifier was sent but the authorization request had no code_challenge');
  if (verifier === undefined) return fail('the code_verifier parameter is required (PKCE)');
  const expected = Buffer.from(code.codeChallenge);
  const actual = Buffer.from(s256(verifier));
  return expected.length === actual.length && timingSafeEqual(expected, actual) ? null : fail('code_verifier does not match the code_challenge');
}

/**
 * RFC 6749 §4.1.2: "If an authorization code is used more than once, the authorization server MUST
 * deny the request and SHOULD revoke (when possible) all tokens previously issued based on that
 * authorization code." The family of the first redemption is revoked with its access token.
 */
async function replayed(tx: Stores, deps: GrantDeps, app: Application, hash: string, now: number): Promise<Outcome> {
  const code = await tx.authorizationCodes.get(hash);
  if (!code) return fail();
  if (code.familyId) {
    const revoked = await revokeFamilies(tx, { familyId: code.familyId }, now, 'code_replayed');
    if (revoked.length > 0) {
      await appendAudit(tx, deps.random, now, {
        actor: `app:${app.clientId}`,
        action: 'authorization_code.replayed',
        target: code.installationId === null ? { type: 'user', id: code.userId } : { type: 'installation', id: code.installationId },
        data: { family_id: code.familyId, client_id: app.clientId },
      });
    }
  }
  return fail();
}
