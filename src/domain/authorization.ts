/** Records of the two ways a resource owner grants access: the authorization code and the decoupled request. */

/** RFC 6749 §4.1.2: a code "MUST expire shortly after it is issued"; 10 minutes maximum is recommended. */
export const AUTHORIZATION_CODE_TTL_MS = 60_000;
export const AUTHORIZATION_CODE_PREFIX = 'gac_';
export const AUTH_REQ_ID_PREFIX = 'gbc_';

export interface AuthorizationCode {
  /** HMAC of the code; the code itself is only ever in the redirect. */
  hash: string;
  applicationId: string;
  userId: string;
  organizationId: string;
  redirectUri: string;
  /** Whether the authorization request carried redirect_uri (RFC 6749 §4.1.3: then the token request must too). */
  redirectUriGiven: boolean;
  scopes: string[];
  codeChallenge: string | null;
  createdAt: number;
  expiresAt: number;
  /** Set by the first redemption; a second one finds it set. */
  redeemedAt: number | null;
  /** What the first redemption issued, so a second redemption can revoke it (RFC 6749 §4.1.2). */
  familyId: string | null;
  installationId: string | null;
}

export type DecoupledStatus = 'pending' | 'approved' | 'denied' | 'redeemed';

/** A CIBA (poll mode) authentication request: the client asks, the resource owner decides elsewhere. */
export interface DecoupledRequest {
  id: string;
  /** HMAC of auth_req_id; the identifier is a bearer secret of the client. */
  authReqIdHash: string;
  applicationId: string;
  scopes: string[];
  /** The user named by login_hint, or null when it named an organization. */
  userId: string | null;
  /** The organization named by login_hint, or chosen at approval. */
  organizationId: string | null;
  bindingMessage: string | null;
  status: DecoupledStatus;
  /** Minimum seconds between polls; slow_down raises it (CIBA §11). */
  interval: number;
  lastPolledAt: number | null;
  decidedBy: string | null;
  decidedAt: number | null;
  createdAt: number;
  expiresAt: number;
  familyId: string | null;
  installationId: string | null;
}

/** RFC 7636 §4.1: code_verifier = 43 to 128 unreserved characters; the S256 challenge is 43 base64url characters. */
export const CODE_VERIFIER_RE = /^[A-Za-z0-9._~-]{43,128}$/;
export const S256_CHALLENGE_RE = /^[A-Za-z0-9_-]{43}$/;
