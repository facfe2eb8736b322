/** A resource owner's grant of some of an application's scopes to that application. */
export interface Installation {
  id: string;
  organizationId: string;
  applicationId: string;
  scopes: string[];
  status: 'active' | 'uninstalled';
  /** Bumped on every credentials mint (create, scope change, reissue); webhooks carry it. */
  credentialsVersion: number;
  /** Set when a credentials webhook exhausted its attempts; cleared by a reissue. */
  deliveryFailedAt: number | null;
  createdAt: number;
  updatedAt: number;
  uninstalledAt: number | null;
}

/** A new, live installation at its first credentials version. */
export function newInstallation(input: { id: string; organizationId: string; applicationId: string; scopes: string[]; now: number }): Installation {
  const { id, organizationId, applicationId, scopes, now } = input;
  return { id, organizationId, applicationId, scopes, status: 'active', credentialsVersion: 1, deliveryFailedAt: null, createdAt: now, updatedAt: now, uninstalledAt: null };
}

/** The chain of refresh tokens issued under one installation credentials version. */
export interface RefreshFamily {
  id: string;
  /** Null for a person's own family (origin `first_party`): `subject` is then the user's id. */
  installationId: string | null;
  applicationId: string;
  /** The resource owner: `sub` of the access tokens. */
  subject: string;
  scopes: string[];
  policy: 'rotate' | 'reuse';
  credentialsVersion: number;
  /** Rotation counter: the current refresh token has this generation (compare-and-swap target). */
  generation: number;
  status: 'active' | 'revoked';
  revokedAt: number | null;
  revokedReason: string | null;
  /** The access token issued with the current refresh token (seed 002 revokes it on the next refresh). */
  lastAccessJti: string | null;
  lastAccessExp: number | null;
  /** Absolute cap: rotation never extends the family past it. */
  absoluteExpiresAt: number | null;
  createdAt: number;
  /** Null until the partner first uses the family: that first use is the webhook receipt. */
  lastUsedAt: number | null;
  /**
   * How the first refresh token reached the client: by webhook, or in a token response to an
   * authorization code or an approved decoupled request. Only webhook families take part in the
   * hand-off that retires older credentials on first use.
   */
  origin: FamilyOrigin;
}

/**
 * How a family's first tokens reached the client: by webhook, through the code flow or a decoupled
 * grant on an installation, or (`first_party`) to a first-party application acting for a person,
 * such as Grantry's console, with no installation behind it.
 */
export const FAMILY_ORIGINS = ['webhook', 'authorization_code', 'decoupled', 'first_party'] as const;
export type FamilyOrigin = (typeof FAMILY_ORIGINS)[number];

export interface RefreshTokenRecord {
  hash: string;
  familyId: string;
  generation: number;
  createdAt: number;
  /** Idle expiry; null = lives as long as the installation. */
  expiresAt: number | null;
  spentAt: number | null;
  successorSealed: string | null;
  successorUntil: number | null;
}

export const REFRESH_TOKEN_PREFIX = 'grt_';
