import type { Installation, RefreshFamily, RefreshTokenRecord } from '../domain/installation.js';
import type { Page, PageRequest } from './paging.js';

export interface InstallationStore {
  create(installation: Installation): Promise<void>;
  get(id: string): Promise<Installation | null>;
  /** The live installation of an application in an organization, if any. */
  findActive(organizationId: string, applicationId: string): Promise<Installation | null>;
  /**
   * `visibleTo`: only installations for one of these organizations or of one of their applications
   * (what a member of them may see; empty = none).
   */
  list(
    page: PageRequest,
    filter?: { organizationId?: string | undefined; applicationId?: string | undefined; status?: string | undefined; visibleTo?: readonly string[] | undefined },
  ): Promise<Page<Installation>>;
  /** Sets fields; returns false when the installation is not active any more. */
  update(id: string, set: Partial<Pick<Installation, 'scopes' | 'credentialsVersion' | 'deliveryFailedAt' | 'updatedAt'>>): Promise<boolean>;
  markUninstalled(id: string, at: number): Promise<boolean>;
}

export interface RefreshLookup {
  token: RefreshTokenRecord;
  family: RefreshFamily;
  /** Null for a person's family (origin first_party), which no installation stands behind. */
  installation: Pick<Installation, 'status' | 'scopes'> | null;
}

export interface Rotation {
  familyId: string;
  /** The generation of the presented token, which must still be the family's. */
  generation: number;
  at: number;
  /** The access token issued with the rotation, recorded on the family: the only one of it still live. */
  access: { jti: string; expiresAt: number };
  /** The presented token, and its sealed response for a grace-period replay (DESIGN). */
  spent: { hash: string; successor: { sealed: string; until: number } | null };
  /** The new refresh token, of generation `generation + 1`. */
  next: { hash: string; expiresAt: number | null };
}

/** A use of a `reuse`-policy token: the family records the access token issued, the token's idle expiry slides. */
export interface TokenUse {
  familyId: string;
  /** The presented token, which stays valid. */
  hash: string;
  at: number;
  access: { jti: string; expiresAt: number };
  /** The token's new expiry (never past the family's absolute cap). */
  expiresAt: number | null;
}

export interface RefreshStore {
  createFamily(family: RefreshFamily): Promise<void>;
  getFamily(id: string): Promise<RefreshFamily | null>;
  familiesOf(installationId: string): Promise<RefreshFamily[]>;
  insertToken(token: RefreshTokenRecord): Promise<void>;
  getToken(hash: string): Promise<RefreshTokenRecord | null>;
  /** A token with its family and the state of its installation, in one query (the refresh hot path). */
  lookup(hash: string): Promise<RefreshLookup | null>;
  /**
   * One rotation, all or nothing: the compare-and-swap moving the family from `generation` to
   * `generation + 1` and recording its new access token, the presented token spent, and its
   * successor stored. Of N concurrent callers exactly one gets true; the others write nothing.
   * Outside a transaction it is atomic and committed when it resolves (the refresh hot path runs it
   * so: one statement on PostgreSQL, a group commit on SQLite); inside one, it is part of that
   * transaction. Inside a transaction, call it on the transaction's stores, never the root ones: on
   * SQLite the root's group commit waits for the connection the transaction holds.
   */
  rotate(rotation: Rotation): Promise<boolean>;
  /**
   * One use of a `reuse`-policy token, all or nothing: the family records the access token issued and
   * the time, and the token's idle expiry slides. False, with nothing written, when the family is no
   * longer active (revoked since it was read). Atomic and committed when it resolves, like `rotate`,
   * with the same rule about transactions.
   */
  use(use: TokenUse): Promise<boolean>;
  /** Revokes families (all of an installation, or one); returns the revoked families as they were. */
  revokeFamilies(filter: { installationId?: string; familyId?: string; exceptFamilyId?: string; credentialsVersion?: number }, at: number, reason: string): Promise<RefreshFamily[]>;
}

export interface RevocationStore {
  /** Revokes an access token by jti until it would have expired anyway. */
  revokeAccessToken(jti: string, expiresAt: number): Promise<void>;
  isAccessTokenRevoked(jti: string): Promise<boolean>;
}
