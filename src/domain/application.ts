/** Pure types and rules of OAuth clients ("applications"). */

export const APPLICATION_TYPES = ['merchant', 'third_party', 'native', 'public'] as const;
export type ApplicationType = (typeof APPLICATION_TYPES)[number];

export const ORGANIZATION_TYPES = ['merchant', 'partner', 'platform'] as const;
export type OrganizationType = (typeof ORGANIZATION_TYPES)[number];

/** OpenID CIBA Core §10.1: the grant type of the token request of a decoupled (backchannel) authorization. */
export const CIBA_GRANT_TYPE = 'urn:openid:params:grant-type:ciba';

export const GRANT_TYPES = ['client_credentials', 'refresh_token', 'authorization_code', CIBA_GRANT_TYPE] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

export const REFRESH_POLICIES = ['rotate', 'reuse'] as const;
export type RefreshPolicy = (typeof REFRESH_POLICIES)[number];

export interface Application {
  id: string;
  clientId: string;
  name: string;
  type: ApplicationType;
  organizationId: string;
  scopes: string[];
  redirectUris: string[];
  grantTypes: GrantType[];
  refreshPolicy: RefreshPolicy;
  accessTokenTtl: number | null;
  /** Idle lifetime of a refresh token in seconds; 0 = no expiry while the installation lives; null = server default. */
  refreshTokenTtl: number | null;
  /** Absolute cap of a refresh family in seconds; null = server default (none unless configured). */
  refreshFamilyMaxAge: number | null;
  /** Seconds a spent refresh token may be replayed for the same successor (lost responses); null = server default. */
  refreshGracePeriod: number | null;
  /** An https image shown on the consent page; null for none. */
  logoUri: string | null;
  /** Numeric alias for seed 003's `partnerId` header (int32); null for none. */
  partnerId: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface ClientSecret {
  id: string;
  applicationId: string;
  /** HMAC-SHA-256 of the secret under the server pepper; the secret itself is never stored. */
  hash: Buffer;
  /** First characters of the secret, to tell secrets apart in the console (never enough to guess it). */
  hint: string;
  createdAt: number;
  expiresAt: number | null;
}

/** An application may hold two active secrets at once, so secrets rotate without downtime. */
export const MAX_ACTIVE_SECRETS = 2;

export function defaultGrantTypes(type: ApplicationType): GrantType[] {
  switch (type) {
    case 'merchant':
      return ['client_credentials'];
    case 'third_party':
    case 'native':
      return ['refresh_token', 'authorization_code'];
    case 'public':
      return ['authorization_code', 'refresh_token'];
  }
}

export function defaultRefreshPolicy(type: ApplicationType): RefreshPolicy {
  // Webhook-delivered apps default to `reuse`: with push delivery a lost rotation response would
  // otherwise lose the installation (DESIGN.md). Public clients must rotate (RFC 9700 §4.14.2).
  return type === 'public' ? 'rotate' : 'reuse';
}

export function isSecretActive(secret: ClientSecret, now: number): boolean {
  return secret.expiresAt === null || secret.expiresAt > now;
}
