import type { Membership, Role, Session, SetupToken, User } from '../domain/user.js';
import type { AuthorizationCode, DecoupledRequest, DecoupledStatus } from '../domain/authorization.js';
import type { Page, PageRequest } from './paging.js';

export interface UserPatch {
  name?: string;
  passwordHash?: string | null;
  platformAdmin?: boolean;
  status?: User['status'];
  updatedAt: number;
}

export interface UserStore {
  create(user: User, memberships: Membership[]): Promise<void>;
  get(id: string): Promise<User | null>;
  getByEmail(email: string): Promise<User | null>;
  list(page: PageRequest, filter?: { organizationId?: string | undefined }): Promise<Page<User>>;
  update(id: string, patch: UserPatch): Promise<User | null>;
  delete(id: string): Promise<boolean>;
  memberships(userId: string): Promise<Membership[]>;
  /** Adds or changes a membership (one per user and organization). */
  setMembership(userId: string, organizationId: string, role: Role, at: number): Promise<void>;
  removeMembership(userId: string, organizationId: string): Promise<boolean>;
  /** Users with this role or any of these roles in the organization (owners, to keep at least one). */
  countMembers(organizationId: string, roles: readonly Role[]): Promise<number>;
  createSetupToken(token: SetupToken): Promise<void>;
  /** Marks a live setup token used, once: the user's id for the one caller that wins, null otherwise. */
  consumeSetupToken(hash: string, now: number): Promise<string | null>;
  /** Tells whether a setup token is live, without using it (to render the form). */
  peekSetupToken(hash: string, now: number): Promise<string | null>;
}

export interface SessionStore {
  create(session: Session): Promise<void>;
  get(hash: string): Promise<Session | null>;
  touch(hash: string, lastSeenAt: number, expiresAt: number): Promise<void>;
  delete(hash: string): Promise<void>;
  deleteForUser(userId: string): Promise<number>;
}

export interface ThrottleRecord {
  key: string;
  failures: number;
  windowStart: number;
  lockedUntil: number | null;
}

export interface ThrottleStore {
  get(keys: readonly string[]): Promise<ThrottleRecord[]>;
  /**
   * Counts one failure atomically (an upsert, so concurrent failures on several processes all count):
   * the count restarts when the window started before `windowStartsAfter`.
   */
  recordFailure(key: string, now: number, windowStartsAfter: number): Promise<ThrottleRecord>;
  lock(key: string, until: number): Promise<void>;
  clear(key: string): Promise<void>;
}

export interface AuthorizationCodeStore {
  create(code: AuthorizationCode): Promise<void>;
  get(hash: string): Promise<AuthorizationCode | null>;
  /** The single-use compare-and-swap: the code as it was for the one caller that redeems it, else null. */
  redeem(hash: string, now: number): Promise<AuthorizationCode | null>;
  /** Records what a redemption issued, so a replay can revoke it. */
  recordIssued(hash: string, familyId: string, installationId: string | null): Promise<void>;
}

export interface DecoupledRequestStore {
  create(request: DecoupledRequest): Promise<void>;
  get(id: string): Promise<DecoupledRequest | null>;
  getByAuthReqId(hash: string): Promise<DecoupledRequest | null>;
  /** Oldest first, or with `newestFirst` newest first (the cursor then continues towards older ones). */
  list(
    page: PageRequest,
    filter: {
      statuses?: readonly DecoupledStatus[] | undefined;
      userId?: string | undefined;
      organizationIds?: readonly string[] | undefined;
      applicationId?: string | undefined;
      liveAt?: number | undefined;
      newestFirst?: boolean | undefined;
    },
  ): Promise<Page<DecoupledRequest>>;
  /** pending → approved/denied, once, and only while the request is live. */
  decide(id: string, decision: 'approved' | 'denied', set: { decidedBy: string; decidedAt: number; organizationId: string | null }, now: number): Promise<boolean>;
  recordPoll(id: string, at: number, interval: number): Promise<void>;
  /** approved → redeemed, once: true for the one caller that redeems it. */
  redeem(id: string): Promise<boolean>;
  recordIssued(id: string, familyId: string, installationId: string): Promise<void>;
}
