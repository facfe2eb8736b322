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
import { appendAudit } from '../protocol/audit.js';

const INVALID = 'the refresh token is invalid, expired or revoked';
const fail = (description = INVALID): Outcome => ({ error: new OAuthError('invalid_grant', description) });

/**
 * RFC 6749 §6. The whole refresh runs in one transaction that returns an outcome instead of throwing,
 * so what a failed refresh must record (reuse detection revoking the family) is committed too.
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
    return runGrantTransaction(deps, (tx) => refresh(tx, deps, client.app, hash, params.scope, ttl));
  },
} satisfies GrantHandler;

async function refresh(tx: Stores, deps: GrantDeps, app: Application, hash: string, scopeParam: string | undefined, ttl: number): Promise<Outcome> {
  const now = deps.clock.now();
  // Token, family and installation in one query: this is the hot path of every refresh.
  const found = await tx.refresh.lookup(hash);
  if (!found) return fail();
  const { token, family, installation } = found;
  // Seed 000: the client must be the installed application the refresh token was issued to.
  if (family.applicationId !== app.id) return fail('the refresh token was not issued to this client');
  if (family.status !== 'active') return fail();
  if (family.absoluteExpiresAt !== null && family.absoluteExpiresAt <= now) return fail('the refresh token family has reached its maximum age');
  // A scope change on the installation (or the application, for a person's family) narrows what an
  // older family can still get; an uninstall, or a disabled person, ends it.
  const granted = await liveFamilyScopes(tx, family, installation, app);
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
    if (token.spentAt !== null) return spent(tx, deps, app, token, family, now);
    return rotate(tx, deps, app, token, family, scopes, now, ttl);
  }
  // reuse: the token stays valid; each use slides its idle expiry (seed 000, DESIGN "reuse").
  if (token.expiresAt !== null && token.expiresAt <= now) return fail();
  const at = issueFamilyAccessToken(family, app, scopes, ttl, deps);
  await tx.refresh.touch(family.id, { lastAccessJti: at.jti, lastAccessExp: at.expiresAt, lastUsedAt: now });
  const { idleMs } = refreshSettings(app, deps.config);
  await tx.refresh.extendToken(hash, refreshExpiry(now, idleMs, family.absoluteExpiresAt));
  await receipt(tx, family, now);
  return { ok: { access_token: at.token, token_type: 'Bearer', expires_in: at.expiresIn, scope: scopes.join(' ') } };
}

async function rotate(tx: Stores, deps: GrantDeps, app: Application, token: RefreshTokenRecord, family: RefreshFamily, scopes: string[], now: number, ttl: number): Promise<Outcome> {
  if (token.expiresAt !== null && token.expiresAt <= now) return fail();
  // An unspent token of an older generation cannot exist unless storage was tampered with: treat as reuse.
  if (token.generation !== family.generation) return reuseDetected(tx, deps, app, family, now);
  const at = issueFamilyAccessToken(family, app, scopes, ttl, deps);
  // The compare-and-swap on the family's generation: of N concurrent rotations exactly one wins.
  const won = await tx.refresh.advance(family.id, family.generation, { lastAccessJti: at.jti, lastAccessExp: at.expiresAt, lastUsedAt: now });
  if (!won) {
    // Lost the race: judge the token as it is now (spent by the winner) — a grace replay or reuse.
    const [current, currentFamily] = await Promise.all([tx.refresh.getToken(token.hash), tx.refresh.getFamily(family.id)]);
    if (!current || !currentFamily || currentFamily.status !== 'active') return fail();
    return spent(tx, deps, app, current, currentFamily, now);
  }
  const { idleMs, graceMs } = refreshSettings(app, deps.config);
  const refreshToken = `${REFRESH_TOKEN_PREFIX}${deps.random.token(32)}`;
  const response: TokenResponse = { access_token: at.token, token_type: 'Bearer', expires_in: at.expiresIn, scope: scopes.join(' '), refresh_token: refreshToken };
  // Kept sealed for the grace period only, so a retried lost response gets the same pair (DESIGN).
  const successor = graceMs > 0 ? { sealed: deps.box.encrypt(JSON.stringify(response), `refresh_tokens:${token.hash}`), until: now + graceMs } : null;
  await tx.refresh.markSpent(token.hash, now, successor);
  await tx.refresh.insertToken({
    hash: deps.hasher.hash(refreshToken),
    familyId: family.id,
    generation: family.generation + 1,
    createdAt: now,
    // Rotation never extends the family past its absolute cap.
    expiresAt: refreshExpiry(now, idleMs, family.absoluteExpiresAt),
    spentAt: null,
    successorSealed: null,
    successorUntil: null,
  });
  // Seed 002: "The existing access/refresh tokens will be revoked."
  if (family.lastAccessJti && family.lastAccessExp && family.lastAccessExp > now) await tx.revocations.revokeAccessToken(family.lastAccessJti, family.lastAccessExp);
  await receipt(tx, family, now);
  return { ok: response };
}

/** A spent token presented again: the same successor within the grace period, otherwise reuse. */
async function spent(tx: Stores, deps: GrantDeps, app: Application, token: RefreshTokenRecord, family: RefreshFamily, now: number): Promise<Outcome> {
  // Only the immediate predecessor of the current token qualifies for a replay.
  if (token.generation === family.generation - 1 && token.successorSealed && token.successorUntil !== null && token.successorUntil > now) {
    const response = JSON.parse(deps.box.decrypt(token.successorSealed, `refresh_tokens:${token.hash}`).toString('utf8')) as TokenResponse;
    return { ok: response };
  }
  return reuseDetected(tx, deps, app, family, now);
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
async function receipt(tx: Stores, family: RefreshFamily, now: number): Promise<void> {
  if (family.lastUsedAt !== null || family.origin !== 'webhook' || family.installationId === null) return;
  await tx.webhooks.markReceived(family.installationId, family.credentialsVersion, now);
  // Only webhook-delivered credentials are superseded: a family a user granted in the browser or on a
  // second device lives until it is revoked, whatever the partner receives by webhook later.
  const older = (await tx.refresh.familiesOf(family.installationId)).filter((f) => f.status === 'active' && f.origin === 'webhook' && f.credentialsVersion < family.credentialsVersion);
  for (const f of older) await revokeFamilies(tx, { familyId: f.id }, now, 'superseded');
}
