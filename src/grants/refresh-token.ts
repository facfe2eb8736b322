import { OAuthError } from '../domain/oauth-error.js';
import type { Application } from '../domain/application.js';
import type { RefreshFamily, RefreshTokenRecord } from '../domain/installation.js';
import { REFRESH_TOKEN_PREFIX } from '../domain/installation.js';
import { parseScopeParam } from '../domain/scope.js';
import type { Stores } from '../storage/ports.js';
import { enqueueEvent } from '../webhooks/enqueue.js';
import { issueFamilyAccessToken, liveFamilyScopes, refreshExpiry, refreshSettings, revokeFamilies } from '../protocol/installation-tokens.js';
import type { GrantDeps, GrantHandler, TokenResponse } from './grant.js';
import { runGrantTransaction, type Outcome } from './outcome.js';
import { appendAudit } from '../storage/audit.js';

const INVALID = 'the refresh token is invalid, expired or revoked';
const fail = (description = INVALID): Outcome => ({ error: new OAuthError('invalid_grant', description) });

/**
 * RFC 6749 §6. A refresh is judged twice at most. First without a transaction: the common cases, an
 * unspent token of a live family that rotates or a live token of a reuse-policy family, need only the
 * lookup and one atomic write (the rotation's compare-and-swap, or the reuse's guarded touch), and a
 * refusal that records nothing needs no write at all. Whatever must record more (reuse detection
 * revoking the family, the first use of webhook credentials) or lost a race is judged again inside one
 * transaction, which returns an outcome instead of throwing, so what a failed refresh records is
 * committed too.
 */
export const refreshTokenGrant = {
  grantType: 'refresh_token',
  async handle({ params, client, issue }, deps) {
    const presented = params.refresh_token;
    if (!presented) throw new OAuthError('invalid_request', 'the refresh_token parameter is required');
    // Not one of ours: no database round trip needed to say so.
    if (!presented.startsWith(REFRESH_TOKEN_PREFIX) || presented.length > 200) throw new OAuthError('invalid_grant', INVALID);
    const hash = deps.hasher.hash(presented);
    const ttl = issue?.accessTokenTtl ?? client.app.accessTokenTtl ?? deps.config.refreshAccessTokenTtl;
    const direct = await refresh(deps.stores, deps, client.app, hash, params.scope, ttl, false);
    if (direct !== IN_TRANSACTION) {
      if ('error' in direct) throw direct.error;
      return direct.ok;
    }
    return runGrantTransaction(deps, async (tx) => settled(await refresh(tx, deps, client.app, hash, params.scope, ttl, true)));
  },
} satisfies GrantHandler;

/** What the first, transaction-less pass answers when the request must be judged in a transaction. */
const IN_TRANSACTION = Symbol('judge in a transaction');
type Judged = Outcome | typeof IN_TRANSACTION;
/** Inside the transaction every path settles; IN_TRANSACTION there would be a bug. */
const settled = (judged: Judged): Outcome => {
  if (judged === IN_TRANSACTION) throw new Error('refresh: a request was deferred to a transaction from inside one');
  return judged;
};

async function refresh(stores: Stores, deps: GrantDeps, app: Application, hash: string, scopeParam: string | undefined, ttl: number, inTx: boolean): Promise<Judged> {
  const now = deps.clock.now();
  // Token, family and installation in one query: this is the hot path of every refresh.
  const found = await stores.refresh.lookup(hash);
  if (!found) return fail();
  const { token, family, installation } = found;
  // Seed 000: the client must be the installed application the refresh token was issued to.
  if (family.applicationId !== app.id) return fail('the refresh token was not issued to this client');
  if (family.status !== 'active') return fail();
  if (family.absoluteExpiresAt !== null && family.absoluteExpiresAt <= now) return fail('the refresh token family has reached its maximum age');
  // A scope change on the installation (or the application, for a person's family) narrows what an
  // older family can still get; an uninstall, or a disabled person, ends it.
  const granted = await liveFamilyScopes(stores, family, installation, app);
  if (granted === null || granted.length === 0) return fail();
  let scopes = granted;
  if (scopeParam !== undefined) {
    const requested = parseScopeParam(scopeParam);
    if (requested === null || requested.length === 0) return { error: new OAuthError('invalid_scope', 'the scope parameter is malformed') };
    // RFC 6749 §6: the requested scope MUST NOT include any scope not originally granted (seed 002: 400).
    const extra = requested.filter((s) => !granted.includes(s));
    if (extra.length > 0) return { error: new OAuthError('invalid_scope', `scope exceeds the grant: ${extra.join(' ')}`) };
    scopes = requested;
  }

  if (family.policy === 'rotate') {
    if (token.spentAt !== null) return spent(stores, deps, app, token, family, now, inTx);
    return rotate(stores, deps, app, token, family, scopes, now, ttl, inTx);
  }
  // reuse: the token stays valid; each use slides its idle expiry (seed 000, DESIGN "reuse").
  if (token.expiresAt !== null && token.expiresAt <= now) return fail();
  // The first use of webhook credentials has more to record, judged on what the transaction reads.
  if (!inTx && needsReceipt(family)) return IN_TRANSACTION;
  const at = issueFamilyAccessToken(family, app, scopes, ttl, deps);
  const { idleMs } = refreshSettings(app, deps.config);
  // One atomic write (part of the transaction in the second pass), guarded on the family being active
  // still: the first pass read it outside any transaction.
  const used = await stores.refresh.use({
    familyId: family.id,
    hash,
    at: now,
    access: { jti: at.jti, expiresAt: at.expiresAt },
    expiresAt: refreshExpiry(now, idleMs, family.absoluteExpiresAt),
  });
  if (!used) return fail();
  if (inTx) await receipt(stores, family, now);
  return { ok: { access_token: at.token, token_type: 'Bearer', expires_in: at.expiresIn, scope: scopes.join(' ') } };
}

async function rotate(stores: Stores, deps: GrantDeps, app: Application, token: RefreshTokenRecord, family: RefreshFamily, scopes: string[], now: number, ttl: number, inTx: boolean): Promise<Judged> {
  if (token.expiresAt !== null && token.expiresAt <= now) return fail();
  // An unspent token of an older generation cannot exist unless storage was tampered with: treat as reuse.
  if (token.generation !== family.generation) return inTx ? reuseDetected(stores, deps, app, family, now) : IN_TRANSACTION;
  // The first use of webhook credentials has more to record than the rotation.
  if (!inTx && needsReceipt(family)) return IN_TRANSACTION;
  const at = issueFamilyAccessToken(family, app, scopes, ttl, deps);
  const { idleMs, graceMs } = refreshSettings(app, deps.config);
  const refreshToken = `${REFRESH_TOKEN_PREFIX}${deps.random.token(32)}`;
  const response: TokenResponse = { access_token: at.token, token_type: 'Bearer', expires_in: at.expiresIn, scope: scopes.join(' '), refresh_token: refreshToken };
  // The compare-and-swap on the family's generation: of N concurrent rotations exactly one wins, and
  // everything it writes is committed before the response (RFC 9700 §4.14.2: one-time use). Recording
  // the new access token on the family is also what revokes the previous one (seed 002: "The existing
  // access/refresh tokens will be revoked"; see isAccessTokenLive).
  const won = await stores.refresh.rotate({
    familyId: family.id,
    generation: family.generation,
    at: now,
    access: { jti: at.jti, expiresAt: at.expiresAt },
    spent: {
      hash: token.hash,
      // Kept sealed for the grace period only, so a retried lost response gets the same pair (DESIGN).
      successor: graceMs > 0 ? { sealed: deps.box.encrypt(JSON.stringify(response), `refresh_tokens:${token.hash}`), until: now + graceMs } : null,
    },
    // Rotation never extends the family past its absolute cap.
    next: { hash: deps.hasher.hash(refreshToken), expiresAt: refreshExpiry(now, idleMs, family.absoluteExpiresAt) },
  });
  if (won) {
    if (inTx) await receipt(stores, family, now);
    return { ok: response };
  }
  // Lost the race: judge the token as it is now (spent by the winner), a grace replay or reuse.
  if (!inTx) return IN_TRANSACTION;
  const [current, currentFamily] = await Promise.all([stores.refresh.getToken(token.hash), stores.refresh.getFamily(family.id)]);
  if (!current || !currentFamily || currentFamily.status !== 'active') return fail();
  return spent(stores, deps, app, current, currentFamily, now, inTx);
}

/** A spent token presented again: the same successor within the grace period, otherwise reuse. */
async function spent(stores: Stores, deps: GrantDeps, app: Application, token: RefreshTokenRecord, family: RefreshFamily, now: number, inTx: boolean): Promise<Judged> {
  // Only the immediate predecessor of the current token qualifies for a replay, which writes nothing.
  if (token.generation === family.generation - 1 && token.successorSealed && token.successorUntil !== null && token.successorUntil > now) {
    const response = JSON.parse(deps.box.decrypt(token.successorSealed, `refresh_tokens:${token.hash}`).toString('utf8')) as TokenResponse;
    return { ok: response };
  }
  return inTx ? reuseDetected(stores, deps, app, family, now) : IN_TRANSACTION;
}

/**
 * RFC 9700 §4.14.2: a refresh token used twice means one of the two users is an attacker, and the server
 * cannot tell which; the whole family is revoked, with an audit row and a REUSE_DETECTED webhook.
 */
async function reuseDetected(tx: Stores, deps: GrantDeps, app: Application, family: RefreshFamily, now: number): Promise<Outcome> {
  const revoked = await revokeFamilies(tx, { familyId: family.id }, now, 'reuse_detected');
  if (revoked.length > 0) {
    // Counted before the commit: should the commit fail, the dashboard is one too high (statistics only).
    deps.usage?.record('refresh_reuse_detected', app.id);
    const installationId = family.installationId;
    await appendAudit(tx, deps.random, now, {
      actor: `app:${app.clientId}`,
      action: 'refresh_token.reuse_detected',
      target: installationId === null ? { type: 'user', id: family.subject } : { type: 'installation', id: installationId },
      data: { family_id: family.id, client_id: app.clientId },
    });
    // A person's family (first-party application) has no partner to tell: the audit row is the record.
    if (installationId !== null) {
      await enqueueEvent(tx, deps, {
        applicationId: app.id,
        eventType: 'REFRESH_TOKEN.REUSE_DETECTED',
        installationId,
        credentialsVersion: null,
        data: { installation_id: installationId, organization_id: family.subject, client_id: app.clientId, credentials_version: family.credentialsVersion, revoked_at: new Date(now).toISOString() },
      });
    }
  }
  return fail();
}

/**
 * The first use of a family is the partner's receipt of its webhook: pending deliveries of those
 * credentials stop, and the older credentials it replaces stop working (DESIGN: webhook hand-off).
 */
const needsReceipt = (family: RefreshFamily): boolean => family.lastUsedAt === null && family.origin === 'webhook' && family.installationId !== null;

async function receipt(tx: Stores, family: RefreshFamily, now: number): Promise<void> {
  if (!needsReceipt(family) || family.installationId === null) return;
  await tx.webhooks.markReceived(family.installationId, family.credentialsVersion, now);
  // Only webhook-delivered credentials are superseded: a family a user granted in the browser or on a
  // second device lives until it is revoked, whatever the partner receives by webhook later.
  const older = (await tx.refresh.familiesOf(family.installationId)).filter((f) => f.status === 'active' && f.origin === 'webhook' && f.credentialsVersion < family.credentialsVersion);
  for (const f of older) await revokeFamilies(tx, { familyId: f.id }, now, 'superseded');
}
