import type { Application } from '../domain/application.js';
import type { FamilyOrigin, Installation, RefreshFamily } from '../domain/installation.js';
import { REFRESH_TOKEN_PREFIX } from '../domain/installation.js';
import { newId } from '../domain/random.js';
import type { Config } from '../config/schema.js';
import type { Hasher } from '../crypto/hasher.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Stores } from '../storage/ports.js';
import { issueAccessToken, type AccessTokenDeps, type IssuedAccessToken } from './access-token.js';

export interface InstallationTokenDeps extends AccessTokenDeps {
  config: Config;
  hasher: Hasher;
  box: SecretBox;
}

/** Per-application refresh settings with the server defaults filled in, in milliseconds (null = none). */
export function refreshSettings(app: Application, config: Config): { idleMs: number | null; maxAgeMs: number | null; graceMs: number } {
  const idle = app.refreshTokenTtl ?? config.refreshTokenTtl;
  const maxAge = app.refreshFamilyMaxAge ?? config.refreshFamilyMaxAge;
  return { idleMs: idle > 0 ? idle * 1000 : null, maxAgeMs: maxAge > 0 ? maxAge * 1000 : null, graceMs: (app.refreshGracePeriod ?? config.refreshGracePeriod) * 1000 };
}

/** A refresh token's expiry: the idle period from now, never past the family's absolute cap. */
export function refreshExpiry(now: number, idleMs: number | null, absoluteExpiresAt: number | null): number | null {
  const idle = idleMs === null ? null : now + idleMs;
  if (idle === null) return absoluteExpiresAt;
  return absoluteExpiresAt === null ? idle : Math.min(idle, absoluteExpiresAt);
}

/**
 * An access token issued under a refresh family. For an installation it acts for the merchant
 * (DESIGN: sub = the resource owner); for a person's family (a first-party application) sub is the
 * user, and there is no merchant or installation to name.
 */
export function issueFamilyAccessToken(
  family: Pick<RefreshFamily, 'id' | 'subject' | 'installationId'>,
  app: Application,
  scopes: readonly string[],
  ttlSeconds: number,
  deps: AccessTokenDeps,
): IssuedAccessToken {
  // grant_id ties the token to its refresh family, so revoking the family revokes it (RFC 7009 §2.1).
  const extra: Record<string, string> = family.installationId === null
    ? { grant_id: family.id }
    : { merchant_id: family.subject, installation_id: family.installationId, grant_id: family.id };
  return issueAccessToken({ subject: family.subject, clientId: app.clientId, scopes, ttlSeconds, extra }, deps);
}

/**
 * What a family may still be used for, or null when the grant behind it is gone. An installation's
 * family is narrowed by the installation's current scopes and dies with it; a person's family by the
 * application's scopes, and it dies when the person is disabled or deleted.
 */
export async function liveFamilyScopes(
  stores: Pick<Stores, 'users'>,
  family: RefreshFamily,
  installation: Pick<Installation, 'status' | 'scopes'> | null,
  app: Pick<Application, 'scopes'>,
): Promise<string[] | null> {
  if (family.installationId === null) {
    const user = await stores.users.get(family.subject);
    if (!user || user.status !== 'active') return null;
    return family.scopes.filter((s) => app.scopes.includes(s));
  }
  if (!installation || installation.status !== 'active') return null;
  return family.scopes.filter((s) => installation.scopes.includes(s));
}

export interface MintedCredentials {
  familyId: string;
  refreshToken: string;
  refreshTokenExpiresAt: number | null;
  accessToken: IssuedAccessToken;
}

export interface MintOptions {
  /** How the credentials reach the client (default: webhook). */
  origin?: FamilyOrigin;
  /** The family's scopes, a subset of the installation's (default: all of them). */
  scopes?: readonly string[];
  /** Lifetime of the first access token (default: the webhook access-token lifetime). */
  accessTokenTtl?: number;
  /** Overrides the application's refresh policy for this family. */
  policy?: 'rotate';
}

/**
 * Mints the credentials of one installation version: a new refresh family with its first token and a
 * short-lived access token. Runs inside the caller's transaction.
 */
export function mintCredentials(tx: Stores, deps: InstallationTokenDeps, installation: Installation, app: Application, options: MintOptions = {}): Promise<MintedCredentials> {
  return mintFamily(tx, deps, app, {
    installationId: installation.id,
    subject: installation.organizationId,
    scopes: options.scopes ?? installation.scopes,
    credentialsVersion: installation.credentialsVersion,
    origin: options.origin ?? 'webhook',
    policy: options.policy ?? app.refreshPolicy,
    accessTokenTtl: options.accessTokenTtl ?? deps.config.webhookAccessTokenTtl,
  });
}

/**
 * A person signed in to a first-party application (Grantry's console): a family of their own, with no
 * installation behind it, that always rotates (it lives in a browser: RFC 9700 §4.14.2).
 */
export function mintPersonCredentials(tx: Stores, deps: InstallationTokenDeps, app: Application, userId: string, scopes: readonly string[], accessTokenTtl: number): Promise<MintedCredentials> {
  return mintFamily(tx, deps, app, { installationId: null, subject: userId, scopes, credentialsVersion: 0, origin: 'first_party', policy: 'rotate', accessTokenTtl });
}

interface FamilySpec {
  installationId: string | null;
  subject: string;
  scopes: readonly string[];
  credentialsVersion: number;
  origin: FamilyOrigin;
  policy: 'rotate' | 'reuse';
  accessTokenTtl: number;
}

async function mintFamily(tx: Stores, deps: InstallationTokenDeps, app: Application, spec: FamilySpec): Promise<MintedCredentials> {
  const now = deps.clock.now();
  const { idleMs, maxAgeMs } = refreshSettings(app, deps.config);
  const familyId = newId('rfam', now, deps.random);
  const scopes = [...spec.scopes];
  const accessToken = issueFamilyAccessToken({ id: familyId, subject: spec.subject, installationId: spec.installationId }, app, scopes, spec.accessTokenTtl, deps);
  const absoluteExpiresAt = maxAgeMs === null ? null : now + maxAgeMs;
  await tx.refresh.createFamily({
    id: familyId,
    installationId: spec.installationId,
    applicationId: app.id,
    subject: spec.subject,
    scopes,
    // RFC 9700 §4.14.2: a public client's refresh tokens must rotate, whatever the stored policy says.
    policy: app.type === 'public' ? 'rotate' : spec.policy,
    credentialsVersion: spec.credentialsVersion,
    generation: 0,
    status: 'active',
    revokedAt: null,
    revokedReason: null,
    lastAccessJti: accessToken.jti,
    lastAccessExp: accessToken.expiresAt,
    absoluteExpiresAt,
    createdAt: now,
    lastUsedAt: null,
    origin: spec.origin,
  });
  const refreshToken = `${REFRESH_TOKEN_PREFIX}${deps.random.token(32)}`;
  const refreshTokenExpiresAt = refreshExpiry(now, idleMs, absoluteExpiresAt);
  await tx.refresh.insertToken({
    hash: deps.hasher.hash(refreshToken),
    familyId,
    generation: 0,
    createdAt: now,
    expiresAt: refreshTokenExpiresAt,
    spentAt: null,
    successorSealed: null,
    successorUntil: null,
  });
  return { familyId, refreshToken, refreshTokenExpiresAt, accessToken };
}

/** Revokes families and the live access tokens they issued (RFC 7009 §2.1: tokens of the same grant). */
export async function revokeFamilies(
  tx: Stores,
  filter: Parameters<Stores['refresh']['revokeFamilies']>[0],
  now: number,
  reason: string,
): Promise<RefreshFamily[]> {
  const revoked = await tx.refresh.revokeFamilies(filter, now, reason);
  for (const f of revoked) {
    if (f.lastAccessJti && f.lastAccessExp && f.lastAccessExp > now) await tx.revocations.revokeAccessToken(f.lastAccessJti, f.lastAccessExp);
  }
  return revoked;
}
